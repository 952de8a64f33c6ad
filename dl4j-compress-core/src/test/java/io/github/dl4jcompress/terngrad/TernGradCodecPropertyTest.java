package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the TernGrad codec: encode/decode round trip, unbiasedness within a statistical bound, and that any
 * byte sequence is either rejected with {@link MalformedTernaryMessageException} or decodes to a valid message cut
 * exactly like the receiver's layout.
 */
class TernGradCodecPropertyTest {

    private static SegmentLayout layout(List<Integer> lengths) {
        return SegmentLayout.of(lengths.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Gradient values of mixed scales (per segment 10^-3 .. 10^3), some exact zeros. */
    private static float[] gradient(SegmentLayout layout, long seed) {
        Random r = new Random(seed);
        float[] g = new float[layout.totalLength()];
        for (int s = 0; s < layout.count(); s++) {
            double scale = Math.pow(10, r.nextInt(7) - 3);
            for (int i = 0; i < layout.length(s); i++) {
                g[layout.offset(s) + i] = r.nextInt(5) == 0 ? 0f : (float) (scale * r.nextGaussian());
            }
        }
        return g;
    }

    /** The message is cut like {@code layout}, scalers finite and ≥ 0, every value in {−s, 0, +s} of its segment. */
    private static void assertValid(TernaryMessage m, SegmentLayout layout) {
        assertArrayEquals(layout.lengths(), m.segmentLengths());
        float[] dense = m.toDense();
        for (int s = 0; s < layout.count(); s++) {
            float sc = m.scaler(s);
            assertTrue(Float.isFinite(sc) && sc >= 0, "scaler " + sc);
            for (int i = layout.offset(s); i < layout.offset(s) + layout.length(s); i++) {
                assertTrue(dense[i] == 0f || dense[i] == sc || dense[i] == -sc, "value " + dense[i] + " scaler " + sc);
            }
        }
    }

    @Property(tries = 80)
    void encodeDecodeRoundTrip(@ForAll @Size(min = 1, max = 5) List<@IntRange(min = 1, max = 40) Integer> lengths,
                               @ForAll long seed) {
        SegmentLayout layout = layout(lengths);
        float[] g = gradient(layout, seed);
        float[] before = g.clone();
        TernaryMessage sent = new Ternarizer(seed).encode(g, layout);
        assertArrayEquals(before, g, "encode must not change its input");
        byte[] bytes = sent.toBytes();
        assertEquals(TernaryMessage.sizeInBytes(layout.count(), layout.totalLength()), bytes.length);
        TernaryMessage received = TernaryMessageDecoder.decode(ByteBuffer.wrap(bytes), layout);
        assertValid(received, layout);
        assertArrayEquals(sent.toDense(), received.toDense());
        assertArrayEquals(sent.scalers(), received.scalers());
        // decodeAndAdd adds exactly the dense vector
        float[] target = gradient(layout, seed + 1);
        float[] expected = target.clone();
        float[] dense = received.toDense();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += dense[i];
        }
        TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(bytes), target, layout);
        assertArrayEquals(expected, target);
        // signs never flip and the scaler is the segment's largest magnitude (no clipping at c = +Infinity)
        TernaryMessage unclipped = new Ternarizer(Double.POSITIVE_INFINITY, seed).encode(g, layout);
        float[] t = unclipped.toDense();
        for (int s = 0; s < layout.count(); s++) {
            float max = 0;
            for (int i = layout.offset(s); i < layout.offset(s) + layout.length(s); i++) {
                max = Math.max(max, Math.abs(g[i]));
                assertTrue(t[i] == 0 || Math.signum(t[i]) == Math.signum(g[i]), "sign flipped at " + i);
            }
            assertEquals(max, unclipped.scaler(s));
        }
    }

    /**
     * E[t] = g without clipping: the mean of n independent ternarizations is within 6·s/√n of g element-wise
     * (each draw lies in [−s, s], so its standard deviation is at most s; 6σ is exceeded with probability < 1e-8).
     */
    @Property(tries = 15)
    void meanOfManyTernarizationsApproachesTheGradient(
            @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 1, max = 12) Integer> lengths, @ForAll long seed) {
        SegmentLayout layout = layout(lengths);
        float[] g = gradient(layout, seed);
        int n = 2000;
        double[] sum = new double[g.length];
        Ternarizer ternarizer = new Ternarizer(Double.POSITIVE_INFINITY, seed);
        float[] scalers = null;
        for (int k = 0; k < n; k++) {
            float[] t = g.clone();
            scalers = ternarizer.ternarizeInPlace(t, layout);
            for (int i = 0; i < t.length; i++) {
                sum[i] += t[i];
            }
        }
        for (int s = 0; s < layout.count(); s++) {
            double bound = 6 * scalers[s] / Math.sqrt(n) + 1e-6 * scalers[s];
            for (int i = layout.offset(s); i < layout.offset(s) + layout.length(s); i++) {
                double mean = sum[i] / n;
                assertTrue(Math.abs(mean - g[i]) <= bound, "element " + i + ": mean " + mean + " vs " + g[i]
                        + " (bound " + bound + ")");
            }
        }
    }

    /** Arbitrary bytes: rejected, or a valid message of the receiver's layout. Never another exception. */
    @Property(tries = 300)
    void arbitraryBytesAreRejectedOrValid(@ForAll("messageLikeBytes") byte[] bytes) {
        SegmentLayout receiver = SegmentLayout.of(5, 3);
        try {
            assertValid(TernaryMessageDecoder.decode(ByteBuffer.wrap(bytes), receiver), receiver);
        } catch (MalformedTernaryMessageException expected) {
            // refused with a reason
            assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
        }
    }

    /**
     * Byte sequences near valid messages (so that most get past the magic): a valid message for a random layout with
     * random byte edits, truncation or extension; plus fully random bytes.
     */
    @Provide
    Arbitrary<byte[]> messageLikeBytes() {
        Arbitrary<byte[]> edited = Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            SegmentLayout layout = r.nextBoolean() ? SegmentLayout.of(5, 3)
                    : SegmentLayout.of(1 + r.nextInt(8), 1 + r.nextInt(8));
            byte[] b = new Ternarizer(seed).encode(gradient(layout, seed), layout).toBytes();
            switch (r.nextInt(4)) {
                case 0:
                    for (int k = 0, edits = 1 + r.nextInt(3); k < edits; k++) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                    return b;
                case 1:
                    return Arrays.copyOf(b, r.nextInt(b.length));
                case 2:
                    return Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
                default:
                    return b;
            }
        });
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, edited), net.jqwik.api.Tuple.of(1, random));
    }
}
