package dev.seedj.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class Nd4jArraysTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void float32RoundTripsBothWaysWithShapeAndValues() {
        float[] values = new float[2 * 3 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3.25f;
        }
        NDArray djl = manager.create(values, new Shape(2, 3, 4));
        INDArray nd4j = Nd4jArrays.toNd4j(djl);
        assertArrayEquals(new long[] {2, 3, 4}, nd4j.shape());
        assertEquals(org.nd4j.linalg.api.buffer.DataType.FLOAT, nd4j.dataType());
        assertEquals('c', nd4j.ordering());
        assertEquals(values[1 * 12 + 2 * 4 + 3], nd4j.getFloat(1, 2, 3)); // C order
        assertArrayEquals(values, nd4j.data().asFloat());

        NDArray back = Nd4jArrays.toDjl(nd4j, manager);
        assertEquals(new Shape(2, 3, 4), back.getShape());
        assertEquals(DataType.FLOAT32, back.getDataType());
        assertArrayEquals(values, back.toFloatArray());
    }

    @Test
    void float64Int32Int64KeepTheirTypeAndValues() {
        double[] doubles = {1e-300, -2.5, Math.PI, 1e300};
        INDArray d = Nd4jArrays.toNd4j(manager.create(doubles, new Shape(2, 2)));
        assertEquals(org.nd4j.linalg.api.buffer.DataType.DOUBLE, d.dataType());
        assertEquals(Math.PI, d.getDouble(1, 0));
        assertArrayEquals(doubles, Nd4jArrays.toDjl(d, manager).toDoubleArray());

        int[] ints = {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE, 42};
        INDArray i = Nd4jArrays.toNd4j(manager.create(ints, new Shape(3, 2)));
        assertEquals(org.nd4j.linalg.api.buffer.DataType.INT, i.dataType());
        assertEquals(Integer.MAX_VALUE, i.getInt(2, 0));
        NDArray iBack = Nd4jArrays.toDjl(i, manager);
        assertEquals(DataType.INT32, iBack.getDataType());
        assertArrayEquals(ints, iBack.toIntArray());

        long[] longs = {Long.MIN_VALUE, 1L << 40, -3, Long.MAX_VALUE};
        INDArray l = Nd4jArrays.toNd4j(manager.create(longs, new Shape(4)));
        assertEquals(org.nd4j.linalg.api.buffer.DataType.LONG, l.dataType());
        assertEquals(1L << 40, l.getLong(1));
        NDArray lBack = Nd4jArrays.toDjl(l, manager);
        assertEquals(DataType.INT64, lBack.getDataType());
        assertArrayEquals(longs, lBack.toLongArray());
    }

    @Test
    void nd4jViewsAndFortranOrderArriveInCOrder() {
        INDArray base = Nd4j.arange(0, 24).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape('c', 4, 6);
        INDArray view = base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 5)); // rows 1-2, cols 2-4
        assertTrue(view.isView());
        assertArrayEquals(new float[] {8, 9, 10, 14, 15, 16}, Nd4jArrays.toDjl(view, manager).toFloatArray());

        INDArray fortran = base.dup('f');
        NDArray fromFortran = Nd4jArrays.toDjl(fortran, manager);
        assertEquals(new Shape(4, 6), fromFortran.getShape());
        assertArrayEquals(base.data().asFloat(), fromFortran.toFloatArray());

        INDArray transposed = base.transpose(); // [6, 4] strided view
        assertArrayEquals(transposed.dup('c').data().asFloat(), Nd4jArrays.toDjl(transposed, manager).toFloatArray());
    }

    @Test
    void resultsShareNoMemoryWithTheirSource() {
        NDArray djl = manager.create(new float[] {1, 2, 3});
        INDArray nd4j = Nd4jArrays.toNd4j(djl);
        djl.set(new float[] {9, 9, 9}); // changing the source leaves the copy alone
        assertArrayEquals(new float[] {1, 2, 3}, nd4j.data().asFloat());
        NDArray back = Nd4jArrays.toDjl(nd4j, manager);
        nd4j.assign(5);
        assertArrayEquals(new float[] {1, 2, 3}, back.toFloatArray());
    }

    @Test
    void scalarsAndEmptyArraysKeepTheirShape() {
        INDArray scalar = Nd4jArrays.toNd4j(manager.create(2.5f));
        assertEquals(0, scalar.rank());
        assertEquals(2.5f, scalar.getFloat(0));
        NDArray scalarBack = Nd4jArrays.toDjl(scalar, manager);
        assertEquals(new Shape(), scalarBack.getShape());
        assertEquals(2.5f, scalarBack.getFloat());

        NDArray empty = Nd4jArrays.toDjl(Nd4jArrays.toNd4j(manager.zeros(new Shape(0, 3))), manager);
        assertEquals(new Shape(0, 3), empty.getShape());
    }

    @Test
    void unsupportedTypesAreRefusedByName() {
        IllegalArgumentException toNd4j = assertThrows(IllegalArgumentException.class,
                () -> Nd4jArrays.toNd4j(manager.create(new boolean[] {true})));
        assertTrue(toNd4j.getMessage().contains("type boolean"), toNd4j.getMessage());
        IllegalArgumentException toDjl = assertThrows(IllegalArgumentException.class,
                () -> Nd4jArrays.toDjl(Nd4j.create(org.nd4j.linalg.api.buffer.DataType.HALF, 2), manager));
        assertTrue(toDjl.getMessage().contains("HALF"), toDjl.getMessage());
    }
}
