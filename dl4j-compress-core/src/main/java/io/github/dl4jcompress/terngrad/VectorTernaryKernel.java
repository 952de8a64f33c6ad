package io.github.dl4jcompress.terngrad;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TernaryKernel} on 512-bit SIMD registers (16 lanes, AVX-512) or, where the CPU has no 512-bit vectors,
 * 256-bit ones (8 lanes, AVX2), with the JDK's incubating Vector API ({@code --add-modules jdk.incubator.vector}).
 * Bit-identical to {@link ScalarTernaryKernel}: every lane performs the same IEEE float and int operations in the same
 * order, the 16 statistics lanes are one or two registers, and the sampling loop handles one register of elements
 * (one little-endian 32- or 16-bit word of codes) per step, leaving the unaligned head
 * and the tail to the scalar kernel. Written for JDK 17's C2 as measured here: loop bodies are spelled out (helper
 * methods pushed C2 past its inlining limits), counters live in small arrays or in the code word's bit count rather
 * than in loop-carried vectors (which C2 boxed on every iteration: 4x slower), and masks are avoided (their
 * conversions are not intrinsified on JDK 17): keep and sign decisions are sign bits of float results reinterpreted
 * as ints.
 */
final class VectorTernaryKernel extends TernaryKernel {

    /** 512-bit registers (16 lanes) where the CPU has them, else 256-bit (8 lanes). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = F.vectorBitSize() == 512 ? IntVector.SPECIES_512
            : IntVector.SPECIES_256;
    private static final int V = F.length();
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    private static final IntVector SHIFTS = IOTA.mul(2);
    /** Codes of V elements: 2V bits, stored as one little-endian int (V = 16) or short (V = 8). */
    private static final VarHandle INT_WORDS = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_WORDS = MethodHandles.byteArrayViewVarHandle(short[].class,
            ByteOrder.LITTLE_ENDIAN);

    /** Created last: the constructor checks the constants above. */
    static final VectorTernaryKernel INSTANCE = new VectorTernaryKernel();

