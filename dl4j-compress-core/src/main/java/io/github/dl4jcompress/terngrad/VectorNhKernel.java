package io.github.dl4jcompress.terngrad;

import java.nio.ByteOrder;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NhKernel} on 512-bit registers (two NH blocks per step, AVX-512) or 256-bit ones (one block, AVX2) with the
 * JDK's incubating Vector API: the message words plus the key words as 32-bit lanes (wrapping is the {@code mod 2³²}),
 * reinterpreted as 64-bit lanes {@code w_{2l} | w_{2l+1}·2³²}; the block's halves swapped ({@code l ↔ l ± 2}) pair word
 * {@code j} with word {@code j + 4}; the low and the high 32 bits of both, zero-extended, multiply into 64-bit lanes
 * (the full product: no overflow) that sum mod 2⁶⁴. Lanes 2, 3 of each block hold the same products as lanes 0, 1,
 * so only lanes 0, 1 (and 4, 5) are summed at the end. Two UHASH iterations share each message register (their keys
 * differ by 4 words), which was faster than one pass each in a scratch timing here; four at once, with four
 * accumulators, was several times slower on JDK 17's C2. Equal to {@link ScalarNhKernel} bit for bit (integer
 * arithmetic mod 2⁶⁴ is associative).
 */
final class VectorNhKernel extends NhKernel {

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Long> L = I.vectorBitSize() == 512 ? LongVector.SPECIES_512
            : LongVector.SPECIES_256;
    private static final int STEP_BYTES = I.vectorByteSize();
    private static final VectorShuffle<Long> SWAP_HALVES = L.length() == 8
            ? VectorShuffle.fromValues(L, 2, 3, 0, 1, 6, 7, 4, 5) : VectorShuffle.fromValues(L, 2, 3, 0, 1);
    private static final long LOW_32 = 0xFFFF_FFFFL;

    /** Created last: the constructor checks the constants above. */
    static final VectorNhKernel INSTANCE = new VectorNhKernel();

    private VectorNhKernel() {
        if (IntVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            throw new IllegalStateException("This CPU/JVM has " + IntVector.SPECIES_PREFERRED.vectorBitSize()
                    + "-bit vectors; the NH kernel needs 256");
        }
    }

    @Override
    String name() {
        return "vector-" + I.vectorBitSize();
    }

    @Override
    void hash(byte[] message, int offset, int bytes, int[] key, int keyOffset, int iterations, long[] out) {
        int it = 0;
        for (; it + 1 < iterations; it += 2) {
            hashTwo(message, offset, bytes, key, keyOffset + 4 * it, out, it);
        }
        if (it < iterations) {
            hashOne(message, offset, bytes, key, keyOffset + 4 * it, out, it);
        }
    }

    /** Iterations {@code at} and {@code at + 1} in one pass: each message register serves both keys. */
    private static void hashTwo(byte[] message, int offset, int bytes, int[] key, int k, long[] out, int at) {
        int whole = bytes - bytes % STEP_BYTES;
        LongVector acc0 = LongVector.zero(L);
        LongVector acc1 = LongVector.zero(L);
        for (int b = 0; b < whole; b += STEP_BYTES) {
            IntVector m = IntVector.fromByteArray(I, message, offset + b, ByteOrder.LITTLE_ENDIAN);
            int kb = k + (b >> 2);
            LongVector s = m.add(IntVector.fromArray(I, key, kb)).reinterpretAsLongs();
            LongVector r = s.rearrange(SWAP_HALVES);
            acc0 = acc0.add(s.and(LOW_32).mul(r.and(LOW_32)))
                    .add(s.lanewise(VectorOperators.LSHR, 32).mul(r.lanewise(VectorOperators.LSHR, 32)));
            LongVector t = m.add(IntVector.fromArray(I, key, kb + 4)).reinterpretAsLongs();
            LongVector u = t.rearrange(SWAP_HALVES);
            acc1 = acc1.add(t.and(LOW_32).mul(u.and(LOW_32)))
                    .add(t.lanewise(VectorOperators.LSHR, 32).mul(u.lanewise(VectorOperators.LSHR, 32)));
        }
        int kw = k + (whole >> 2);
        out[at] = firstHalves(acc0) + ScalarNhKernel.hash(message, offset + whole, bytes - whole, key, kw);
        out[at + 1] = firstHalves(acc1) + ScalarNhKernel.hash(message, offset + whole, bytes - whole, key, kw + 4);
    }

    private static void hashOne(byte[] message, int offset, int bytes, int[] key, int k, long[] out, int at) {
        int whole = bytes - bytes % STEP_BYTES;
        LongVector acc = LongVector.zero(L);
        for (int b = 0; b < whole; b += STEP_BYTES) {
            LongVector s = IntVector.fromByteArray(I, message, offset + b, ByteOrder.LITTLE_ENDIAN)
                    .add(IntVector.fromArray(I, key, k + (b >> 2)))
                    .reinterpretAsLongs();
            LongVector r = s.rearrange(SWAP_HALVES);
            acc = acc.add(s.and(LOW_32).mul(r.and(LOW_32)))
                    .add(s.lanewise(VectorOperators.LSHR, 32).mul(r.lanewise(VectorOperators.LSHR, 32)));
        }
        out[at] = firstHalves(acc) + ScalarNhKernel.hash(message, offset + whole, bytes - whole, key, k + (whole >> 2));
    }

    /** Sum of lanes 0, 1 (and 4, 5): each block's products once. */
    private static long firstHalves(LongVector acc) {
        long y = acc.lane(0) + acc.lane(1);
        return L.length() == 8 ? y + acc.lane(4) + acc.lane(5) : y;
    }
}
