package io.github.dl4jcompress.layers;

/**
 * Float kernels of the Java layers over a run of an array: ReLU and its gradient, and for batch normalization the reductions {@code Σ x}, {@code Σ (x − μ)²},
 * {@code Σ x (y − μ)} and the per-channel affine maps of the forward and backward passes. A loop with one accumulator
 * waits an add's latency per element (the JIT does not reorder float sums): these use eight independent accumulators,
 * or, when {@code jdk.incubator.vector} is present, SIMD vectors ({@code VectorFloatKernels}, {@link #fast()}). The order
 * of the additions differs from a left-to-right sum by float rounding only.
 */
class FloatKernels {

    private static final FloatKernels SCALAR = new FloatKernels();
    private static final FloatKernels FAST = load();

    FloatKernels() {
    }

    /** The SIMD kernels if the incubator module is in the boot layer, else the scalar ones. */
    static FloatKernels fast() {
        return FAST;
    }

    /** The scalar kernels (the reference the SIMD ones are tested against). */
    static FloatKernels scalar() {
        return SCALAR;
    }

    private static FloatKernels load() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return SCALAR;
        }
        try {
            return (FloatKernels) Class.forName("io.github.dl4jcompress.layers.VectorFloatKernels").getDeclaredField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return SCALAR;
        }
    }

    /** {@code out[dst + i] = (x[src + i] − mu)·inv·g + b} for {@code i < len} (y = γ x̂ + β). */
    void affine(float[] x, int src, float[] out, int dst, int len, float mu, float inv, float g, float b) {
        for (int i = 0; i < len; i++) {
            out[dst + i] = (x[src + i] - mu) * inv * g + b;
        }
    }

    /**
     * {@code out[dst + i] = k (e[src + i] − meanDy − (x[src + i] − mu)·inv·meanDyHat)} for {@code i < len} (the input
     * gradient of batch normalization, x̂ recomputed).
     */
    void inputGradient(float[] e, float[] x, int src, float[] out, int dst, int len, float k, float meanDy, float mu, float inv,
                       float meanDyHat) {
        for (int i = 0; i < len; i++) {
            out[dst + i] = k * (e[src + i] - meanDy - (x[src + i] - mu) * inv * meanDyHat);
        }
    }

    /** {@code Σ x[off + i]} for {@code i < len}. */
    float sum(float[] x, int off, int len) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = off, end = off + len;
        for (; i + 8 <= end; i += 8) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
            s4 += x[i + 4];
            s5 += x[i + 5];
            s6 += x[i + 6];
            s7 += x[i + 7];
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < end; i++) {
            s += x[i];
        }
        return s;
    }

    /** {@code Σ (x[off + i] − mu)²} for {@code i < len}. */
    float squaredDeviation(float[] x, int off, int len, float mu) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = off, end = off + len;
        for (; i + 8 <= end; i += 8) {
            float d0 = x[i] - mu, d1 = x[i + 1] - mu, d2 = x[i + 2] - mu, d3 = x[i + 3] - mu;
            float d4 = x[i + 4] - mu, d5 = x[i + 5] - mu, d6 = x[i + 6] - mu, d7 = x[i + 7] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < end; i++) {
            float d = x[i] - mu;
            s += d * d;
        }
        return s;
    }

    /** {@code Σ x[off + i] (y[off + i] − mu)} for {@code i < len}. */
    float centredDot(float[] x, float[] y, int off, int len, float mu) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = off, end = off + len;
        for (; i + 8 <= end; i += 8) {
            s0 += x[i] * (y[i] - mu);
            s1 += x[i + 1] * (y[i + 1] - mu);
            s2 += x[i + 2] * (y[i + 2] - mu);
            s3 += x[i + 3] * (y[i + 3] - mu);
            s4 += x[i + 4] * (y[i + 4] - mu);
            s5 += x[i + 5] * (y[i + 5] - mu);
            s6 += x[i + 6] * (y[i + 6] - mu);
            s7 += x[i + 7] * (y[i + 7] - mu);
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < end; i++) {
            s += x[i] * (y[i] - mu);
        }
        return s;
    }

    /** {@code y[i] = x[i] > 0 ? x[i] : 0} for {@code i < len} (−0 gives +0). */
    void relu(float[] x, float[] y, int len) {
        relu(x, y, 0, len);
    }

    /** {@code out[i] = x[i] > 0 ? e[i] : 0} for {@code i < len} (DL4J's ReLU derivative: 0 at 0). */
    void reluGradient(float[] x, float[] e, float[] out, int len) {
        reluGradient(x, e, out, 0, len);
    }

    /** {@link #relu(float[], float[], int)} for {@code i} in {@code [from, to)}. */
    static void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = x[i] > 0f ? x[i] : 0f;
        }
    }

    /** {@link #reluGradient(float[], float[], float[], int)} for {@code i} in {@code [from, to)}. */
    static void reluGradient(float[] x, float[] e, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = x[i] > 0f ? e[i] : 0f;
        }
    }
}