    private VectorTernaryKernel() {
        if (I.length() != V || LANES % V != 0) {
            throw new IllegalStateException("Unexpected species lengths " + F + ", " + I);
        }
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < F.vectorBitSize()) {
            throw new IllegalStateException("This CPU/JVM has " + FloatVector.SPECIES_PREFERRED.vectorBitSize()
                    + "-bit vectors; the kernel needs " + F.vectorBitSize());
        }
    }

    @Override
    String name() {
        return "vector-" + F.vectorBitSize();
    }

    @Override
    void statistics(float[] g, int from, int to, float shift, double[] out, int at) {
        if (V == 16) {
            statistics16(g, from, to, shift, out, at);
            return;
        }
        FloatVector k = FloatVector.broadcast(F, shift);
        float[] sums = new float[LANES];
        float[] squares = new float[LANES];
        float[] maxima = new float[LANES];
        double sum = out[at];
        double squareSum = out[at + 1];
        int groupsEnd = from + ((to - from) & -LANES);
        int i = from;
        while (i < groupsEnd) {
            int blockEnd = Math.min(groupsEnd, i + BLOCK);
            for (; i < blockEnd; i += LANES) {
                for (int part = 0; part < LANES; part += V) {
                    FloatVector v = FloatVector.fromArray(F, g, i + part);
                    FloatVector d = v.sub(k);
                    FloatVector.fromArray(F, sums, part).add(d).intoArray(sums, part);
                    FloatVector.fromArray(F, squares, part).add(d.mul(d)).intoArray(squares, part);
                    FloatVector.fromArray(F, maxima, part).max(v.abs()).intoArray(maxima, part);
                }
            }
            for (int lane = 0; lane < LANES; lane++) {
                sum += sums[lane];
                squareSum += squares[lane];
                sums[lane] = 0;
                squares[lane] = 0;
            }
        }
        float max = (float) out[at + 2];
        for (float m : maxima) {
            max = Math.max(max, m);
        }
        for (; i < to; i++) {
            float v = g[i];
            float d = v - shift;
            sum += d;
            squareSum += d * d;
            max = Math.max(max, Math.abs(v));
        }
        out[at] = sum;
        out[at + 1] = squareSum;
        out[at + 2] = max;
    }

    /**
     * {@link #statistics} with 16-lane registers: the 64 lanes of each quantity are four registers held over one
     * block of {@value #BLOCK} elements (declared inside the block loop, so C2 keeps them in registers: carried in
     * arrays, every group paid a load and a store per quantity and the pass ran at 2.5x the time of a plain copy),
     * stored to an array only to be added to the double totals in lane order, as the specification says.
     */
    private static void statistics16(float[] g, int from, int to, float shift, double[] out, int at) {
        FloatVector k = FloatVector.broadcast(F, shift);
        float[] lanes = new float[LANES];
        double sum = out[at];
        double squareSum = out[at + 1];
        float max = (float) out[at + 2];
        int groupsEnd = from + ((to - from) & -LANES);
        int i = from;
        while (i < groupsEnd) {
            int blockEnd = Math.min(groupsEnd, i + BLOCK);
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            FloatVector q0 = s0, q1 = s0, q2 = s0, q3 = s0;
            FloatVector m0 = s0, m1 = s0, m2 = s0, m3 = s0;
            for (; i < blockEnd; i += LANES) {
                FloatVector v0 = FloatVector.fromArray(F, g, i);
                FloatVector v1 = FloatVector.fromArray(F, g, i + 16);
                FloatVector v2 = FloatVector.fromArray(F, g, i + 32);
                FloatVector v3 = FloatVector.fromArray(F, g, i + 48);
                FloatVector d0 = v0.sub(k);
                FloatVector d1 = v1.sub(k);
                FloatVector d2 = v2.sub(k);
                FloatVector d3 = v3.sub(k);
                s0 = s0.add(d0);
                s1 = s1.add(d1);
                s2 = s2.add(d2);
                s3 = s3.add(d3);
                q0 = q0.add(d0.mul(d0));
                q1 = q1.add(d1.mul(d1));
                q2 = q2.add(d2.mul(d2));
                q3 = q3.add(d3.mul(d3));
                m0 = m0.max(v0.abs());
                m1 = m1.max(v1.abs());
                m2 = m2.max(v2.abs());
                m3 = m3.max(v3.abs());
            }
            s0.intoArray(lanes, 0);
            s1.intoArray(lanes, 16);
            s2.intoArray(lanes, 32);
            s3.intoArray(lanes, 48);
            for (int lane = 0; lane < LANES; lane++) {
                sum += lanes[lane];
            }
            q0.intoArray(lanes, 0);
            q1.intoArray(lanes, 16);
            q2.intoArray(lanes, 32);
            q3.intoArray(lanes, 48);
            for (int lane = 0; lane < LANES; lane++) {
                squareSum += lanes[lane];
            }
            max = Math.max(max, m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX));
        }
        for (; i < to; i++) {
            float v = g[i];
            float d = v - shift;
            sum += d;
            squareSum += d * d;
            max = Math.max(max, Math.abs(v));
        }
        out[at] = sum;
        out[at + 1] = squareSum;
        out[at + 2] = max;
    }

    @Override
    long sampleCodes(float[] g, int offset, int from, int to, float s, float clipBound, int k1, int k2,
                     byte[] codes, int codesOffset) {
        int bodyFrom = Math.min(to, (from + V - 1) & -V);
        int bodyTo = bodyFrom + ((to - bodyFrom) & -V);
        long head = ScalarTernaryKernel.INSTANCE.sampleCodes(g, offset, from, bodyFrom, s, clipBound, k1, k2, codes,
                codesOffset);
        long tail = ScalarTernaryKernel.INSTANCE.sampleCodes(g, offset, bodyTo, to, s, clipBound, k1, k2, codes,
                codesOffset);
        float r = scale(s);
        if (r == Float.POSITIVE_INFINITY) { // s < ~6e-32: the dividing rule, scalar
            return head + tail + ScalarTernaryKernel.INSTANCE.sampleCodes(g, offset, bodyFrom, bodyTo, s, clipBound,
                    k1, k2, codes, codesOffset);
        }
        FloatVector rv = FloatVector.broadcast(F, r);
        int stride = k2 | 1;
        IntVector strides = IOTA.mul(stride);
        FloatVector bound = FloatVector.broadcast(F, clipBound);
        int[] clippedLanes = new int[V];
        long nonZero = 0;
        for (int i = bodyFrom; i < bodyTo; i += V) {
            FloatVector v = FloatVector.fromArray(F, g, i - offset);
            FloatVector a = v.abs();
            FloatVector x = a.mul(rv).min(TWO_TO_24);
            IntVector h = strides.add(i * stride + k1);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x21F0AAAD);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15)).mul(0x735A2D97);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15));
            FloatVector hi = (FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0);
            FloatVector lo = (FloatVector) h.and(0xFF).convert(VectorOperators.I2F, 0);
            IntVector keep = lo.sub(x.sub(hi).mul(256f)).reinterpretAsInts().lanewise(VectorOperators.LSHR, 31);
            IntVector code = keep.add(keep.and(v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 31)));
            int word = code.lanewise(VectorOperators.LSHL, SHIFTS).reduceLanes(VectorOperators.OR);
            if (V == 16) {
                INT_WORDS.set(codes, codesOffset + (i >>> 2), word);
            } else {
                SHORT_WORDS.set(codes, codesOffset + (i >>> 2), (short) word);
            }
            nonZero += Integer.bitCount(word);
            IntVector.fromArray(I, clippedLanes, 0)
                    .add(bound.sub(a).reinterpretAsInts().lanewise(VectorOperators.LSHR, 31))
                    .intoArray(clippedLanes, 0);
        }
        return head + tail + counts(nonZero, sum(clippedLanes));
    }

    /*
     * sampleValues repeats sampleCodes' hash and keep test inline on purpose: on JDK 17 vectors passed to or returned
     * from a helper method (or carried across iterations) were not scalarised and made these loops 4-10x slower.
     * TernaryKernelTest checks both loops bit for bit against ScalarTernaryKernel, so the copies cannot drift apart.
     */
    @Override
    long sampleValues(float[] g, int from, int to, float s, float clipBound, int k1, int k2, float[] out) {
        int bodyTo = from + ((to - from) & -V);
        long tail = ScalarTernaryKernel.INSTANCE.sampleValues(g, bodyTo, to, s, clipBound, k1, k2, out);
        float r = scale(s);
        if (r == Float.POSITIVE_INFINITY) { // s < ~6e-32: the dividing rule, scalar
            return tail + ScalarTernaryKernel.INSTANCE.sampleValues(g, from, bodyTo, s, clipBound, k1, k2, out);
        }
        FloatVector rv = FloatVector.broadcast(F, r);
        int stride = k2 | 1;
        IntVector strides = IOTA.mul(stride);
        FloatVector bound = FloatVector.broadcast(F, clipBound);
        int sBits = Float.floatToRawIntBits(s);
        int[] nonZeroLanes = new int[V];
        int[] clippedLanes = new int[V];
        for (int i = from; i < bodyTo; i += V) {
            FloatVector v = FloatVector.fromArray(F, g, i);
            FloatVector a = v.abs();
            FloatVector x = a.mul(rv).min(TWO_TO_24);
            IntVector h = strides.add(i * stride + k1);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x21F0AAAD);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15)).mul(0x735A2D97);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15));
            FloatVector hi = (FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0);
            FloatVector lo = (FloatVector) h.and(0xFF).convert(VectorOperators.I2F, 0);
            IntVector keep = lo.sub(x.sub(hi).mul(256f)).reinterpretAsInts().lanewise(VectorOperators.LSHR, 31);
            v.reinterpretAsInts().and(0x80000000).or(sBits).and(keep.neg()).reinterpretAsFloats().intoArray(out, i);
            IntVector.fromArray(I, nonZeroLanes, 0).add(keep).intoArray(nonZeroLanes, 0);
            IntVector.fromArray(I, clippedLanes, 0)
                    .add(bound.sub(a).reinterpretAsInts().lanewise(VectorOperators.LSHR, 31))
                    .intoArray(clippedLanes, 0);
        }
        return tail + counts(sum(nonZeroLanes), sum(clippedLanes));
    }

    private static long sum(int[] lanes) {
        long total = 0;
        for (int lane : lanes) {
            total += lane;
        }
        return total;
    }
}
