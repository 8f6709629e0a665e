package dev.seedj.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.function.UnaryOperator;

/**
 * Bounds the memory of a forward pass. DJL frees an array only when its manager closes, so a pass run in
 * one manager keeps every intermediate activation of every layer alive until the call ends (gigabytes for
 * a batch of images through a ViT). These helpers run a layer, or a residual branch, in a sub-manager that
 * frees its intermediates as soon as it is done and keeps only its output.
 *
 * <p>The memory rule, the same with and without autograd: <b>a block never closes an array it did not
 * create</b>. Inputs and borrowed arrays always return to their own managers untouched; a helper frees only
 * what it (or the layer it runs) allocated, and {@link #chain} frees the intermediates it produced itself.
 * A result that an operation put into a long-lived manager (DJL puts a result in its first operand's manager,
 * so an operation on a parameter lands in the model's manager) is moved to the current call with
 * {@link #adopt}, the one helper for "this result belongs to this scope".
 *
 * <p>While autograd records (PyTorch grad mode on in this thread) the sub-managers are not used: backward
 * needs the activations anyway, and a tensor built from Java memory that backward reads must keep its handle
 * open until then. Which arrays are released is the same in both modes.
 *
 * <p>Stateless and thread-safe.
 */
public final class ArrayScopes {
    private ArrayScopes() {}

    /**
     * Runs one layer and frees everything it allocated except its output. The input is borrowed: it returns to
     * its manager unchanged (the caller, who created it, decides when it is freed).
     *
     * @param input the layer's input, borrowed
     * @param layer computes the output from the input
     * @param borrowed other arrays the layer reads (e.g. the encoder states of cross-attention): what the
     *     layer derives from them is freed too, and they return to their own managers afterwards
     * @return the layer's output, owned by the manager {@code input} has
     */
    public static NDArray layer(NDArray input, UnaryOperator<NDArray> layer, NDArray... borrowed) {
        if (TorchAutograd.isRecording()) {
            return layer.apply(input);
        }
        NDManager outer = input.getManager();
        try (NDManager scope = outer.newSubManager()) {
            input.tempAttach(scope);
            for (NDArray b : borrowed) {
                b.tempAttach(scope);
            }
            NDArray output = layer.apply(input);
            output.attach(outer);
            return output;
        }
    }

    /**
     * Runs layers one after the other, each through {@link #layer}. The input is borrowed; every intermediate
     * output is created here and freed as soon as the next layer has read it (in both autograd modes), so an
     * observer that keeps one must copy it. The last output is returned.
     *
     * @param input the first layer's input, borrowed
     * @param layers the layers, in order
     * @param observer sees each layer's output with its index (e.g. a parity recorder), or null
     * @param borrowed other arrays every layer reads
     * @return the last layer's output ({@code input} itself when there are no layers)
     */
    public static NDArray chain(NDArray input, List<? extends UnaryOperator<NDArray>> layers,
            ObjIntConsumer<NDArray> observer, NDArray... borrowed) {
        NDArray h = input;
        for (int i = 0; i < layers.size(); i++) {
            NDArray next = layer(h, layers.get(i), borrowed);
            if (h != input && h != next) {
                h.close(); // an intermediate this chain created
            }
            h = next;
            if (observer != null) {
                observer.accept(h, i);
            }
        }
        return h;
    }

    /**
     * @param blocks a block list
     * @param forward the forward pass of one block
     * @param <B> the block type
     * @return the blocks as {@link #chain} layers
     */
    public static <B> List<UnaryOperator<NDArray>> layers(List<B> blocks, BiFunction<B, NDArray, NDArray> forward) {
        List<UnaryOperator<NDArray>> out = new ArrayList<>(blocks.size());
        for (B block : blocks) {
            out.add(x -> forward.apply(block, x));
        }
        return out;
    }

    /**
     * Runs a residual branch and frees everything it allocated except its output; the input is kept.
     *
     * @param input the branch's input (returns to its manager afterwards)
     * @param branch computes the branch output
     * @return the branch output, owned by {@code input}'s manager
     */
    public static NDArray branch(NDArray input, UnaryOperator<NDArray> branch) {
        if (TorchAutograd.isRecording()) {
            return branch.apply(input);
        }
        NDManager outer = input.getManager();
        try (NDManager scope = outer.newSubManager()) {
            input.tempAttach(scope);
            NDArray output = branch.apply(input);
            output.attach(outer);
            return output;
        }
    }

