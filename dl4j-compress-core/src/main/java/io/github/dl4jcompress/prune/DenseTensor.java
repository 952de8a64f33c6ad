package io.github.dl4jcompress.prune;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A small immutable host copy of a parameter array (c-order doubles) with the axis operations
 * pruning needs: keep selected indices along one axis, group norms along an axis, and the
 * "fold a constant input channel into the output bias" contraction.
 */
final class DenseTensor {

    private final long[] shape;
    private final double[] data;

    DenseTensor(long[] shape, double[] data) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match " + data.length + " values");
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** Copies an array (any ordering, any view) by logical index. */
    static DenseTensor of(INDArray array) {
        INDArray copy = array.castTo(DataType.DOUBLE).dup('c');
        return new DenseTensor(array.shape(), copy.reshape(copy.length()).toDoubleVector());
    }

    /** Interprets a flat buffer segment laid out in {@code order} as an array of {@code shape}. */
    static DenseTensor fromFlat(double[] flat, long[] shape, char order) {
        if (order == 'c' || shape.length < 2) {
            return new DenseTensor(shape, flat.clone());
        }
        return of(Nd4j.create(flat, shape, order));
    }

    /** The values laid out flat in {@code order}. */
    double[] toFlat(char order) {
        if (order == 'c' || shape.length < 2) {
            return data.clone();
        }
        INDArray f = Nd4j.create(data, shape, 'c').dup('f');
        return f.data().asDouble();
    }

    INDArray toINDArray(DataType type) {
        return Nd4j.create(data, shape, 'c').castTo(type);
    }

    long[] shape() {
        return shape.clone();
    }

    int rank() {
        return shape.length;
    }

    long length() {
        return data.length;
    }

    double get(long flatIndex) {
        return data[(int) flatIndex];
    }

    /** Resolves -1 to the last axis. */
    int axis(int axis) {
        return axis < 0 ? shape.length - 1 : axis;
    }

    int size(int axis) {
        return (int) shape[axis(axis)];
    }

    private long outer(int axis) {
        long o = 1;
        for (int i = 0; i < axis; i++) {
            o *= shape[i];
        }
        return o;
    }

    private long inner(int axis) {
        long o = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            o *= shape[i];
        }
        return o;
    }

    /** A copy keeping only the given indices (in the given order) along {@code axis}. */
    DenseTensor keep(int axis, int[] indices) {
        int a = axis(axis);
        long outer = outer(a);
        long len = shape[a];
        long inner = inner(a);
        double[] out = new double[(int) (outer * indices.length * inner)];
        int p = 0;
        for (long o = 0; o < outer; o++) {
            for (int idx : indices) {
                if (idx < 0 || idx >= len) {
                    throw new IndexOutOfBoundsException("index " + idx + " on axis " + a + " of " + Arrays.toString(shape));
                }
                long src = (o * len + idx) * inner;
                for (long r = 0; r < inner; r++) {
                    out[p++] = data[(int) (src + r)];
                }
            }
        }
        long[] newShape = shape.clone();
        newShape[a] = indices.length;
        return new DenseTensor(newShape, out);
    }

    /** A copy with {@code delta} added element-wise (same length, vector-like tensors such as biases). */
    DenseTensor plus(double[] delta) {
        if (delta.length != data.length) {
            throw new IllegalArgumentException("delta length " + delta.length + " != " + data.length);
        }
        double[] out = data.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += delta[i];
        }
        return new DenseTensor(shape, out);
    }

    /**
     * Sum of squares per group along {@code axis}, where group g holds the indices
     * {@code g*units .. g*units+units-1} of that axis.
     */
    double[] groupSquares(int axis, int units) {
        int a = axis(axis);
        long outer = outer(a);
        long len = shape[a];
        long inner = inner(a);
        double[] out = new double[(int) (len / units)];
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < len; i++) {
                long src = (o * len + i) * inner;
                double s = 0;
                for (long r = 0; r < inner; r++) {
                    double v = data[(int) (src + r)];
                    s += v * v;
                }
                out[(int) (i / units)] += s;
            }
        }
        return out;
    }

    /**
     * For every index o along {@code outAxis}: sum over all elements with that output index of
     * {@code element * channelValues[inIndex / inUnits]}. This is the bias change caused by input
     * channels that carry a constant value.
     */
    double[] contract(int outAxis, int inAxis, int inUnits, double[] channelValues) {
        int oa = axis(outAxis);
        int ia = axis(inAxis);
        long oStride = inner(oa);
        long iStride = inner(ia);
        double[] out = new double[(int) shape[oa]];
        for (int k = 0; k < data.length; k++) {
            int ch = (int) ((k / iStride) % shape[ia]) / inUnits;
            double v = channelValues[ch];
            if (v != 0.0) {
                out[(int) ((k / oStride) % shape[oa])] += v * data[k];
            }
        }
        return out;
    }
}
