package dev.seedj.core.weights;

import java.nio.ByteBuffer;

/**
 * Copies the elements of a strided view (transposed, expanded with stride 0, sliced) into row-major order.
 *
 * <p>Stateless; thread-safe.
 */
final class StridedView {
    private StridedView() {
    }

    /**
     * @param region storage bytes starting at the view's first element; large enough for every element the
     *     view touches (checked by the caller)
     * @param elementSize bytes per element
     * @param shape view sizes, with a product that fits an int
     * @param stride view strides in elements
     * @return the elements in row-major order, {@code numel * elementSize} bytes from position 0
     */
    static ByteBuffer gather(ByteBuffer region, int elementSize, long[] shape, long[] stride) {
        int rank = shape.length;
        long numel = 1;
        for (long size : shape) {
            numel *= size;
        }
        byte[] out = new byte[Math.toIntExact(numel * elementSize)];
        long[] index = new long[rank];
        long source = 0;
        int base = region.position();
        for (int i = 0; i < numel; i++) {
            region.get(base + (int) (source * elementSize), out, i * elementSize, elementSize);
            // odometer step over the dimensions, last one fastest
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                source += stride[d];
                if (index[d] < shape[d]) {
                    break;
                }
                source -= stride[d] * shape[d];
                index[d] = 0;
            }
        }
        return ByteBuffer.wrap(out);
    }
}
