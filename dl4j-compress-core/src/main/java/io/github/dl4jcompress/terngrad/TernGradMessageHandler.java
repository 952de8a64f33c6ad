package io.github.dl4jcompress.terngrad;

import java.util.concurrent.atomic.AtomicInteger;

import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.MessageHandler;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-layer TernGrad sender for {@link TernGradGradientsAccumulator}: ternarizes the worker's update with one
 * scaler per {@link SegmentLayout} segment, serializes it as a {@link TernaryMessage} (wrapped in an INT8
 * array so that DL4J's per-worker queues can carry it), hands it to the accumulator for delivery to every
 * worker, and zeroes the worker's residual (TernGrad keeps none). Each worker thread gets its own
 * {@link Ternarizer} seeded with {@code seed ⊕ (worker·0x9E3779B97F4A7C15)}, worker {@code 1 + trainer id} of
 * ParallelWrapper's trainer thread ({@link WorkerSeeds#workerNumber}), so the same seed gives the same streams
 * whatever order the threads first arrive in.
 */
final class TernGradMessageHandler implements MessageHandler {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(TernGradMessageHandler.class);

    private final SegmentLayout layout;
    private final double clipFactor;
    private final long seed;
    private final AtomicInteger workersSeen = new AtomicInteger();
    private transient ThreadLocal<Ternarizer> ternarizers;
    private transient GradientsAccumulator accumulator;
    private transient volatile TernGradObserver observer;

    TernGradMessageHandler(SegmentLayout layout, double clipFactor, long seed) {
        new Ternarizer(clipFactor, seed); // validates the clip factor eagerly
        this.layout = layout;
        this.clipFactor = clipFactor;
        this.seed = seed;
    }

    void observer(TernGradObserver observer) {
        this.observer = observer;
    }

    @Override
    public void initialize(GradientsAccumulator accumulator) {
        this.accumulator = accumulator;
    }

    @Override
    public boolean broadcastUpdates(INDArray updates, int iterationNumber, int epochNumber) {
        Ternarizer ternarizer = ternarizer();
        byte[] message = ternarizer.encodeToBytes(updates, layout);
        updates.assign(0);
        if (log.isDebugEnabled()) {
            log.debug("Iteration {}: sending {} bytes, statistics {}", iterationNumber, message.length,
                    ternarizer.lastStatistics());
        }
        TernGradObserver o = observer;
        if (o != null) {
            o.ternarized(iterationNumber, epochNumber, message.length, ternarizer.lastStatistics());
        }
        accumulator.receiveUpdate(Nd4j.createFromArray(message));
        return true;
    }

    private synchronized ThreadLocal<Ternarizer> ternarizers() {
        if (ternarizers == null) {
            ternarizers = ThreadLocal.withInitial(() -> new Ternarizer(clipFactor, WorkerSeeds.forWorker(seed,
                    WorkerSeeds.workerNumber(Thread.currentThread().getName(), workersSeen::incrementAndGet))));
        }
        return ternarizers;
    }

    private Ternarizer ternarizer() {
        return ternarizers().get();
    }
}
