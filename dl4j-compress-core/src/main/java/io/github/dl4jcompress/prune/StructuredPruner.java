package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    private final LoweringMode lowering;
    private final INDArray[] timingInputs;
    private final boolean trial;

    private StructuredPruner(Builder b) {
        this.lowering = b.lowering;
        this.trial = b.trial;
        this.timingInputs = b.timingInputs != null ? b.timingInputs : b.verificationInputs;
        if ((lowering == LoweringMode.IF_FASTER || lowering == LoweringMode.SHAPES_IF_FASTER) && timingInputs == null) {
            throw new IllegalStateException("lowering mode " + lowering + " needs timing inputs: pass them to "
                    + "lowerConvolutions(mode, inputs...) or verifyOn(...)");
        }
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

    /** Prunes a MultiLayerNetwork or a ComputationGraph given as a {@link Model}; the result is of the same kind. */
    public <N extends Model> PruneResult<N> prune(N network) {
        if (network == null) {
            throw new IllegalArgumentException("network must not be null");
        }
        return run(NetworkAdapter.of(network), network);
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
            }
            plan = plan.withDepth(depth); // its notes (also on kept branches) come first
            pruned = adapter.rebuild(original, plan);
            ParamTransfer.copyParams(plan, params, adapter.trainables(pruned));
            ParamTransfer.copyUpdaterState(adapter, original, pruned, plan);
        } catch (PruningException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PruningException("Pruning failed, original network left unchanged: " + e.getMessage(), e);
        }
        List<LoweringDecision> decisions = new ArrayList<>();
        if (lowering != LoweringMode.NEVER) {
            try {
                pruned = lower(pruned, decisions);
            } catch (RuntimeException e) {
                throw new PruningException("Lowering failed, original network left unchanged: " + e.getMessage(), e);
            }
        }
        if (verificationInputs != null) {
            verify(adapter, original, pruned);
        }
        PruneReport report = PruneReport.from(plan, threshold, original.numParams(), pruned.numParams());
        report.setLowering(decisions);
        if (trial) {
            report.summaryLines().forEach(line -> log.debug("{}", line));
        } else {
            report.summaryLines().forEach(line -> log.info("{}", line));   // counts: one line per layer
        }
        log.debug("{}", report);                                        // with the removed indices
        return new PruneResult<>(pruned, report);
    }

    /** Swaps the candidate convolutions of {@code pruned} for lowered ones according to the lowering mode. */
    private <N extends Model> N lower(N pruned, List<LoweringDecision> decisions) {
        Map<String, int[]> candidates = new LinkedHashMap<>();
        Map<String, Integer> totals = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (String id : NetworkAdapter.of(pruned).ids(pruned)) {
            org.deeplearning4j.nn.conf.layers.Layer conf = ConvolutionLowering.layerConf(pruned, id);
            if (conf == null || ConvolutionLowering.whyNotLowerable(conf) != null) {
                continue;
            }
            INDArray w = ConvolutionLowering.runtimeLayer(pruned, id).getParam("W");
            if (w.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) {
                continue;
            }
            int[] kept = ConvolutionLowering.keptPositions(w, threshold);
            int total = (int) (w.length() / w.size(0));
            if (lowering == LoweringMode.SHAPES_IF_FASTER && kept.length == total) {
                continue;
            }
            candidates.put(id, kept);
            totals.put(id, total);
            names.put(id, conf.getLayerName());
        }
        if (candidates.isEmpty()) {
            return pruned;
        }
        N all = ConvolutionLowering.lowerById(pruned, candidates);
        if (lowering == LoweringMode.ALWAYS) {
            candidates.forEach((id, kept) -> decisions.add(new LoweringDecision(names.get(id), kept.length, totals.get(id),
                    Double.NaN, Double.NaN, true)));
            return all;
        }
        Map<String, int[]> chosen = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : candidates.entrySet()) {
            String id = e.getKey();
            INDArray in = ConvolutionLowering.layerInput(pruned, id, timingInputs);
            double[] t = ConvolutionLowering.timePair(ConvolutionLowering.runtimeLayer(pruned, id),
                    ConvolutionLowering.runtimeLayer(all, id), in, 7, 0.05);
            boolean faster = t[1] < t[0];
            if (faster) {
                chosen.put(id, e.getValue());
            }
            decisions.add(new LoweringDecision(names.get(id), e.getValue().length, totals.get(id), t[0], t[1], faster));
        }
        if (chosen.isEmpty()) {
            return pruned;
        }
        return chosen.size() == candidates.size() ? all : ConvolutionLowering.lowerById(pruned, chosen);
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
        private LoweringMode lowering = LoweringMode.NEVER;
        private INDArray[] timingInputs;
        private boolean trial;

        private Builder() {
        }

        /**
         * Marks the pruner's results as trials: prunes made only to measure what a prune would remove (a budget
         * controller's cost probe, a zeroing search), not to hand a network to the user. A trial logs its per-layer
         * summary at DEBUG instead of INFO, so a training run that probes hundreds of times stays one line per layer
         * per real prune.
         */
        public Builder trial() {
            this.trial = true;
            return this;
        }

        /**
         * After pruning, replace convolutions by {@link io.github.dl4jcompress.layers.LoweredConvolution}s (im2col +
         * GEMM over the kept kernel positions) according to {@code mode}. The *_IF_FASTER modes time DL4J's layer and
         * the lowered one on the layer's real input for {@code timingInputs} (network inputs; the verification inputs
         * if none given) and keep the faster; both times are in {@link PruneReport#lowering()}.
         */
        public Builder lowerConvolutions(LoweringMode mode, INDArray... timingInputs) {
            if (mode == null) {
                throw new IllegalArgumentException("lowering mode must not be null");
            }
            this.lowering = mode;
            this.timingInputs = timingInputs == null || timingInputs.length == 0 ? null : timingInputs.clone();
            return this;
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
