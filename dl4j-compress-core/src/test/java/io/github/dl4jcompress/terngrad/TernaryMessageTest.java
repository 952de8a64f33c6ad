package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

class TernaryMessageTest {

    private static float[] randomVector(int n, long seed) {
        Random random = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return g;
    }

    /** Layouts whose total lengths cover every residue mod 4, mixing size-1 segments with larger ones. */
    private static SegmentLayout[] layouts() {
        return new SegmentLayout[] {
            SegmentLayout.of(1), SegmentLayout.of(2), SegmentLayout.of(3), SegmentLayout.of(4), SegmentLayout.of(5),
            SegmentLayout.of(1, 1), SegmentLayout.of(1, 1, 1), SegmentLayout.of(1, 1, 1, 1, 1),
            SegmentLayout.of(7, 1, 5), SegmentLayout.of(1, 16, 1), SegmentLayout.of(13, 2, 1, 1),
            SegmentLayout.of(1000, 1, 3, 999), SegmentLayout.of(4097, 6, 1, 1, 1),
        };
    }

    @Test
    void roundTripIsExactForEveryLengthModFourAndSingleElementSegments() {
        int seed = 0;
        boolean[] residueSeen = new boolean[4];
        for (SegmentLayout layout : layouts()) {
            residueSeen[layout.totalLength() % 4] = true;
            float[] g = randomVector(layout.totalLength(), seed++);
            float[] ternary = g.clone();
            float[] scalers = new Ternarizer(seed).ternarizeInPlace(ternary, layout);
            TernaryMessage message = new Ternarizer(seed).encode(g, layout);

            byte[] bytes = message.toBytes();
            assertEquals(TernaryMessage.FIXED_HEADER_BYTES + 8 * layout.count() + (layout.totalLength() + 3) / 4,
                    bytes.length, layout.toString());
            TernaryMessage decoded = TernaryMessageDecoder.decode(bytes);
            assertArrayEquals(scalers, decoded.scalers(), layout.toString());
            assertArrayEquals(layout.lengths(), decoded.segmentLengths());
            assertArrayEquals(ternary, decoded.toDense(), layout.toString());
            assertArrayEquals(bytes, decoded.toBytes(), "re-encoding is byte identical");
            for (int i = 0; i < layout.totalLength(); i++) {
                assertEquals((int) Math.signum(ternary[i]), decoded.sign(i));
            }
            int nonZero = 0;
            for (float v : ternary) {
                nonZero += v != 0 ? 1 : 0;
            }
            assertEquals(nonZero, decoded.nonZeroCount());
        }
        for (int r = 0; r < 4; r++) {
            assertTrue(residueSeen[r], "length ≡ " + r + " mod 4 covered");
        }
    }

    @Test
    void everyCodeValueSurvivesInEverySlot() {
        // Segments of size 1 are exact (t = g), so the codes are fully determined: +, −, 0 in all 4 slots.
        float[] g = {1, -1, 0, 2, -2, 0, 0, 3, -3, 4, 0, -4, 5};
        int[] ones = new int[g.length];
        Arrays.fill(ones, 1);
        TernaryMessage decoded = TernaryMessageDecoder.decode(new Ternarizer(0).encode(g, SegmentLayout.of(ones)).toBytes());
        assertArrayEquals(g, decoded.toDense());
    }

    @Test
    void decodeAndAddAccumulatesOnlyAfterValidation() {
        SegmentLayout layout = SegmentLayout.of(5, 6);
        float[] g = randomVector(11, 5);
        TernaryMessage message = new Ternarizer(1).encode(g, layout);
        float[] target = new float[11];
        Arrays.fill(target, 1f);
        TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(message.toBytes()), target);
        float[] expected = message.toDense();
        for (int i = 0; i < 11; i++) {
            expected[i] += 1f;
        }
        assertArrayEquals(expected, target);

        float[] wrongSize = new float[12];
        assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(message.toBytes()), wrongSize));
        assertArrayEquals(new float[12], wrongSize);

        byte[] corrupt = message.toBytes();
        corrupt[corrupt.length - 1] = (byte) 0xFF;
        float[] untouched = new float[11];
        assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(corrupt), untouched));
        assertArrayEquals(new float[11], untouched);
    }

    private static byte[] validMessage() {
        // 3 segments, 10 elements → 20 + 24 + 3 = 47 bytes; last byte uses 2 of 4 slots.
        return new Ternarizer(4).encode(randomVector(10, 9), SegmentLayout.of(4, 1, 5)).toBytes();
    }

    private static void assertRefused(String expectedFragment, Consumer<ByteBuffer> corruption) {
        byte[] bytes = validMessage();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        corruption.accept(buffer);
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decode(bytes));
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
    }

    @Test
    void malformedHeadersAreRefused() {
        assertRefused("Bad magic", b -> b.putInt(0, 0x12345678));
        assertRefused("version", b -> b.putShort(4, (short) 2));
        assertRefused("flags", b -> b.putShort(6, (short) 1));
        assertRefused("Layer count 0", b -> b.putInt(8, 0));
        assertRefused("Layer count -1", b -> b.putInt(8, -1));
        assertRefused("Layer count 1000", b -> b.putInt(8, 1000));
        assertRefused("need exactly", b -> b.putInt(8, 2));
        assertRefused("Total length", b -> b.putLong(12, 0));
        assertRefused("Total length", b -> b.putLong(12, Long.MAX_VALUE));
        assertRefused("need exactly", b -> b.putLong(12, 30));
        assertRefused("Layer 1 has length 0", b -> {
            b.putInt(24, 0);
            b.putInt(20, 5);
        });
        assertRefused("Layer 2 has length -1", b -> {
            b.putInt(28, -1);
            b.putInt(20, 10);
        });
        assertRefused("sum to", b -> b.putInt(20, 5));
    }

    @Test
    void badScalersAreRefused() {
        assertRefused("Layer 0 has scaler NaN", b -> b.putFloat(32, Float.NaN));
        assertRefused("Layer 1 has scaler Infinity", b -> b.putFloat(36, Float.POSITIVE_INFINITY));
        assertRefused("Layer 2 has scaler -0.5", b -> b.putFloat(40, -0.5f));
    }

    @Test
    void badCodesAreRefused() {
        assertRefused("Invalid 2-bit code 11 for element 0", b -> b.put(44, (byte) 0b11));
        assertRefused("Invalid 2-bit code 11 for element 6", b -> b.put(45, (byte) 0b0011_0000));
        assertRefused("padding", b -> b.put(46, (byte) 0b0100_0000));
    }

    @Test
    void truncatedAndOversizedMessagesAreRefused() {
        byte[] bytes = validMessage();
        for (int length = 0; length < bytes.length; length++) {
            byte[] prefix = Arrays.copyOf(bytes, length);
            assertThrows(MalformedTernaryMessageException.class, () -> TernaryMessageDecoder.decode(prefix),
                    "prefix of " + length + " bytes");
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decode(longer));
        assertTrue(e.getMessage().startsWith("Oversized"), e.getMessage());
        assertThrows(MalformedTernaryMessageException.class, () -> TernaryMessageDecoder.decode((byte[]) null));
    }
}
