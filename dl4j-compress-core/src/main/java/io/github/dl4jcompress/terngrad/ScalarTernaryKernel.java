package io.github.dl4jcompress.terngrad;

/**
 * Plain-Java reference implementation of {@link TernaryKernel}'s specification, one element at a time,
 * branch-free in the sampling loop. Used when {@code jdk.incubator.vector} is not available, for the head and
 * tail elements of the vector kernel, and as the oracle in tests.
 */
final class ScalarTernaryKernel extends TernaryKernel {

    static final ScalarTernaryKernel INSTANCE = new ScalarTernaryKernel();

    private ScalarTernaryKernel() {
    }

    @Override
    String name() {
        return "scalar";
    }

    @Override
    void statistics(float[] g, int from, int to, float k, double[] out, int at) {
        float[] laneSums = new float[LANES];
        float[] laneSquares = new float[LANES];
        double sum = out[at];
        double squares = out[at + 1];
        float max = (float) out[at + 2];
        int groupsEnd = from + ((to - from) & -LANES);
        int i = from;
        while (i < groupsEnd) {
            int blockEnd = Math.min(groupsEnd, i + BLOCK);
            for (; i < blockEnd; i++) {
                float v = g[i];
                float d = v - k;
                int lane = (i - from) & (LANES - 1);
                laneSums[lane] += d;
                laneSquares[lane] += d * d;
                max = Math.max(max, Math.abs(v));
            }
            for (int lane = 0; lane < LANES; lane++) {
                sum += laneSums[lane];
                squares += laneSquares[lane];
                laneSums[lane] = 0;
                laneSquares[lane] = 0;
            }
        }
        for (; i < to; i++) {
            float v = g[i];
            float d = v - k;
            sum += d;
            squares += d * d;
            max = Math.max(max, Math.abs(v));
        }
        out[at] = sum;
        out[at + 1] = squares;
        out[at + 2] = max;
    }

    @Override
    long sampleCodes(float[] g, int offset, int from, int to, float s, float clipBound, int k1, int k2,
                     byte[] codes, int codesOffset) {
        long nonZero = 0;
        long clipped = 0;
        float r = scale(s);
        for (int i = from; i < to; i++) {
            float v = g[i - offset];
            int keep = keep(v, i, s, r, k1, k2);
            codes[codesOffset + (i >>> 2)] |= (byte) ((keep + (keep & (Float.floatToRawIntBits(v) >>> 31))) << ((i & 3) << 1));
            nonZero += keep;
            clipped += clipped(v, clipBound);
        }
        return counts(nonZero, clipped);
    }

    @Override
    long sampleValues(float[] g, int from, int to, float s, float clipBound, int k1, int k2, float[] out) {
        int sBits = Float.floatToRawIntBits(s);
        long nonZero = 0;
        long clipped = 0;
        float r = scale(s);
        for (int i = from; i < to; i++) {
            float v = g[i];
            int keep = keep(v, i, s, r, k1, k2);
            out[i] = Float.intBitsToFloat((sBits | (Float.floatToRawIntBits(v) & 0x80000000)) & -keep);
            nonZero += keep;
            clipped += clipped(v, clipBound);
        }
        return counts(nonZero, clipped);
    }

    /** 1 if element {@code i} is sent as ±s, else 0 (see {@link TernaryKernel}). */
    static int keep(float v, int i, float s, float r, int k1, int k2) {
        float x = scaled(Math.abs(v), s, r);
        int h = bits(i, k1, k2);
        float hi = h >>> 8;
        float lo = h & 0xFF;
        return Float.floatToRawIntBits(lo - (x - hi) * 256f) >>> 31;
    }

    private static int clipped(float v, float clipBound) {
        return Float.floatToRawIntBits(clipBound - Math.abs(v)) >>> 31;
    }
}
