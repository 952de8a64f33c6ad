package io.github.dl4jcompress.terngrad;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Plain-Java {@link NhKernel}, word by word as RFC 4418 writes it: the reference and the fallback. */
final class ScalarNhKernel extends NhKernel {

    static final ScalarNhKernel INSTANCE = new ScalarNhKernel();

    private static final VarHandle LITTLE_ENDIAN_INTS = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_32 = 0xFFFF_FFFFL;

    private ScalarNhKernel() {
    }

    @Override
    String name() {
        return "scalar";
    }

    @Override
    void hash(byte[] message, int offset, int bytes, int[] key, int keyOffset, int iterations, long[] out) {
        for (int it = 0; it < iterations; it++) {
            out[it] = hash(message, offset, bytes, key, keyOffset + 4 * it);
        }
    }

    /** One NH pass over whole 32-byte blocks. */
    static long hash(byte[] message, int offset, int bytes, int[] key, int keyOffset) {
        long y = 0;
        for (int b = 0; b < bytes; b += 32) {
            int k = keyOffset + (b >> 2);
            for (int j = 0; j < 4; j++) {
                long x = ((int) LITTLE_ENDIAN_INTS.get(message, offset + b + 4 * j) + key[k + j]) & LOW_32;
                long z = ((int) LITTLE_ENDIAN_INTS.get(message, offset + b + 16 + 4 * j) + key[k + 4 + j]) & LOW_32;
                y += x * z;
            }
        }
        return y;
    }
}
