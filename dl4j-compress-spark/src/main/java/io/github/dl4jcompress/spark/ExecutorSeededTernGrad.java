package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.terngrad.TernGradThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global-scaler TernGrad for {@code SharedTrainingMaster}: {@link TernGradThresholdAlgorithm} (in-place
 * {@code t_i = s·sign(g_i)} w.p. {@code |f(g_i)|/s}, returned threshold {@code s}), with a random stream per
 * executor JVM.
 *
 * <p>Spark broadcasts one copy of the threshold algorithm to every executor; the core algorithm derives its clone
 * streams from a counter that would then start at the same value in every JVM, so all executors would draw the same
 * Bernoulli sequence (unbiased, but correlated across workers). This wrapper creates its delegate lazily on the
 * executor with seed {@code seed + φ·(1 + hash(executorId))}, {@code φ = 0x9E3779B97F4A7C15}. Its reducer
 * ({@link Reducer}) accepts only this class; DL4J's reducers reject unknown classes.
 */
public final class ExecutorSeededTernGrad implements ThresholdAlgorithm {

    private static final long serialVersionUID = 1L;
    private static final long PHI = 0x9E3779B97F4A7C15L;

    private final double clipFactor;
    private final long seed;
    private transient TernGradThresholdAlgorithm delegate;

    /**
     * @param clipFactor clip bound factor {@code c} ({@code f} clips at {@code c·σ})
     * @param seed       base seed
     */
    public ExecutorSeededTernGrad(double clipFactor, long seed) {
        new TernGradThresholdAlgorithm(clipFactor, seed); // validates clipFactor now, on the driver
        this.clipFactor = clipFactor;
        this.seed = seed;
    }

    public double getClipFactor() {
        return clipFactor;
    }

    public long getSeed() {
        return seed;
    }

    /** The seed used in an executor with the given id. */
    public static long executorSeed(long seed, String executorId) {
        return seed + PHI * (1L + (executorId == null ? 0 : executorId.hashCode()));
    }

    private TernGradThresholdAlgorithm delegate() {
        if (delegate == null) {
            delegate = new TernGradThresholdAlgorithm(clipFactor, executorSeed(seed, SparkUtils.getSparkExecutorId()));
        }
        return delegate;
    }

    @Override
    public double calculateThreshold(int iteration, int epoch, Double lastThreshold, Boolean lastWasDense,
                                     Double lastSparsityRatio, INDArray updatesPlusResidual) {
        return delegate().calculateThreshold(iteration, epoch, lastThreshold, lastWasDense, lastSparsityRatio,
                updatesPlusResidual);
    }

    @Override
    public ThresholdAlgorithmReducer newReducer() {
        return new Reducer();
    }

    @Override
    public ExecutorSeededTernGrad clone() {
        ExecutorSeededTernGrad c = new ExecutorSeededTernGrad(clipFactor, seed);
        c.delegate = delegate().clone();
        return c;
    }

    @Override
    public String toString() {
        return "ExecutorSeededTernGrad(c=" + clipFactor + ", seed=" + seed + ")";
    }

    /**
     * Reduces the per-worker instances returned to the driver. The algorithm has no learned state (the threshold
     * is recomputed from every vector), so the result is a fresh instance with the common parameters; instances
     * with different parameters or of another class are rejected with a message naming them.
     */
    public static final class Reducer implements ThresholdAlgorithmReducer {

        private static final long serialVersionUID = 1L;

        private ExecutorSeededTernGrad first;

        @Override
        public void add(ThresholdAlgorithm instance) {
            if (instance == null) {
                return;
            }
            if (!(instance instanceof ExecutorSeededTernGrad t)) {
                throw new IllegalArgumentException("ExecutorSeededTernGrad.Reducer cannot reduce "
                        + instance.getClass().getName() + " (" + instance + ")");
            }
            if (first == null) {
                first = new ExecutorSeededTernGrad(t.clipFactor, t.seed);
            } else if (first.clipFactor != t.clipFactor || first.seed != t.seed) {
                throw new IllegalArgumentException("ExecutorSeededTernGrad.Reducer: workers disagree: " + first + " vs " + t);
            }
        }

        @Override
        public ThresholdAlgorithmReducer merge(ThresholdAlgorithmReducer other) {
            if (other != null) {
                add(other.getFinalResult());
            }
            return this;
        }

        @Override
        public ThresholdAlgorithm getFinalResult() {
            return first;
        }
    }
}
