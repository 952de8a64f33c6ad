package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 16: the same seed gives the same TernGrad training whatever order ParallelWrapper's worker threads first
 * arrive in. Each worker's random stream is keyed by its trainer id (which decides its mini-batches), not by arrival
 * order, and received messages are summed in a fixed order.
 */
class TernGradWorkerDeterminismTest {

    private static final SegmentLayout LAYOUT = SegmentLayout.of(5000, 5000, 5000, 5000);

    /**
     * Two trainer threads send the same gradient, first 0 then 1, and then (fresh handler, same seed) first 1 then
     * 0: each trainer's message statistics (non-zero counts per segment) must not depend on the order, and the two
     * trainers must draw different streams. Before the fix, whoever came first was worker 1.
     */
    @Test
    void aTrainersStreamDependsOnItsIdNotOnArrivalOrder() throws Exception {
        String zero = "ParallelWrapper training thread 0";
        String one = "ParallelWrapper training thread 1";
        Map<String, List<SegmentStatistics>> zeroFirst = sendInOrder(zero, one);
        Map<String, List<SegmentStatistics>> oneFirst = sendInOrder(one, zero);
        assertEquals(zeroFirst, oneFirst);
        assertNotEquals(zeroFirst.get(zero), zeroFirst.get(one), "two trainers must not share a random stream");
    }

    @Test
    void trainerThreadNamesGiveWorkerNumbersOtherThreadsTheFallback() {
        assertEquals(1, WorkerSeeds.workerNumber("DefaultTrainer thread 0", () -> 99));
        assertEquals(13, WorkerSeeds.workerNumber("SymmetricTrainer thread 12", () -> 99));
        assertEquals(3, WorkerSeeds.workerNumber("ParallelWrapper training thread 2", () -> 99));
        assertEquals(99, WorkerSeeds.workerNumber("main", () -> 99));
        assertEquals(99, WorkerSeeds.workerNumber("DefaultTrainer thread x", () -> 99));
    }

    private static Map<String, List<SegmentStatistics>> sendInOrder(String... threadNames) throws Exception {
        float[] gradient = new float[LAYOUT.totalLength()];
        Random random = new Random(3);
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] = (float) random.nextGaussian();
        }
        TernGradMessageHandler handler = new TernGradMessageHandler(LAYOUT, 2.5, 42);
        handler.initialize(new TernGradGradientsAccumulator(threadNames.length, LAYOUT, 2.5, 42));
        Map<String, List<SegmentStatistics>> sent = new ConcurrentHashMap<>();
        handler.observer((iteration, epoch, bytes, statistics) -> sent.put(Thread.currentThread().getName(),
                statistics));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (String name : threadNames) {
            Thread worker = new Thread(() -> {
                try {
                    handler.broadcastUpdates(Nd4j.createFromArray(gradient), 0, 0);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, name);
            worker.start();
            worker.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("worker failed", failure.get());
        }
        assertEquals(threadNames.length, sent.size());
        return sent;
    }

    /**
     * End to end: three ParallelWrapper workers, per-layer TernGrad, the same seed twice: identical parameters
     * (exact). Fails intermittently before the fix (arrival order decided the streams and the summation order).
     */
    @Test
    @Timeout(120)
    void parallelWrapperTrainingRepeatsExactlyForTheSameSeed() {
        DataSet data = TinyClassificationProblem.data(360, 1);
        INDArray first = train(data);
        INDArray second = train(data);
        assertTrue(first.length() > 0);
        assertArrayEquals(first.toFloatVector(), second.toFloatVector(), 0f, "parameters after two identical runs");
    }

    private static INDArray train(DataSet data) {
        MultiLayerNetwork net = TinyClassificationProblem.network(0.05, 2);
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net)
                .workers(3)
                .prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                .gradientsAccumulator(TernGradGradientsAccumulator.forModel(net, 3, 7))
                .build();
        wrapper.fit(TinyClassificationProblem.epochs(data, 4, 30));
        return net.params().dup();
    }
}
