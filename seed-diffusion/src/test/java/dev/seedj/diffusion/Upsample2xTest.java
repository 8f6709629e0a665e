package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Both memory layouts of the 2x upsampling give the same values (the plain one is checked by the parity tests). */
class Upsample2xTest {

    @Test
    void channelsLastLayoutGivesTheSameValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            Upsample2x plain = new Upsample2x(4, false);
            Upsample2x channelsLast = new Upsample2x(4, true);
            NDArray weight = m.randomNormal(new Shape(4, 4, 3, 3));
            NDArray bias = m.randomNormal(new Shape(4));
            for (Upsample2x up : new Upsample2x[] {plain, channelsLast}) {
                up.namedParameters().get("conv.weight").setArray(weight);
                up.namedParameters().get("conv.bias").setArray(bias);
            }
            NDArray x = m.randomNormal(new Shape(2, 4, 3, 5));
            NDArray expected = plain.forward(x);
            NDArray actual = channelsLast.forward(x);
            assertEquals(new Shape(2, 4, 6, 10), actual.getShape());
            assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-4f);
        }
    }
}
