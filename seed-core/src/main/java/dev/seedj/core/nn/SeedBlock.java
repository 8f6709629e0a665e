package dev.seedj.core.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of every SEED-J network block: a DJL {@link AbstractBlock} whose parameters and sub-blocks also
 * carry PyTorch state-dict names, so that a whole model is addressed as {@code blocks.3.attn.qkv.weight}
 * exactly as the reference checkpoints name it.
 *
 * <p>Each parameter is declared with its shape when the block is constructed (from the model config);
 * arrays are attached later, either from a checkpoint by {@link StateDictLoader} or randomly by
 * {@link #initializeParameters(NDManager)}. Because the arrays are DJL {@link Parameter}s, DJL's autograd
 * ({@code GradientCollector}) and optimizers train them directly.
 *
 * <p>Not thread-safe while parameters are being attached or trained; once loaded, forward passes only read
 * parameters and may run concurrently.
 */
public abstract class SeedBlock extends AbstractBlock {
    static {
        NativeAllocator.configure(); // return freed tensor memory to the system (no environment variable needed)
    }

    private final Map<String, Parameter> namedParams = new LinkedHashMap<>();
    private final Map<String, Shape> declaredShapes = new LinkedHashMap<>();
    private final Map<String, SeedBlock> namedChildren = new LinkedHashMap<>();
    /** Every sub-block in declaration order, inline ones (empty name) included. */
    private final List<Map.Entry<String, SeedBlock>> children = new ArrayList<>();

    /**
     * Declares a parameter of this block.
     *
     * @param name the state-dict name relative to this block, e.g. {@code weight}
     * @param shape its shape, as in the PyTorch checkpoint
     * @param initializer how {@link #initializeParameters} fills it when no checkpoint is loaded
     * @return the parameter (its array is attached later)
     */
    protected final Parameter declareParameter(String name, Shape shape, Initializer initializer) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optInitializer(initializer)
                .build();
        addParameter(p);
        namedParams.put(name, p);
        declaredShapes.put(name, shape);
        return p;
    }

    /**
     * Declares a sub-block under a state-dict name. The empty name declares an inline sub-block whose
     * names join this block's own without a prefix (for references that keep a component's weights at the
     * top level, e.g. SEED's {@code query_tokens} beside {@code Qformer.*}).
     *
     * @param name the name relative to this block, e.g. {@code attn}, {@code 3}, or empty for inline
     * @param block the sub-block
     * @param <B> its type
     * @return {@code block}
     */
    protected final <B extends SeedBlock> B declareChild(String name, B block) {
        addChildBlock(name, block);
        children.add(Map.entry(name, block));
        if (!name.isEmpty()) {
            namedChildren.put(name, block);
        }
        return block;
    }

    /** @return every parameter of this block and its sub-blocks by full dotted state-dict name, in order */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return Collections.unmodifiableMap(out);
    }

    /** @return the declared shape of every parameter by full dotted state-dict name */
    public final Map<String, Shape> declaredShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collect("", null, out);
        return Collections.unmodifiableMap(out);
    }

    /** @return the direct sub-blocks by their state-dict names (inline sub-blocks are not listed) */
    public final Map<String, SeedBlock> namedChildren() {
        return Collections.unmodifiableMap(namedChildren);
    }

    private void collect(String prefix, Map<String, Parameter> params, Map<String, Shape> shapes) {
        for (Map.Entry<String, Parameter> e : namedParams.entrySet()) {
            if (params != null) {
                params.put(prefix + e.getKey(), e.getValue());
            }
            if (shapes != null) {
                shapes.put(prefix + e.getKey(), declaredShapes.get(e.getKey()));
            }
        }
        for (Map.Entry<String, SeedBlock> e : children) {
            String childPrefix = e.getKey().isEmpty() ? prefix : prefix + e.getKey() + ".";
            e.getValue().collect(childPrefix, params, shapes);
        }
    }

    /**
     * Attaches freshly initialised float32 arrays to every parameter that has none yet, using each
     * parameter's initializer and declared shape (for training from scratch).
     *
     * @param manager owns the new arrays for the lifetime of the model
     */
    public final void initializeParameters(NDManager manager) {
        Map<String, Shape> shapes = declaredShapes();
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                p.setShape(shapes.get(e.getKey()));
                p.initialize(manager, DataType.FLOAT32);
            }
        }
    }

    /**
     * SEED-J blocks declare their parameter shapes from the model config, so DJL's shape inference is
     * not used.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " declares its shapes from its config; shape inference is not used");
    }

    /** Parameters are attached by {@link #initializeParameters} or {@link StateDictLoader}, never by DJL. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        initializeParameters(manager);
    }
}
