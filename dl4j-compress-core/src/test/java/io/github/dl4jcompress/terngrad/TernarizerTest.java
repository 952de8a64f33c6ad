package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TernarizerTest {

    /** Gaussian values plus a few large outliers so that clipping at 2.5σ really happens. */
    private static float[] gaussianWithOutliers(int n, long seed) {
        Random random = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (random.nextGaussian() * 0.01);
        }
        g[3] = 0.2f;
        g[17] = -0.15f;
        return g;
    }

    private static float clip(float v, double bound) {
        return (float) Math.copySign(Math.min(Math.abs(v), bound), v);
    }

    /**
     * E[t_i] = f(g_i): with K draws the sample mean has standard error sqrt(a(s−a)/K); every element must be
     * within 5 standard errors (plus float slack). 64 elements × P(|Z| > 5) ≈ 4e-5 false-alarm rate, and the
     * seed is fixed, so the test is deterministic.
     */
    @Test
    void meanOfManyTernarizationsApproachesClippedGradient() {
        float[] g = gaussianWithOutliers(64, 1);
        SegmentLayout layout = SegmentLayout.single(g.length);
        Ternarizer ternarizer = new Ternarizer(42);
        int draws = 20_000;
        double[] sum = new double[g.length];
        double[] sumSquaredError = new double[g.length];
        float[] clipped = null;
        float s = 0;
        for (int k = 0; k < draws; k++) {
            float[] t = g.clone();
            s = ternarizer.ternarizeInPlace(t, layout)[0];
            if (clipped == null) {
                double bound = ternarizer.lastStatistics().get(0).clipBound();
                clipped = new float[g.length];
                for (int i = 0; i < g.length; i++) {
                    clipped[i] = clip(g[i], bound);
                }
            }
            for (int i = 0; i < g.length; i++) {
                sum[i] += t[i];
                double e = t[i] - clipped[i];
                sumSquaredError[i] += e * e;
            }
        }
        assertTrue(ternarizer.lastStatistics().get(0).clippedCount() >= 2, "outliers must be clipped");
        for (int i = 0; i < g.length; i++) {
            double a = Math.abs(clipped[i]);
            double p = a / s;
            double mean = sum[i] / draws;
            double standardError = Math.sqrt(a * (s - a) / draws);
            assertEquals(clipped[i], mean, 5 * standardError + 1e-6 * s, "mean of element " + i);

            // Variance bound: X = (t − f)² is (s−a)² w.p. p and a² w.p. 1−p, E[X] = a(s−a).
            double expected = a * (s - a);
            double varianceOfX = p * Math.pow(s - a, 4) + (1 - p) * Math.pow(a, 4) - expected * expected;
            double observed = sumSquaredError[i] / draws;
            assertEquals(expected, observed, 5 * Math.sqrt(Math.max(varianceOfX, 0) / draws) + 1e-6 * s * s,
                    "E[(t-g)^2] of element " + i);
        }
    }

    @Test
    void clippingStatisticsMatchGaussianTail() {
        int n = 100_000;
        Random random = new Random(7);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian();
        }
        Ternarizer ternarizer = new Ternarizer(3);
        ternarizer.ternarizeInPlace(g.clone(), SegmentLayout.single(n));
        SegmentStatistics stats = ternarizer.lastStatistics().get(0);
        assertEquals(1.0, stats.sigma(), 0.01);
        assertEquals(2.5 * stats.sigma(), stats.clipBound(), 1e-12);
        // s = c·σ because max|g| of 1e5 Gaussians (≈4.4σ) exceeds the bound.
        assertEquals((float) stats.clipBound(), stats.scaler());
        // P(|Z| > 2.5) = 0.01242; binomial standard error over 1e5 draws is 0.00035 → allow 4 of them.
        assertEquals(0.01242, stats.clippedFraction(), 0.0014);
        // Density E[|f(g)|]/s for clipped standard normal at 2.5: 2(φ(0)−φ(2.5)) + 2·2.5·P(Z>2.5) over 2.5.
        double phi0 = 1 / Math.sqrt(2 * Math.PI);
        double phi25 = phi0 * Math.exp(-2.5 * 2.5 / 2);
        double expectedDensity = (2 * (phi0 - phi25) + 2 * 2.5 * 0.00621) / 2.5;
        assertEquals(expectedDensity, stats.density(), 0.01);
    }

    @Test
    void everySegmentGetsItsOwnScaler() {
        Random random = new Random(11);
        int[] lengths = {1000, 10, 1000};
        double[] magnitudes = {1e-3, 1.0, 100.0};
        float[] g = new float[2010];
        int offset = 0;
        for (int segment = 0; segment < lengths.length; segment++) {
            for (int i = 0; i < lengths[segment]; i++) {
                g[offset + i] = (float) (random.nextGaussian() * magnitudes[segment]);
            }
            offset += lengths[segment];
        }
        SegmentLayout layout = SegmentLayout.of(lengths);
        float[] t = g.clone();
        float[] scalers = new Ternarizer(5).ternarizeInPlace(t, layout);
        for (int segment = 0; segment < lengths.length; segment++) {
            int from = layout.offset(segment);
            float[] part = Arrays.copyOfRange(g, from, from + lengths[segment]);
            float[] alone = part.clone();
            float expectedScaler = new Ternarizer(99).ternarizeInPlace(alone, SegmentLayout.single(part.length))[0];
            assertEquals(expectedScaler, scalers[segment], "scaler of segment " + segment);
            // s = min(max|g|, 2.5σ): between ~0.3σ (max of 10 draws, very unlikely lower) and 2.5σ (+1% for σ̂ noise).
            double relative = scalers[segment] / magnitudes[segment];
            assertTrue(relative > 0.3 && relative < 2.5 * 1.1, "scaler/σ of segment " + segment + " = " + relative);
            for (int i = from; i < from + lengths[segment]; i++) {
                assertTrue(t[i] == 0f || Math.abs(t[i]) == scalers[segment], "value " + t[i] + " at " + i);
                assertTrue(t[i] == 0f || Math.signum(t[i]) == Math.signum(g[i]), "sign kept at " + i);
            }
        }
    }

    @Test
    void singleElementSegmentsAreExact() {
        float[] g = {0.5f, -3f, 0f, 1e-30f};
        float[] t = g.clone();
        float[] scalers = new Ternarizer(1).ternarizeInPlace(t, SegmentLayout.of(1, 1, 1, 1));
        assertArrayEquals(g, t);
        assertArrayEquals(new float[] {0.5f, 3f, 0f, 1e-30f}, scalers);
    }

    @Test
    void zeroSegmentHasZeroScaler() {
        float[] g = new float[9];
        TernaryMessage message = new Ternarizer(1).encode(g, SegmentLayout.single(9));
        assertEquals(0f, message.scaler(0));
        assertEquals(0, message.nonZeroCount());
        assertArrayEquals(g, message.toDense());
    }

    @Test
    void infiniteClipFactorDisablesClipping() {
        float[] g = gaussianWithOutliers(64, 2);
        Ternarizer ternarizer = new Ternarizer(Double.POSITIVE_INFINITY, 1);
        float s = ternarizer.ternarizeInPlace(g.clone(), SegmentLayout.single(64))[0];
        assertEquals(0.2f, s);
        assertEquals(0, ternarizer.lastStatistics().get(0).clippedCount());
    }

    @Test
    void sameSeedSameMessageDifferentSeedDifferentMessage() {
        float[] g = gaussianWithOutliers(1001, 3);
        SegmentLayout layout = SegmentLayout.of(500, 1, 500);
        byte[] a = new Ternarizer(17).encode(g, layout).toBytes();
        byte[] b = new Ternarizer(17).encode(g, layout).toBytes();
        byte[] c = new Ternarizer(18).encode(g, layout).toBytes();
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void nanAndInfinityAreRefusedNamingSegmentAndIndex() {
        SegmentLayout layout = SegmentLayout.of(new String[] {"0_W", "0_b", "1_W"}, new int[] {4, 2, 3});
        float[] g = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        g[7] = Float.NaN;
        float[] copy = g.clone();
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> new Ternarizer(1).ternarizeInPlace(copy, layout));
        assertEquals(2, e.segment());
        assertEquals("1_W", e.segmentName());
        assertEquals(1, e.indexInSegment());
        assertTrue(e.getMessage().contains("1_W") && e.getMessage().contains("index 1"), e.getMessage());
        assertArrayEquals(g, copy, "array untouched when refused");

        float[] inf = {1, 2, 3, 4, 5, Float.NEGATIVE_INFINITY, 7, 8, 9};
        e = assertThrows(NonFiniteGradientException.class, () -> new Ternarizer(1).encode(inf, layout));
        assertEquals(1, e.segment());
        assertEquals("0_b", e.segmentName());
        assertEquals(1, e.indexInSegment());
        assertEquals(Float.NEGATIVE_INFINITY, e.value());
    }

    @Test
    void arrayConversionHandlesDenseViewsAndOtherTypes() {
        INDArray dense = Nd4j.linspace(DataType.FLOAT, 1, 12, 1).reshape(1, 12);
        float[] expected = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        assertArrayEquals(expected, Ternarizer.toFloatArray(dense));
        assertArrayEquals(expected, Ternarizer.toFloatArray(dense.castTo(DataType.DOUBLE)));
        INDArray matrix = Nd4j.linspace(DataType.FLOAT, 1, 12, 1).reshape(3, 4);
        INDArray column = matrix.getColumn(1); // a strided view: 2, 6, 10
        assertArrayEquals(new float[] {2, 6, 10}, Ternarizer.toFloatArray(column));
        INDArray row = matrix.getRow(2); // a view with an offset: 9..12
        assertArrayEquals(new float[] {9, 10, 11, 12}, Ternarizer.toFloatArray(row));

        Ternarizer.copyInto(new float[] {-1, -2, -3}, column);
        assertArrayEquals(new float[] {1, -1, 3, 4, 5, -2, 7, 8, 9, -3, 11, 12}, matrix.data().asFloat());
        float[] values = new float[12];
        Arrays.fill(values, 7f);
        Ternarizer.copyInto(values, dense);
        assertArrayEquals(values, dense.toFloatVector());
        INDArray doubles = Nd4j.zeros(DataType.DOUBLE, 12);
        Ternarizer.copyInto(values, doubles);
        assertEquals(84.0, doubles.sumNumber().doubleValue(), 0);
    }

    @Test
    void encodingAnIndArrayEqualsEncodingItsValuesAndLeavesItUnchanged() {
        float[] g = gaussianWithOutliers(1001, 4);
        SegmentLayout layout = SegmentLayout.of(500, 1, 500);
        INDArray array = Nd4j.createFromArray(g).reshape(1, g.length);
        Ternarizer fromArray = new Ternarizer(31);
        Ternarizer fromValues = new Ternarizer(31);
        for (int call = 0; call < 3; call++) { // the second and third calls reuse the chunk buffer
            assertArrayEquals(fromValues.encode(g, layout).toBytes(), fromArray.encode(array, layout).toBytes());
        }
        assertArrayEquals(g, array.toFloatVector());
        float[] shorter = Arrays.copyOf(g, 1000);
        assertArrayEquals(fromValues.encode(shorter, SegmentLayout.single(1000)).toBytes(),
                fromArray.encode(Nd4j.createFromArray(shorter), SegmentLayout.single(1000)).toBytes());
    }

    /**
     * A dense ND4J vector is read in chunks of {@link Ternarizer#CHUNK}: segments that start unaligned and cross
     * chunk boundaries, a segment whose float-lane sums overflow (|g| = 1e30, the exact-moments fallback) and
     * {@code encodeToBytes} must all give exactly the bytes of encoding the values as a float[], on both kernels.
     */
    @Test
    void chunkedReadingAndDirectSerializationEqualEncodingTheValues() {
        int chunk = Ternarizer.CHUNK;
        SegmentLayout layout = SegmentLayout.of(3, 2 * chunk + 37, chunk, 5000);
        float[] g = gaussianWithOutliers(layout.totalLength(), 8);
        float[] huge = g.clone();
        huge[3 + 2 * chunk + 40] = 1e30f;
        for (TernaryKernel kernel : TernaryKernelTest.kernels()) {
            for (float[] values : new float[][] {g, huge}) {
                INDArray array = Nd4j.createFromArray(values);
                Ternarizer reference = new Ternarizer(2.5, 5, kernel);
                Ternarizer chunked = new Ternarizer(2.5, 5, kernel);
                Ternarizer direct = new Ternarizer(2.5, 5, kernel);
                Ternarizer directChunked = new Ternarizer(2.5, 5, kernel);
                for (int call = 0; call < 2; call++) {
                    byte[] expected = reference.encode(values, layout).toBytes();
                    assertArrayEquals(expected, chunked.encode(array, layout).toBytes(), kernel.name());
                    assertArrayEquals(expected, direct.encodeToBytes(values, layout), kernel.name());
                    assertArrayEquals(expected, directChunked.encodeToBytes(array, layout), kernel.name());
                    assertEquals(reference.lastStatistics().toString(), chunked.lastStatistics().toString());
                }
                assertArrayEquals(values, array.toFloatVector());
            }
            float[] withNaN = g.clone();
            withNaN[3 + chunk + 5] = Float.NaN;
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                    () -> new Ternarizer(2.5, 5, kernel).encodeToBytes(Nd4j.createFromArray(withNaN), layout));
            assertTrue(e.getMessage().contains(String.valueOf(chunk + 5)), e.getMessage());
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Ternarizer(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Ternarizer(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Ternarizer(1).encode(new float[3], SegmentLayout.of(2)));
        assertThrows(IllegalArgumentException.class, () -> SegmentLayout.of(2, 0));
    }
}
