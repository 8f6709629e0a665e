package dev.seedj.core.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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
 * <p>The block tree is the single source of names. A block names its own parameters
 * ({@link #declareParameter}) and its direct sub-blocks ({@link #declareChild}) with names relative to
 * itself, as a Hugging Face {@code modeling_*.py} constructor does ({@code self.q_proj = nn.Linear(...)});
 * a parent composes them, so the full key of every weight follows from reading the constructors.
 * {@link #namedParameters()} and {@link #namedBlocks()} enumerate the tree with full keys (PyTorch's
 * {@code named_parameters()} / {@code named_modules()}); loading ({@link StateDictLoader}), saving,
 * initialisation, parity recording and LoRA injection ({@code dev.seedj.core.nn.lora}) all use them.
 *
 * <p>Each parameter is declared with its shape when the block is constructed (from the model config);
 * arrays are attached later, either from a checkpoint by {@link StateDictLoader} or randomly by
 * {@link #initializeParameters(NDManager)}. Because the arrays are DJL {@link Parameter}s, DJL's autograd
 * ({@code GradientCollector}) and optimizers train them directly. SEED-J blocks are called through their
 * typed {@code forward} methods, not through DJL's untyped {@code Block.forward}.
 *
 * <p>Not thread-safe while parameters are being attached, children replaced or trained; once loaded, forward
 * passes only read parameters and may run concurrently.
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
    /** The name the parent declared this block under (empty for a root or an inline block). */
    private String name = "";

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
        ((SeedBlock) block).name = name;
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

    /**
     * Every sub-block of the tree by full dotted name, parents before children, as PyTorch's
     * {@code named_modules()} without the root: e.g. {@code model.decoder.layers.0.self_attn.q_proj}. Inline
     * sub-blocks (declared with the empty name) are not listed themselves; their sub-blocks are, under the
     * parent's prefix.
     *
     * @return full name -> block, in declaration order
     */
    public final Map<String, SeedBlock> namedBlocks() {
        Map<String, SeedBlock> out = new LinkedHashMap<>();
        collectBlocks("", out);
        return Collections.unmodifiableMap(out);
    }

    /** @return the name this block was declared under by its parent, relative to it (empty for a root) */
    public final String name() {
        return name;
    }

    private void collectBlocks(String prefix, Map<String, SeedBlock> out) {
        for (Map.Entry<String, SeedBlock> e : children) {
            String full = e.getKey().isEmpty() ? prefix : prefix + e.getKey();
            if (!e.getKey().isEmpty()) {
                out.put(full, e.getValue());
            }
            e.getValue().collectBlocks(e.getKey().isEmpty() ? prefix : full + ".", out);
        }
    }

    /**
     * Puts {@code replacement} where the direct sub-block {@code name} was, under the same name, as PyTorch's
     * {@code setattr(parent, name, new_module)} does (PEFT swaps layers this way). Every field of this block that
     * refers to the old sub-block, directly or as an element of a mutable list, then refers to the replacement,
     * so the block's {@code forward} uses it.
     *
     * @param childName the direct sub-block's name, as declared
     * @param replacement the new sub-block; typically of the old one's type (a subclass of it)
     * @return the replaced sub-block
     * @throws IllegalArgumentException if this block has no sub-block of that name
     * @throws IllegalStateException if a field refers to the old sub-block in a way that cannot be updated
     */
    public final SeedBlock replaceChild(String childName, SeedBlock replacement) {
        SeedBlock old = namedChildren.get(childName);
        if (old == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no sub-block '" + childName + "'");
        }
        List<Runnable> redirects = fieldRedirects(old, replacement); // checked before anything changes
        if (redirects.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + " does not keep its sub-block '" + childName
                    + "' in a field or list that can be updated");
        }
        redirects.forEach(Runnable::run);
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i).getValue() == old) {
                children.set(i, Map.entry(childName, replacement));
            }
        }
        namedChildren.put(childName, replacement);
        BlockList djlChildren = new BlockList(super.children.size());
        for (int i = 0; i < super.children.size(); i++) {
            Block child = super.children.valueAt(i);
            djlChildren.add(super.children.keyAt(i), child == old ? replacement : child);
        }
        super.children = djlChildren; // DJL's view of the tree (its parameter listing) follows the swap
        replacement.name = childName;
        return old;
    }

    /** The updates that point every field of this block referring to {@code old} (directly or in a list) at {@code replacement}. */
    @SuppressWarnings("unchecked")
    private List<Runnable> fieldRedirects(SeedBlock old, SeedBlock replacement) {
        List<Runnable> out = new ArrayList<>();
        for (Class<?> c = getClass(); c != SeedBlock.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                String where = c.getSimpleName() + "." + f.getName();
                try {
                    f.setAccessible(true);
                    Object value = f.get(this);
                    if (value == old) {
                        if (!f.getType().isInstance(replacement)) {
                            throw new IllegalArgumentException("field " + where + " of type "
                                    + f.getType().getSimpleName() + " cannot hold a "
                                    + replacement.getClass().getSimpleName());
                        }
                        out.add(() -> set(f, replacement, where));
                    } else if (value instanceof List<?> list) {
                        for (int i = 0; i < list.size(); i++) {
                            if (list.get(i) == old) {
                                int index = i;
                                out.add(() -> ((List<Object>) list).set(index, replacement));
                            }
                        }
                    }
                } catch (IllegalAccessException | RuntimeException e) {
                    if (e instanceof IllegalArgumentException iae) {
                        throw iae;
                    }
                    throw new IllegalStateException("cannot replace a sub-block held by " + where, e);
                }
            }
        }
        return out;
    }

    private void set(Field f, Object value, String where) {
        try {
            f.set(this, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot replace a sub-block held by " + where, e);
        }
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

    /**
     * SEED-J blocks are called through their typed {@code forward} methods; DJL's untyped entry point is not
     * supported.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " is called through its typed forward method, not DJL's Block.forward(ParameterStore, NDList, ...)");
    }
}
