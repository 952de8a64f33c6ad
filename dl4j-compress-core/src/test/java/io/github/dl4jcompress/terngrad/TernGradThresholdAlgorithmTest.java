package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.compression.ThresholdCompression;
import org.nd4j.linalg.factory.Nd4j;

/** Simple mode: the ternarized array survives DL4J's own bitmap and threshold encoders bit-exactly. */
class TernGradThresholdAlgorithmTest {

    private static INDArray gaussian(int n, double sparsity, long seed) {
        Random random = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = random.nextDouble() < sparsity ? 0f : (float) (random.nextGaussian() * 1e-3);
        }
        return Nd4j.createFromArray(g);
    }

    private static float[] ternarizedBy(TernGradThresholdAlgorithm algorithm, INDArray g, float[] thresholdOut) {
        INDArray copy = g.dup();
        thresholdOut[0] = (float) algorithm.calculateThreshold(0, 0, null, null, null, copy);
        return copy.toFloatVector();
    }

    @Test
    void bitmapEncodeDecodeReproducesTheTernarizedArrayExactly() {
        INDArray g = gaussian(1003, 0, 1);
        INDArray work = g.dup();
        double s = new TernGradThresholdAlgorithm(1).calculateThreshold(0, 0, null, null, null, work);
        float[] ternarized = work.toFloatVector();
        for (float v : ternarized) {
            assertTrue(v == 0f || Math.abs(v) == (float) s, "value " + v);
        }

        INDArray encoded = Nd4j.getExecutioner().bitmapEncode(work, s);
        assertEquals(ThresholdCompression.BITMAP_ENCODING, encoded.getInt(3));
        assertEquals(Float.floatToIntBits((float) s), encoded.getInt(2), "header[2] = float bits of s");
        assertArrayEquals(new float[1003], work.toFloatVector(), "encoder leaves an exact zero residual");

        INDArray decoded = Nd4j.create(DataType.FLOAT, 1003);
        Nd4j.getExecutioner().bitmapDecode(encoded, decoded);
        assertArrayEquals(ternarized, decoded.toFloatVector());
    }

    @Test
    void sparseThresholdEncodeDecodeReproducesTheTernarizedArrayExactly() {
        INDArray g = gaussian(4000, 0.99, 2);
        INDArray work = g.dup();
        double s = new TernGradThresholdAlgorithm(2).calculateThreshold(0, 0, null, null, null, work);
        float[] ternarized = work.toFloatVector();

        INDArray encoded = Nd4j.getExecutioner().thresholdEncode(work, s);
        assertNotNull(encoded);
        assertEquals(ThresholdCompression.FLEXIBLE_ENCODING, encoded.getInt(3));
        assertArrayEquals(new float[4000], work.toFloatVector());

        INDArray decoded = Nd4j.create(DataType.FLOAT, 4000);
        Nd4j.getExecutioner().thresholdDecode(encoded, decoded);
        assertArrayEquals(ternarized, decoded.toFloatVector());
    }

    @Test
    void dl4jEncodingHandlerCarriesExactlyTheTernarizedUpdate() {
        INDArray g = gaussian(777, 0, 3);
        // The handler clones the algorithm once for the calling thread: that clone is worker 1.
        EncodingHandler handler = new EncodingHandler(new TernGradThresholdAlgorithm(2.5, 9),
                new ZeroResidualPostProcessor(), Integer.MAX_VALUE, false);
        float[] threshold = new float[1];
        float[] expected = ternarizedBy(new TernGradThresholdAlgorithm(2.5, 9).clone(), g, threshold);

        INDArray residual = g.dup();
        INDArray message = handler.encodeUpdates(0, 0, residual);
        assertEquals(Float.floatToIntBits(threshold[0]), message.getInt(2));
        assertArrayEquals(new float[777], residual.toFloatVector(), "no residual survives");

        INDArray decoded = Nd4j.create(DataType.FLOAT, 777);
        Nd4j.getExecutioner().bitmapDecode(message, decoded);
        assertArrayEquals(expected, decoded.toFloatVector());
    }

    @Test
    void allZeroUpdateProducesNothingToAdd() {
        INDArray zeros = Nd4j.create(DataType.FLOAT, 100);
        double s = new TernGradThresholdAlgorithm(1).calculateThreshold(0, 0, null, null, null, zeros);
        assertEquals(Float.MIN_NORMAL, (float) s);
        assertNull(Nd4j.getExecutioner().thresholdEncode(zeros, s), "sparse encoder has nothing to send");
        INDArray bitmap = Nd4j.getExecutioner().bitmapEncode(zeros, s);
        INDArray decoded = Nd4j.create(DataType.FLOAT, 100);
        Nd4j.getExecutioner().bitmapDecode(bitmap, decoded);
        assertArrayEquals(new float[100], decoded.toFloatVector());
    }

    @Test
    void clonesUseDistinctStreams() {
        TernGradThresholdAlgorithm original = new TernGradThresholdAlgorithm(5);
        TernGradThresholdAlgorithm first = original.clone();
        TernGradThresholdAlgorithm second = original.clone();
        assertEquals(1, first.worker());
        assertEquals(2, second.worker());
        INDArray g = gaussian(500, 0, 4);
        float[] t = new float[1];
        float[] a = ternarizedBy(first, g, t);
        float[] b = ternarizedBy(second, g, t);
        assertTrue(!java.util.Arrays.equals(a, b), "independent workers draw different codes");
        var reducer = original.newReducer();
        reducer.add(first);
        reducer.add(second);
        assertEquals(first, reducer.getFinalResult());
    }

    @Test
    void zeroResidualPostProcessorClearsTheResidual() {
        INDArray residual = gaussian(50, 0, 5);
        new ZeroResidualPostProcessor().processResidual(0, 0, 1.0, residual);
        assertArrayEquals(new float[50], residual.toFloatVector());
    }

    /**
     * Documents a DL4J M2.1 behaviour that simple mode inherits: after a very sparse update the handler
     * switches to threshold (sparse) encoding; if the next update is dense, thresholdEncode has already
     * consumed length/16 values (subtracting them from the residual) when the handler falls back to a bitmap of
     * what is left, and the sparse message is dropped. Those values are lost. Per-layer mode is not affected.
     */
    @Test
    void dl4jSparseToDenseSwitchDropsTheValuesAlreadyThresholdEncoded() {
        int n = 1600;
        INDArray sparse = gaussian(n, 0.995, 6);
        INDArray dense = gaussian(n, 0, 7);
        // Replay the handler's clone (worker 1) on copies to know the ternarized dense update.
        TernGradThresholdAlgorithm replay = new TernGradThresholdAlgorithm(2.5, 9).clone();
        float[] unused = new float[1];
        ternarizedBy(replay, sparse, unused);
        float[] expected = ternarizedBy(replay, dense, unused);

        EncodingHandler handler = new EncodingHandler(new TernGradThresholdAlgorithm(2.5, 9),
                new ZeroResidualPostProcessor(), Integer.MAX_VALUE, false);
        handler.encodeUpdates(0, 0, sparse.dup()); // < (n/16+5)/2 non-zeros: handler switches to sparse encoding
        INDArray message = handler.encodeUpdates(1, 0, dense.dup());
        assertEquals(ThresholdCompression.BITMAP_ENCODING, message.getInt(3), "fell back to a bitmap");
        INDArray decoded = Nd4j.create(DataType.FLOAT, n);
        Nd4j.getExecutioner().bitmapDecode(message, decoded);

        float[] sent = decoded.toFloatVector();
        int expectedNonZero = 0;
        int sentNonZero = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(sent[i] == 0f || sent[i] == expected[i], "sent values are a subset of the ternarized ones");
            expectedNonZero += expected[i] != 0 ? 1 : 0;
            sentNonZero += sent[i] != 0 ? 1 : 0;
        }
        assertTrue(expectedNonZero > n / 16);
        assertEquals(expectedNonZero - n / 16, sentNonZero, "exactly length/16 values were lost");
    }

    @Test
    void nonFiniteUpdateIsRefusedAndLeftUntouched() {
        INDArray update = Nd4j.createFromArray(new float[] {1e-3f, Float.POSITIVE_INFINITY, -2e-3f});
        NonFiniteGradientException e = org.junit.jupiter.api.Assertions.assertThrows(NonFiniteGradientException.class,
                () -> new TernGradThresholdAlgorithm(1).calculateThreshold(0, 0, null, null, null, update));
        assertEquals("all", e.segmentName());
        assertEquals(1, e.indexInSegment());
        assertArrayEquals(new float[] {1e-3f, Float.POSITIVE_INFINITY, -2e-3f}, update.toFloatVector());
    }
}
