package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Removes all-zero structured groups (filters / units and the input channels, batch-norm entries and
 * updater state that depend on them) from a trained network and returns a new, smaller network of the
 * same kind plus a {@link PruneReport}. The original network is never modified.
 *
 * <p>A group counts as zero when its L2 norm is {@code <= threshold}; with threshold 0 only exact zeros
 * are removed and the pruned network computes the same outputs (constant channels of zero-weight,
 * non-zero-bias filters are folded into the consumers' biases). Usage:
 * <pre>{@code
 * PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().threshold(0.0).build().prune(net);
 * }</pre>
 */
public final class StructuredPruner {

    private static final Logger log = LoggerFactory.getLogger(StructuredPruner.class);

    private final double threshold;
    private final INDArray[] verificationInputs;
    private final double verificationTolerance;

    private StructuredPruner(Builder b) {
        this.threshold = b.threshold;
        this.verificationInputs = b.verificationInputs;
        this.verificationTolerance = b.verificationTolerance;
    }

    public static Builder builder() {
        return new Builder();
    }

    public double threshold() {
        return threshold;
    }

    public PruneResult<MultiLayerNetwork> prune(MultiLayerNetwork network) {
        return run(new MultiLayerAdapter(), network);
    }

    public PruneResult<ComputationGraph> prune(ComputationGraph network) {
        return run(new GraphAdapter(), network);
    }

    private <N extends Model> PruneResult<N> run(NetworkAdapter<N> adapter, N original) {
        if (original == null) {
            throw new IllegalArgumentException("network must not be null");
        }
        if (!adapter.initialised(original)) {
            throw new IllegalStateException("network is not initialised: call init() before pruning");
        }
        N pruned;
        PrunePlan plan;
        try {
            Map<String, Map<String, DenseTensor>> params = ParamTransfer.snapshot(adapter.trainables(original));
            PruneGraph graph = adapter.graph(original);
            ChannelAnalysis first = new ChannelAnalysis(graph, params, threshold);
            plan = first.run();
            DepthPlan depth = ZeroBranchFinder.find(graph, first);
            if (!depth.isEmpty()) {
                // channels are decided again without the cut branches: their reads no longer pin anything
                plan = new ChannelAnalysis(depth.apply(graph), params, threshold).run();
                plan.depth = depth;
            }
            plan.notes.addAll(0, depth.notes);
            pruned = adapter.rebuild(original, plan);
            ParamTransfer.copyParams(plan, params, adapter.trainables(pruned));
            ParamTransfer.copyUpdaterState(adapter, original, pruned, plan);
        } catch (PruningException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PruningException("Pruning failed, original network left unchanged: " + e.getMessage(), e);
        }
        if (verificationInputs != null) {
            verify(adapter, original, pruned);
        }
        PruneReport report = PruneReport.from(plan, threshold, original.numParams(), pruned.numParams());
        log.info("{}", report);
        return new PruneResult<>(pruned, report);
    }

    private <N extends Model> void verify(NetworkAdapter<N> adapter, N original, N pruned) {
        INDArray[] expected = adapter.output(original, verificationInputs);
        INDArray[] actual = adapter.output(pruned, verificationInputs);
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1.0, expected[i].amaxNumber().doubleValue());
            double diff = expected[i].sub(actual[i]).amaxNumber().doubleValue() / scale;
            if (!(diff <= verificationTolerance)) {
                throw new PruningException(String.format(
                        "Pruned network output %d differs from the original by %.3g (relative), tolerance %.3g",
                        i, diff, verificationTolerance));
            }
        }
    }

    /** Configures a {@link StructuredPruner}. */
    public static final class Builder {

        private double threshold = 0.0;
        private INDArray[] verificationInputs;
        private double verificationTolerance;

        private Builder() {
        }

        /** Group L2 norm at or below which a group counts as zero; must be finite and >= 0. */
        public Builder threshold(double threshold) {
            if (Double.isNaN(threshold) || threshold < 0 || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("threshold must be a finite value >= 0, got " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /**
         * After pruning, compare outputs of original and pruned network on {@code inputs} and fail with
         * {@link PruningException} if the max abs difference (relative to max(1, max |output|)) exceeds
         * {@code tolerance}. One array per network input.
         */
        public Builder verifyOn(double tolerance, INDArray... inputs) {
            if (Double.isNaN(tolerance) || tolerance < 0) {
                throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
            }
            if (inputs == null || inputs.length == 0) {
                throw new IllegalArgumentException("at least one verification input is required");
            }
            this.verificationTolerance = tolerance;
            this.verificationInputs = inputs.clone();
            return this;
        }

        public StructuredPruner build() {
            return new StructuredPruner(this);
        }
    }
}
