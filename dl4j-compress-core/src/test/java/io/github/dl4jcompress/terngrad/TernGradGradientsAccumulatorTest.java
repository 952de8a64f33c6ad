package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.StepFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Per-layer mode without ParallelWrapper: one worker sends, receives and applies its own message. */
class TernGradGradientsAccumulatorTest {

    /** Records the update vector handed to the step function. */
    private static final class RecordingStep implements StepFunction {
        float[] lastUpdate;

        @Override
        public void step(INDArray x, INDArray line, double step) {
            lastUpdate = line.toFloatVector();
        }

        @Override
        public void step(INDArray x, INDArray line) {
            lastUpdate = line.toFloatVector();
        }

        @Override
        public void step() {
        }
    }

    @Test
    void perParameterLayoutTilesTheModel() {
        MultiLayerNetwork net = TinyClassificationProblem.network(0.1, 1);
        SegmentLayout layout = SegmentLayout.perParameter(net);
        assertEquals(4, layout.count());
        assertEquals("0_W", layout.name(0));
        assertEquals("0_b", layout.name(1));
        assertEquals("1_W", layout.name(2));
        assertEquals("1_b", layout.name(3));
        assertArrayEquals(new int[] {64, 16, 48, 3}, layout.lengths());
        assertEquals(net.numParams(), layout.totalLength());
    }

    @Test
    @Timeout(30)
    void appliedUpdateIsExactlyTheDecodedPerLayerMessage() {
        SegmentLayout layout = SegmentLayout.of(new String[] {"w", "b"}, new int[] {37, 5});
        TernGradGradientsAccumulator accumulator = new TernGradGradientsAccumulator(1, layout, 2.5, 11);
        accumulator.touch();
        accumulator.registerConsumers(1);

        Random random = new Random(2);
        float[] g = new float[42];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (random.nextGaussian() * (i < 37 ? 1e-3 : 1.0));
        }
        float[] expected = new Ternarizer(2.5, WorkerSeeds.forWorker(11, 1)).encode(g, layout).toDense();

        RecordingStep step = new RecordingStep();
        INDArray params = Nd4j.zeros(42);
        INDArray updates = Nd4j.createFromArray(g.clone());
        accumulator.storeUpdate(updates, 0, 0);
        accumulator.applyUpdate(step, params, updates, true);
        assertArrayEquals(expected, step.lastUpdate);

        float weightScale = 0;
        float biasScale = 0;
        for (int i = 0; i < 42; i++) {
            if (i < 37) {
                weightScale = Math.max(weightScale, Math.abs(expected[i]));
            } else {
                biasScale = Math.max(biasScale, Math.abs(expected[i]));
            }
        }
        // Two independent scalers, three orders of magnitude apart.
        assertEquals(1000, biasScale / weightScale, 900);
    }

    @Test
    @Timeout(30)
    void nonFiniteUpdateIsRefusedWithItsSegment() {
        SegmentLayout layout = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {3, 2});
        TernGradGradientsAccumulator accumulator = new TernGradGradientsAccumulator(1, layout, 2.5, 1);
        accumulator.touch();
        accumulator.registerConsumers(1);
        INDArray bad = Nd4j.createFromArray(new float[] {1, 2, 3, 4, Float.NaN});
        RuntimeException e = assertThrows(RuntimeException.class, () -> accumulator.storeUpdate(bad, 0, 0));
        Throwable cause = e;
        while (cause != null && !(cause instanceof NonFiniteGradientException)) {
            cause = cause.getCause();
        }
        NonFiniteGradientException nonFinite = (NonFiniteGradientException) cause;
        assertEquals("0_b", nonFinite.segmentName());
        assertEquals(1, nonFinite.indexInSegment());
    }
}
