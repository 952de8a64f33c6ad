package io.github.dl4jcompress.terngrad;

import java.util.concurrent.atomic.AtomicInteger;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simple (one global scaler) TernGrad inside DL4J's own gradient sharing: a {@link ThresholdAlgorithm} that
 * ternarizes the array it is handed <em>in place</em> — {@code t_i = s·sign(g_i)} w.p. {@code |f(g_i)|/s}
 * with {@code f} = clipping at {@code c·σ} and {@code s = max|f(g)|} over the whole vector — and returns
 * {@code s} as the threshold.
 *
 * <p>DL4J's encoders then mark every element with {@code |x| ≥ s} (exactly the ±s ones), subtract
 * {@code ±s} from it (leaving an exact 0), and decoders add {@code ±s} (the threshold is stored in the
 * message header as float bits). The message therefore carries exactly {−s, 0, +s}. Pair it with
 * {@link ZeroResidualPostProcessor}: TernGrad keeps no residual. When {@code s = 0} (all-zero vector) the
 * smallest normal float is returned so that nothing is encoded.
 *
 * <p>Use with {@code ParallelWrapper.Builder.trainingMode(SHARED_GRADIENTS).thresholdAlgorithm(..)
 * .residualPostProcessor(new ZeroResidualPostProcessor())}. DL4J clones the algorithm once per worker thread;
 * each clone draws from its own stream seeded with {@code seed ⊕ (worker·0x9E3779B97F4A7C15)}, worker
 * {@code 1 + trainer id} of the ParallelWrapper trainer thread it runs on (the clone index, in order of first use, on
 * other threads): the same seed gives the same streams whatever order the workers first arrive in. Note
 * that DL4J shares the post-updater update (use the {@code Sgd} updater for paper-faithful TernGrad) and sums,
 * not averages, the workers' messages. For one scaler per layer use {@link TernGradGradientsAccumulator}.
 *
 * <p>Known DL4J limitation inherited here: DL4J's {@code EncodingHandler} switches to sparse (threshold)
 * encoding after an update with fewer than ≈ length/32 non-zeros; if the next update is dense, its sparse
 * attempt has already consumed length/16 values when it falls back to a bitmap, and those values are dropped.
 * TernGrad updates are normally ≈ 30% non-zero, so this needs an almost-all-zero update first; the per-layer
 * accumulator has no such path.
 */
public final class TernGradThresholdAlgorithm implements ThresholdAlgorithm {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(TernGradThresholdAlgorithm.class);

    private final double clipFactor;
    private final long seed;
    private final int worker;
    private final AtomicInteger clonesMade;
    private transient volatile TernGradObserver observer;
    private transient Ternarizer ternarizer;
    private transient SegmentLayout layout;

    /** Clip factor 2.5, the given base seed. */
    public TernGradThresholdAlgorithm(long seed) {
        this(Ternarizer.DEFAULT_CLIP_FACTOR, seed);
    }

    /**
     * @param clipFactor {@code c} of the clip bound {@code c·σ}
     * @param seed       base seed; every clone (worker) derives its own stream from it
     */
    public TernGradThresholdAlgorithm(double clipFactor, long seed) {
        this(clipFactor, seed, 0, new AtomicInteger());
        new Ternarizer(clipFactor, seed); // validates the clip factor eagerly
    }

    private TernGradThresholdAlgorithm(double clipFactor, long seed, int worker, AtomicInteger clonesMade) {
        this.clipFactor = clipFactor;
        this.seed = seed;
        this.worker = worker;
        this.clonesMade = clonesMade;
    }

    /** The clip factor {@code c}. */
    public double clipFactor() {
        return clipFactor;
    }

    /**
     * Reports every ternarized vector of this instance and of all clones made from it afterwards to
     * {@code observer} (null: none); not serialized. Message size reported: DL4J's bitmap message,
     * {@code 4·(⌊N/16⌋ + 5)} bytes.
     *
     * @return this
     */
    public TernGradThresholdAlgorithm observer(TernGradObserver observer) {
        this.observer = observer;
        return this;
    }

    /** Size in bytes of DL4J's dense bitmap message for an {@code n}-element update: {@code 4·(⌊n/16⌋ + 5)}. */
    public static long bitmapMessageBytes(long n) {
        return 4L * (n / 16 + 5);
    }

    /** Index of this clone (0 for the instance created by the user). */
    public int worker() {
        return worker;
    }

    @Override
    public double calculateThreshold(int iteration, int epoch, Double lastThreshold, Boolean lastWasDense,
                                     Double lastSparsityRatio, INDArray updatesPlusResidual) {
        float[] values = Ternarizer.toFloatArray(updatesPlusResidual);
        if (layout == null || layout.totalLength() != values.length) {
            layout = SegmentLayout.single(values.length);
        }
        if (ternarizer == null) {
            int number = worker == 0 ? 0 : WorkerSeeds.workerNumber(Thread.currentThread().getName(), () -> worker);
            ternarizer = new Ternarizer(clipFactor, WorkerSeeds.forWorker(seed, number));
        }
        float s = ternarizer.ternarizeInPlace(values, layout)[0];
        Ternarizer.copyInto(values, updatesPlusResidual);
        if (log.isDebugEnabled()) {
            log.debug("TernGrad worker {} iteration {}: {}", worker, iteration, ternarizer.lastStatistics().get(0));
        }
        TernGradObserver o = observer;
        if (o != null) {
            o.ternarized(iteration, epoch, bitmapMessageBytes(values.length), ternarizer.lastStatistics());
        }
        return s > 0 ? s : Float.MIN_NORMAL;
    }

    @Override
    public ThresholdAlgorithmReducer newReducer() {
        return new TernGradThresholdReducer();
    }

    @Override
    public TernGradThresholdAlgorithm clone() {
        return new TernGradThresholdAlgorithm(clipFactor, seed, clonesMade.incrementAndGet(), clonesMade)
                .observer(observer);
    }

    @Override
    public String toString() {
        return "TernGradThresholdAlgorithm(c=" + clipFactor + ", seed=" + seed + ", worker=" + worker + ")";
    }
}
