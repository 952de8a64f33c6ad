package io.github.dl4jcompress.terngrad;

/**
 * The 2-bit code table of {@link TernaryMessage}: element {@code i} lives in byte {@code i / 4} at bit
 * position {@code 2·(i % 4)}; {@code 00} = 0, {@code 01} = +s, {@code 10} = −s, {@code 11} is invalid.
 */
final class TwoBitCodes {

    static final int ZERO = 0b00;
    static final int PLUS = 0b01;
    static final int MINUS = 0b10;
    static final int INVALID = 0b11;

    private TwoBitCodes() {
    }

    /** Bytes needed to hold {@code elements} 2-bit codes. */
    static int packedBytes(long elements) {
        return Math.toIntExact((elements + 3) >>> 2);
    }

    /** Code of element {@code index}. */
    static int get(byte[] packed, int index) {
        return (packed[index >>> 2] >>> ((index & 3) << 1)) & 0b11;
    }

    /** ORs {@code code} into the (still zero) slot of element {@code index}. */
    static void set(byte[] packed, int index, int code) {
        packed[index >>> 2] |= (byte) (code << ((index & 3) << 1));
    }

    /** True if any of the four slots of {@code b} holds the invalid code {@code 11}. */
    static boolean hasInvalidCode(byte b) {
        return (b & (b >>> 1) & 0x55) != 0;
    }
}