    /**
     * Runs a residual branch on consecutive slices of the batch, one slice after the other, and concatenates the
     * outputs, so that the branch's intermediates (attention scores, an MLP's hidden layer) exist for one slice at a
     * time. A slice holds as many whole examples as fit in {@code rowsPerSlice} rows of {@code [B, T, ...]} (at least
     * one example). While autograd records, or when the batch fits in one slice, it is {@link #branch}.
     *
     * @param input the branch's input [B, T, ...] (returns to its manager afterwards)
     * @param rowsPerSlice how many of the B x T rows a slice may hold
     * @param branch computes the branch output of a slice, example by example independent
     * @return the branch output for the whole batch, owned by {@code input}'s manager
     */
    public static NDArray branchInSlices(NDArray input, long rowsPerSlice, UnaryOperator<NDArray> branch) {
        long perExample = Math.max(1, input.getShape().get(1));
        return inSlices(input, Math.max(1, rowsPerSlice / perExample), branch);
    }

    /**
     * Runs a computation on consecutive slices of the batch, {@code examplesPerSlice} examples at a time, and
     * concatenates the outputs, freeing each slice's intermediates before the next starts. While autograd records, or
     * when the batch fits in one slice, it is {@link #branch}.
     *
     * @param input [B, ...] (returns to its manager afterwards)
     * @param examplesPerSlice how many examples a slice holds, at least 1
     * @param computation computes the output of a slice, example by example independent
     * @return the output for the whole batch, owned by {@code input}'s manager
     */
    public static NDArray inSlices(NDArray input, long examplesPerSlice, UnaryOperator<NDArray> computation) {
        long batch = input.getShape().get(0);
        if (TorchAutograd.isRecording() || batch <= examplesPerSlice) {
            return branch(input, computation);
        }
        NDList outputs = new NDList();
        try {
            for (long from = 0; from < batch; from += examplesPerSlice) {
                NDArray slice = input.get(new NDIndex("{}:{}", from, Math.min(batch, from + examplesPerSlice)));
                outputs.add(branch(slice, computation));
                slice.close();
            }
            return NDArrays.concat(outputs, 0);
        } finally {
            outputs.close();
        }
    }

    /**
     * Runs a whole forward pass in a sub-manager of {@code manager} and frees everything it allocated except its
     * output, which moves to {@code manager}. While autograd records, the sub-manager stays open and closes with
     * {@code manager}: the backward pass, run after this returns, reads the pass's inputs and constants (token ids,
     * a scale built from a Java number), and a tensor made from Java memory is freed with its manager.
     *
     * @param manager owns the output
     * @param device where the pass creates its arrays
     * @param pass computes the output, creating what it needs in the manager it is given
     * @return the output, owned by {@code manager}
     */
    public static NDArray call(NDManager manager, Device device, Function<NDManager, NDArray> pass) {
        NDManager scope = manager.newSubManager(device);
        if (TorchAutograd.isRecording()) {
            NDArray output = pass.apply(scope); // the scope closes with manager, after the backward pass
            output.attach(manager);
            return output;
        }
        try (scope) {
            NDArray output = pass.apply(scope);
            output.attach(manager);
            return output;
        }
    }

    /**
     * Moves a result to the current call: an operation whose first operand is a parameter puts its result in the
     * parameters' manager, which lives as long as the model, so every such result is adopted by the call.
     *
     * @param derived the new array (created by the caller)
     * @param activation an array of the current call
     * @return {@code derived}, now owned by {@code activation}'s manager
     */
    public static NDArray adopt(NDArray derived, NDArray activation) {
        return adopt(derived, activation.getManager());
    }

    /**
     * Moves a result to a scope (see {@link #adopt(NDArray, NDArray)}).
     *
     * @param derived the new array (created by the caller)
     * @param scope the manager of the current call or step
     * @return {@code derived}, now owned by {@code scope}
     */
    public static NDArray adopt(NDArray derived, NDManager scope) {
        derived.attach(scope);
        return derived;
    }
}
