package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;

/**
 * Parses and validates serialized {@link TernaryMessage}s. Every check (magic, version, flags, segment count,
 * per-segment lengths, total length, exact buffer size, finite non-negative scalers, no {@code 11} code, zero
 * padding bits) runs before a message object exists, so a malformed buffer can never reach a target array;
 * failures throw {@link MalformedTernaryMessageException} saying what is wrong.
 */
public final class TernaryMessageDecoder {

    private TernaryMessageDecoder() {
    }

    /** Decodes a whole array. */
    public static TernaryMessage decode(byte[] bytes) {
        if (bytes == null) {
            throw new MalformedTernaryMessageException("Message is null");
        }
        return decode(ByteBuffer.wrap(bytes));
    }

    /**
     * Validates the message completely, checks that it covers exactly {@code target.length} elements, and only
     * then adds the decoded vector to {@code target}. On any failure {@code target} is untouched.
     */
    public static TernaryMessage decodeAndAdd(ByteBuffer buffer, float[] target) {
        TernaryMessage message = decode(buffer);
        if (message.totalLength() != target.length) {
            throw new MalformedTernaryMessageException("Message carries " + message.totalLength()
                    + " elements but the target vector has " + target.length);
        }
        message.addTo(target, 0);
        return message;
    }

    /**
     * Like {@link #decodeAndAdd(ByteBuffer, float[])}, but also requires the message's per-layer lengths to be
     * exactly the receiver's {@code layout} (a message cut 3+3+3 is rejected by a 4+5 receiver even though both
     * cover 9 elements). On any failure {@code target} is untouched.
     */
    public static TernaryMessage decodeAndAdd(ByteBuffer buffer, float[] target, SegmentLayout layout) {
        TernaryMessage message = decode(buffer, layout);
        if (message.totalLength() != target.length) {
            throw new MalformedTernaryMessageException("Message carries " + message.totalLength()
                    + " elements but the target vector has " + target.length);
        }
        message.addTo(target, 0);
        return message;
    }

    /**
     * Decodes and validates one message, then checks that its segment count and every segment length equal the
     * receiver's {@code layout}; the error names the first differing segment, its length and the expected one.
     */
    public static TernaryMessage decode(ByteBuffer buffer, SegmentLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("Receiver layout is null");
        }
        TernaryMessage message = decode(buffer);
        checkLayout(message, layout);
        return message;
    }

    /** Throws {@link MalformedTernaryMessageException} unless {@code message} is cut exactly like {@code layout}. */
    public static void checkLayout(TernaryMessage message, SegmentLayout layout) {
        if (message.segmentCount() != layout.count()) {
            throw new MalformedTernaryMessageException("Message has " + message.segmentCount() + " layers "
                    + java.util.Arrays.toString(message.segmentLengths()) + " but the receiver's layout has "
                    + layout.count() + " " + layout);
        }
        for (int i = 0; i < layout.count(); i++) {
            if (message.segmentLength(i) != layout.length(i)) {
                throw new MalformedTernaryMessageException("Layer " + i + " (" + layout.name(i) + ") of the message has "
                        + message.segmentLength(i) + " elements but the receiver's layout expects " + layout.length(i)
                        + " (message " + java.util.Arrays.toString(message.segmentLengths()) + ", receiver " + layout + ")");
            }
        }
    }

    /**
     * Decodes the bytes between the buffer's position and limit (which must be exactly one message); the
     * buffer's position is not changed.
     */
    public static TernaryMessage decode(ByteBuffer buffer) {
        if (buffer == null) {
            throw new MalformedTernaryMessageException("Message is null");
        }
        ByteBuffer in = buffer.duplicate().order(TernaryMessage.BYTE_ORDER);
        long size = in.remaining();
        if (size < TernaryMessage.FIXED_HEADER_BYTES) {
            throw new MalformedTernaryMessageException("Truncated message: " + size + " bytes, the fixed header alone needs "
                    + TernaryMessage.FIXED_HEADER_BYTES);
        }
        int magic = in.getInt();
        if (magic != TernaryMessage.MAGIC) {
            throw new MalformedTernaryMessageException(String.format("Bad magic 0x%08X, expected 0x%08X (\"TGRD\")",
                    magic, TernaryMessage.MAGIC));
        }
        int version = Short.toUnsignedInt(in.getShort());
        if (version != TernaryMessage.VERSION) {
            throw new MalformedTernaryMessageException("Unsupported format version " + version + ", this decoder reads "
                    + TernaryMessage.VERSION);
        }
        int flags = Short.toUnsignedInt(in.getShort());
        if (flags != 0) {
            throw new MalformedTernaryMessageException("Unknown flags 0x" + Integer.toHexString(flags));
        }
        int segments = in.getInt();
        long maxSegments = (size - TernaryMessage.FIXED_HEADER_BYTES) / 8;
        if (segments < 1 || segments > maxSegments) {
            throw new MalformedTernaryMessageException("Layer count " + segments + " impossible for a " + size
                    + "-byte message (must be between 1 and " + maxSegments + ")");
        }
        long total = in.getLong();
        if (total < segments || total > Integer.MAX_VALUE - 8) {
            throw new MalformedTernaryMessageException("Total length " + total + " impossible for " + segments
                    + " layers (each layer needs at least one element, at most " + (Integer.MAX_VALUE - 8) + " in all)");
        }
        long expectedSize = TernaryMessage.sizeInBytes(segments, total);
        if (size != expectedSize) {
            throw new MalformedTernaryMessageException((size < expectedSize ? "Truncated" : "Oversized")
                    + " message: " + size + " bytes, but " + segments + " layers with " + total
                    + " elements need exactly " + expectedSize);
        }
        int[] lengths = new int[segments];
        long sum = 0;
        for (int i = 0; i < segments; i++) {
            lengths[i] = in.getInt();
            if (lengths[i] < 1) {
                throw new MalformedTernaryMessageException("Layer " + i + " has length " + lengths[i]
                        + "; every layer needs at least one element");
            }
            sum += lengths[i];
        }
        if (sum != total) {
            throw new MalformedTernaryMessageException("Layer lengths sum to " + sum + " but the header says " + total);
        }
        float[] scalers = new float[segments];
        for (int i = 0; i < segments; i++) {
            scalers[i] = in.getFloat();
            if (!Float.isFinite(scalers[i]) || scalers[i] < 0) {
                throw new MalformedTernaryMessageException("Layer " + i + " has scaler " + scalers[i]
                        + "; scalers must be finite and non-negative");
            }
        }
        byte[] codes = new byte[TwoBitCodes.packedBytes(total)];
        in.get(codes);
        for (int i = 0; i < codes.length; i++) {
            if (TwoBitCodes.hasInvalidCode(codes[i])) {
                int slot = firstInvalidSlot(codes[i]);
                throw new MalformedTernaryMessageException("Invalid 2-bit code 11 for element " + (4L * i + slot));
            }
        }
        int usedSlotsInLastByte = (int) (total & 3);
        if (usedSlotsInLastByte != 0) {
            int paddingMask = 0xFF & ~((1 << (2 * usedSlotsInLastByte)) - 1);
            if ((codes[codes.length - 1] & paddingMask) != 0) {
                throw new MalformedTernaryMessageException("Non-zero padding bits after element " + (total - 1));
            }
        }
        return new TernaryMessage(lengths, scalers, codes);
    }

    private static int firstInvalidSlot(byte b) {
        for (int slot = 0; slot < 4; slot++) {
            if (((b >>> (2 * slot)) & 0b11) == TwoBitCodes.INVALID) {
                return slot;
            }
        }
        return -1;
    }
}
