package io.github.dl4jcompress.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between an INDArray's values in c order and a Java {@code float[]} / {@code double[]} of the same data
 * type (one memcpy when the array is contiguous in c order, a c-order duplicate first otherwise).
 */
final class DataCopy {

    private DataCopy() {
    }

    /** True when {@code a}'s elements are its buffer's first {@code length} values in c order (size-1 axes ignored). */
    static boolean isDenseC(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** {@code dst[0..length) = a} in c order. */
    static void read(INDArray a, Object dst) {
        INDArray c = isDenseC(a) ? a : a.dup('c');
        int n = (int) c.length();
        if (c.dataType() == DataType.FLOAT) {
            c.data().asNioFloat().get((float[]) dst, 0, n);
        } else if (c.dataType() == DataType.DOUBLE) {
            c.data().asNioDouble().get((double[]) dst, 0, n);
        } else {
            throw new IllegalArgumentException("only FLOAT and DOUBLE arrays, got " + c.dataType());
        }
    }

    /** {@code a = src[0..length)} in c order; {@code a} must be dense in c order (as arrays created with 'c' are). */
    static void write(Object src, INDArray a) {
        if (!isDenseC(a)) {
            throw new IllegalStateException("internal: target of shape " + java.util.Arrays.toString(a.shape())
                    + " and strides " + java.util.Arrays.toString(a.stride()) + " is not dense in c order");
        }
        int n = (int) a.length();
        if (a.dataType() == DataType.FLOAT) {
            a.data().asNioFloat().put((float[]) src, 0, n);
        } else if (a.dataType() == DataType.DOUBLE) {
            a.data().asNioDouble().put((double[]) src, 0, n);
        } else {
            throw new IllegalArgumentException("only FLOAT and DOUBLE arrays, got " + a.dataType());
        }
    }

    /** The float buffer of {@code a}, dense in c order, for writes at absolute positions (element {@code i} in c order at {@code i}). */
    static java.nio.FloatBuffer denseFloats(INDArray a) {
        if (!isDenseC(a) || a.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("internal: target of type " + a.dataType() + ", shape " + java.util.Arrays.toString(a.shape())
                    + " and strides " + java.util.Arrays.toString(a.stride()) + " is not a dense float array in c order");
        }
        return a.data().asNioFloat();
    }
}
