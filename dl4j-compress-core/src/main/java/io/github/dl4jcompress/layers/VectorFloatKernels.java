package io.github.dl4jcompress.layers;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD {@link FloatKernels} (JDK Vector API, 512- or 256-bit float vectors; two vector accumulators per reduction,
 * scalar tails; ReLU and its gradient by sign-bit arithmetic on the float bits, since vector masks and compares are not
 * intrinsified on JDK 17). Loaded only when {@code jdk.incubator.vector} is present.
 */
final class VectorFloatKernels extends FloatKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int V = F.length();

    static final VectorFloatKernels INSTANCE = new VectorFloatKernels();

    private VectorFloatKernels() {
    }

    @Override
    float sum(float[] x, int off, int len) {
        FloatVector a = FloatVector.zero(F), b = a;
        int i = off, end = off + len;
        for (; i + 2 * V <= end; i += 2 * V) {
            a = a.add(FloatVector.fromArray(F, x, i));
            b = b.add(FloatVector.fromArray(F, x, i + V));
        }
        float s = a.add(b).reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            s += x[i];
        }
        return s;
    }

    @Override
    float squaredDeviation(float[] x, int off, int len, float mu) {
        FloatVector m = FloatVector.broadcast(F, mu);
        FloatVector a = FloatVector.zero(F), b = a;
        int i = off, end = off + len;
        for (; i + 2 * V <= end; i += 2 * V) {
            FloatVector d0 = FloatVector.fromArray(F, x, i).sub(m);
            FloatVector d1 = FloatVector.fromArray(F, x, i + V).sub(m);
            a = d0.fma(d0, a);
            b = d1.fma(d1, b);
        }
        float s = a.add(b).reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            float d = x[i] - mu;
            s += d * d;
        }
        return s;
    }

    @Override
    float centredDot(float[] x, float[] y, int off, int len, float mu) {
        FloatVector m = FloatVector.broadcast(F, mu);
        FloatVector a = FloatVector.zero(F), b = a;
        int i = off, end = off + len;
        for (; i + 2 * V <= end; i += 2 * V) {
            a = FloatVector.fromArray(F, x, i).fma(FloatVector.fromArray(F, y, i).sub(m), a);
            b = FloatVector.fromArray(F, x, i + V).fma(FloatVector.fromArray(F, y, i + V).sub(m), b);
        }
        float s = a.add(b).reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            s += x[i] * (y[i] - mu);
        }
        return s;
    }

    @Override
    void affine(float[] x, int src, float[] out, int dst, int len, float mu, float inv, float g, float b) {
        FloatVector m = FloatVector.broadcast(F, mu), iv = FloatVector.broadcast(F, inv);
        FloatVector gv = FloatVector.broadcast(F, g), bv = FloatVector.broadcast(F, b);
        int i = 0;
        for (; i + V <= len; i += V) {
            FloatVector.fromArray(F, x, src + i).sub(m).mul(iv).mul(gv).add(bv).intoArray(out, dst + i);
        }
        for (; i < len; i++) {
            out[dst + i] = (x[src + i] - mu) * inv * g + b;
        }
    }

    @Override
    void inputGradient(float[] e, float[] x, int src, float[] out, int dst, int len, float k, float meanDy, float mu, float inv,
                       float meanDyHat) {
        FloatVector kv = FloatVector.broadcast(F, k), md = FloatVector.broadcast(F, meanDy), m = FloatVector.broadcast(F, mu);
        FloatVector iv = FloatVector.broadcast(F, inv), mh = FloatVector.broadcast(F, meanDyHat);
        int i = 0;
        for (; i + V <= len; i += V) {
            FloatVector hat = FloatVector.fromArray(F, x, src + i).sub(m).mul(iv);
            FloatVector.fromArray(F, e, src + i).sub(md).sub(hat.mul(mh)).mul(kv).intoArray(out, dst + i);
        }
        for (; i < len; i++) {
            out[dst + i] = k * (e[src + i] - meanDy - (x[src + i] - mu) * inv * meanDyHat);
        }
    }

    /** Bits of {@code x}: all ones where {@code x > 0} (sign clear, not +0), zeros elsewhere. */
    private static IntVector positive(IntVector bits) {
        return bits.neg().lanewise(VectorOperators.ASHR, 31).and(bits.lanewise(VectorOperators.ASHR, 31).not());
    }

    @Override
    void relu(float[] x, float[] y, int len) {
        int i = 0;
        for (; i + V <= len; i += V) {
            IntVector bits = FloatVector.fromArray(F, x, i).reinterpretAsInts();
            bits.and(positive(bits)).reinterpretAsFloats().intoArray(y, i);
        }
        relu(x, y, i, len);
    }

    @Override
    void reluGradient(float[] x, float[] e, float[] out, int len) {
        int i = 0;
        for (; i + V <= len; i += V) {
            IntVector keep = positive(FloatVector.fromArray(F, x, i).reinterpretAsInts());
            FloatVector.fromArray(F, e, i).reinterpretAsInts().and(keep).reinterpretAsFloats().intoArray(out, i);
        }
        reluGradient(x, e, out, i, len);
    }
}
