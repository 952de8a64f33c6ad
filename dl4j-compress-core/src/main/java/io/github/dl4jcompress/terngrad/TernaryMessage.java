package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One TernGrad message: a ternarized vector {@code t_i = s_l · b_i}, {@code b_i ∈ {−1, 0, +1}}, stored as one
 * float scaler {@code s_l} per segment (layer) and 2 bits per element.
 *
 * <p>Wire format (big-endian), {@code L} segments, {@code N} elements in total:
 * <pre>
 *  offset  size   field
 *  0       4      magic 0x54475244 ("TGRD")
 *  4       2      format version (1)
 *  6       2      flags, must be 0
 *  8       4      L, segment count (&ge; 1)
 *  12      8      N, total element count, must equal the sum of the lengths
 *  20      4·L    segment lengths (each &ge; 1)
 *  20+4L   4·L    segment scalers (IEEE float, finite, &ge; 0)
 *  20+8L   ⌈N/4⌉  2-bit codes, element i in byte i/4 at bits 2·(i%4): 00 = 0, 01 = +s, 10 = −s (11 invalid);
 *                 unused bits of the last byte are 0
 * </pre>
 * Size is {@code 20 + 8L + ⌈N/4⌉} bytes. Instances are created by {@link Ternarizer#encode} or by
 * {@link TernaryMessageDecoder#decode}, which validates everything before an instance exists; an instance is
 * therefore always well formed.
 */
public final class TernaryMessage {

    /** "TGRD" in ASCII. */
    public static final int MAGIC = 0x54475244;
    /** Current format version. */
    public static final int VERSION = 1;
    /** Bytes before the per-segment tables. */
    public static final int FIXED_HEADER_BYTES = 20;
    static final ByteOrder BYTE_ORDER = ByteOrder.BIG_ENDIAN;

    private final int[] lengths;
    private final float[] scalers;
    private final byte[] codes;
    private final int totalLength;

    /** Trusted constructor: callers guarantee consistency (encoder output or validated input). Takes ownership. */
    TernaryMessage(int[] lengths, float[] scalers, byte[] codes) {
        this.lengths = lengths;
        this.scalers = scalers;
        this.codes = codes;
        long total = 0;
        for (int length : lengths) {
            total += length;
        }
        this.totalLength = (int) total;
    }

    /** Size in bytes of a message with the given segment count and total length. */
    public static long sizeInBytes(int segments, long totalLength) {
        return FIXED_HEADER_BYTES + 8L * segments + ((totalLength + 3) >>> 2);
    }

    /** Number of segments (layers). */
    public int segmentCount() {
        return lengths.length;
    }

    /** Length of segment {@code i}. */
    public int segmentLength(int i) {
        return lengths[i];
    }

    /** Scaler {@code s} of segment {@code i}. */
    public float scaler(int i) {
        return scalers[i];
    }

    /** Copy of all scalers. */
    public float[] scalers() {
        return scalers.clone();
    }

    /** Copy of all segment lengths. */
    public int[] segmentLengths() {
        return lengths.clone();
    }

    /** Total number of elements. */
    public int totalLength() {
        return totalLength;
    }

    /** Ternary sign {@code b_i ∈ {−1, 0, +1}} of element {@code index}. */
    public int sign(int index) {
        if (index < 0 || index >= totalLength) {
            throw new IndexOutOfBoundsException("Index " + index + " outside [0, " + totalLength + ")");
        }
        int code = TwoBitCodes.get(codes, index);
        return code == TwoBitCodes.PLUS ? 1 : code == TwoBitCodes.MINUS ? -1 : 0;
    }

    /** Number of non-zero elements. */
    public int nonZeroCount() {
        int count = 0;
        for (byte b : codes) {
            count += Integer.bitCount(b & 0xFF);
        }
        return count;
    }

    /** Serialized size in bytes. */
    public int sizeInBytes() {
        return (int) sizeInBytes(lengths.length, totalLength);
    }

    /** Serializes the message into a new array. */
    public byte[] toBytes() {
        byte[] out = new byte[sizeInBytes()];
        writeTo(ByteBuffer.wrap(out));
        return out;
    }

    /** Writes the message at the buffer's position, advancing it by {@link #sizeInBytes()}. */
    public void writeTo(ByteBuffer target) {
        ByteBuffer out = target.duplicate().order(BYTE_ORDER);
        writeHeader(out, lengths, scalers, totalLength);
        out.put(codes);
        target.position(out.position());
    }

    /** Bytes before the codes: {@code 20 + 8L}. */
    static int headerBytes(int segments) {
        return FIXED_HEADER_BYTES + 8 * segments;
    }

    /** Writes everything before the codes ({@link #headerBytes} bytes) at {@code out}'s position (big-endian). */
    static void writeHeader(ByteBuffer out, int[] lengths, float[] scalers, long totalLength) {
        out.putInt(MAGIC);
        out.putShort((short) VERSION);
        out.putShort((short) 0);
        out.putInt(lengths.length);
        out.putLong(totalLength);
        for (int length : lengths) {
            out.putInt(length);
        }
        for (float scaler : scalers) {
            out.putFloat(scaler);
        }
    }

    /** {@code target[offset + i] += t_i} for every element; {@code target} must hold the whole vector. */
    public void addTo(float[] target, int offset) {
        if (offset < 0 || (long) offset + totalLength > target.length) {
            throw new IllegalArgumentException("Target of length " + target.length + " cannot hold " + totalLength
                    + " elements at offset " + offset);
        }
        float[] valueOfCode = new float[4];
        int index = 0;
        for (int segment = 0; segment < lengths.length; segment++) {
            float s = scalers[segment];
            valueOfCode[TwoBitCodes.PLUS] = s;
            valueOfCode[TwoBitCodes.MINUS] = -s;
            int end = index + lengths[segment];
            for (; index < end; index++) {
                target[offset + index] += valueOfCode[(codes[index >>> 2] >>> ((index & 3) << 1)) & 0b11];
            }
        }
    }

    /** The decoded vector {@code t}. */
    public float[] toDense() {
        float[] dense = new float[totalLength];
        addTo(dense, 0);
        return dense;
    }
}
