package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scopes that bound a forward pass's memory give the results of the plain computation. */
class ArrayScopesTest {

    @Test
    void slicedBranchRunsWholeExamplesPerSliceAndConcatenates() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(7 * 3 * 2f).reshape(7, 3, 2); // [B=7, T=3, 2]
            List<Long> sliceSizes = new ArrayList<>();
            NDArray out = ArrayScopes.branchInSlices(x, 7, t -> { // 7 rows: 2 examples of 3 tokens per slice
                sliceSizes.add(t.getShape().get(0));
                return t.mul(t).sum(new int[] {2}, true); // [b, 3, 1]
            });
            assertEquals(List.of(2L, 2L, 2L, 1L), sliceSizes);
            assertEquals(new Shape(7, 3, 1), out.getShape());
            assertArrayEquals(x.mul(x).sum(new int[] {2}, true).toFloatArray(), out.toFloatArray());
            assertEquals(m, out.getManager());
        }
    }

    @Test
    void slicesHoldTheGivenNumberOfExamplesWhateverTheirShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(5 * 3 * 2 * 2f).reshape(5, 3, 2, 2); // [B=5, C, H, W], as images are
            List<Long> sliceSizes = new ArrayList<>();
            NDArray out = ArrayScopes.inSlices(x, 2, t -> {
                sliceSizes.add(t.getShape().get(0));
                return t.sum(new int[] {1, 2, 3}); // [b]
            });
            assertEquals(List.of(2L, 2L, 1L), sliceSizes);
            assertArrayEquals(x.sum(new int[] {1, 2, 3}).toFloatArray(), out.toFloatArray());
            assertEquals(m, out.getManager());
        }
    }

    @Test
    void slicedBranchRunsTheWholeBatchWhileAutogradRecords() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(4, 2, 3));
            x.setRequiresGradient(true);
            List<Long> sliceSizes = new ArrayList<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = ArrayScopes.branchInSlices(x, 2, t -> {
                    sliceSizes.add(t.getShape().get(0));
                    return t.mul(t);
                });
                gc.backward(out.sum());
            }
            assertEquals(List.of(4L), sliceSizes);
            assertArrayEquals(m.full(new Shape(4, 2, 3), 2f).toFloatArray(), x.getGradient().toFloatArray());
        }
    }

    @Test
    void callKeepsOnlyTheOutputAtInference() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] inside = new NDArray[1];
            NDArray out = ArrayScopes.call(m, m.getDevice(), scope -> {
                inside[0] = scope.create(new float[] {1, 2, 3});
                return inside[0].mul(inside[0]);
            });
            assertArrayEquals(new float[] {1, 4, 9}, out.toFloatArray());
            assertEquals(m, out.getManager());
            assertTrue(inside[0].isReleased(), "the pass's own arrays are freed");
        }
    }

    @Test
    void layerAndChainNeverReleaseTheirInputWithOrWithoutAutograd() {
        for (boolean autograd : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(new float[] {1, 2, 3});
                NDArray single;
                NDArray out;
                List<NDArray> seen = new ArrayList<>();
                GradientCollector gc = autograd ? Engine.getInstance().newGradientCollector() : null;
                try {
                    single = ArrayScopes.layer(x, t -> t.mul(t));
                    out = ArrayScopes.chain(x, List.of(t -> t.mul(2), t -> t.add(1), t -> t.mul(t)),
                            (h, i) -> seen.add(h));
                } finally {
                    if (gc != null) {
                        gc.close();
                    }
                }
                String mode = autograd ? "with autograd" : "without autograd";
                assertFalse(x.isReleased(), "the input stays " + mode);
                assertArrayEquals(new float[] {1, 4, 9}, single.toFloatArray());
                assertArrayEquals(new float[] {9, 25, 49}, out.toFloatArray());
                assertEquals(m, out.getManager());
                assertTrue(seen.get(0).isReleased() && seen.get(1).isReleased(), "intermediates freed " + mode);
                assertFalse(seen.get(2).isReleased());
            }
        }
    }
}
