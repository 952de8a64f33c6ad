package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** Issue 16, item 7: a message cut differently from the receiver's layout is refused even when totals match. */
class DecoderLayoutCheckTest {

    private static float[] vector(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 3 - 1) * 0.5f + 0.1f * i;
        }
        return v;
    }

    @Test
    void messageWithOtherPerLayerLengthsButSameTotalIsRejectedAndTargetUntouched() {
        byte[] bytes = new Ternarizer(3).encode(vector(9), SegmentLayout.of(3, 3, 3)).toBytes();
        SegmentLayout receiver = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {4, 5});
        float[] target = vector(9);
        float[] before = target.clone();
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(bytes), target, receiver));
        assertTrue(e.getMessage().contains("3 layers") && e.getMessage().contains("has 2"), e.getMessage());
        assertArrayEquals(before, target);
    }

    @Test
    void sameSegmentCountDifferentLengthsNamesTheLayer() {
        byte[] bytes = new Ternarizer(3).encode(vector(9), SegmentLayout.of(5, 4)).toBytes();
        SegmentLayout receiver = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {4, 5});
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class,
                () -> TernaryMessageDecoder.decode(ByteBuffer.wrap(bytes), receiver));
        assertTrue(e.getMessage().contains("Layer 0 (0_W)") && e.getMessage().contains("5 elements")
                && e.getMessage().contains("expects 4"), e.getMessage());
    }

    @Test
    void matchingLayoutDecodes() {
        SegmentLayout layout = SegmentLayout.of(4, 5);
        TernaryMessage sent = new Ternarizer(3).encode(vector(9), layout);
        float[] target = new float[9];
        TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(sent.toBytes()), target, layout);
        assertArrayEquals(sent.toDense(), target);
        assertEquals(2, TernaryMessageDecoder.decode(ByteBuffer.wrap(sent.toBytes()), layout).segmentCount());
    }
}
