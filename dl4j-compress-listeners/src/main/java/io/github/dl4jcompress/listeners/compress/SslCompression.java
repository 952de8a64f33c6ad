package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.cost.LayerCost;
import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.listeners.MacBudgetController;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.prune.AnyConfiguration;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.BinaryPush;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.ResidualBranches;
import io.github.dl4jcompress.regularization.NamedLayer;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structured Sparsity Learning as one call: compresses a trained MultiLayerNetwork or ComputationGraph to a budget
 * (a MAC fraction, a parameter fraction, or a measured latency) within a maximum accuracy drop, and returns a new
 * network; the input network is never modified.
 *
 * <pre>{@code
 * CompressionResult<MultiLayerNetwork> r = SslCompression.builder()
 *         .budget(CompressionBudget.macFraction(0.15)).maxAccuracyDrop(0.005)
 *         .inputTypes(InputType.convolutionalFlat(28, 28, 1)).build()
 *         .compress(net, train, validation);
 * }</pre>
 *
 * Phases, each logged with progress and ETA, each checkpointed ({@link Builder#checkpointDir}; a killed run resumes
 * where it stopped with {@link Builder#resume}):
 * <ol>
 *   <li><b>baseline</b>: the input network evaluated on validation data (split off the training data when none
 *       given);</li>
 *   <li><b>control</b>: a copy trained plainly for as many epochs as the compressed network trains (Group Lasso +
 *       fine-tuning) from the same weights — accuracy loss is measured against the better of baseline and control;</li>
 *   <li><b>sparsify</b>: Group Lasso on every eligible group ({@link StructuredSparsity}: FILTER, CHANNEL, SHAPE as
 *       chosen), strengths normalised by group size (λ·sqrt(|g|)), one λ steered by the {@link MacBudgetController}
 *       with budgeted zeroing to the MAC target; the filters of layers followed by batch norm and the residual
 *       branches (DEPTH) are grouped by their batch norms' (γ, β) instead ({@link NormGroupLasso}: W is scale-free
 *       under batch norm), with the same λ and the same rationed zeroing;</li>
 *   <li><b>prune</b>: the zeroed groups removed by {@link StructuredPruner}, verified (pruned == masked on validation
 *       inputs); the budget measured; if it is not met (parameters, latency), another sparsify round with a MAC
 *       target scaled by target / measured ({@link Builder#maxRounds});</li>
 *   <li><b>finetune</b>: the pruned network trained with the regularizers removed and remaining zero weights kept;</li>
 *   <li><b>stop rule</b>: if the validation accuracy is more than {@code maxDrop} below the better of baseline and
 *       control, back off to earlier sparsify checkpoints (epoch ends, more MACs), prune and fine-tune each, and keep
 *       the first that satisfies it; if none does, return the better dense network — and say so in the report;</li>
 *   <li><b>lower</b> (optional): convolutions swapped for lowered GEMM ones where that is measured faster;</li>
 *   <li><b>final</b>: accuracy, cost, latency and speedup (dense vs result, same run).</li>
 * </ol>
 * The data is read into memory once (mini-batches as given); each epoch shuffles the batch order with a seed derived
 * from the procedure's seed, the phase and the epoch, so a resumed run trains exactly as an uninterrupted one.
 */
public final class SslCompression {

    private static final Logger log = LoggerFactory.getLogger(SslCompression.class);

    /** Measured blocks per side of the interleaved overhead measurement (after one warm-up block each). */
    private static final int OVERHEAD_BLOCKS = 4;

    /** Layer scale of the strength carrier ({@code attachStrengthCarrier}): steered like every strength, shrinks nothing. */
    static final double CARRIER_SCALE = 1e-6;

    private final Builder b;

    private SslCompression(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Compresses a trained MultiLayerNetwork or ComputationGraph ({@code net} is never modified); {@code validation} may
     * be null (then split off {@code train}).
     */
    public <N extends Model> CompressionResult<N> compress(N net, DataSetIterator train, DataSetIterator validation) {
        return compress(net, train, validation, null);
    }

    /** As {@link #compress(Model, DataSetIterator, DataSetIterator)}; {@code test} (optional) is only reported. */
    public <N extends Model> CompressionResult<N> compress(N net, DataSetIterator train, DataSetIterator validation, DataSetIterator test) {
        return run(initialised(net), Batches.read(train, "training"), validation == null ? null : Batches.read(validation, "validation"),
                test == null ? null : Batches.read(test, "test"));
    }

    /** As {@link #compress(Model, DataSetIterator, DataSetIterator)}, with multi-data sets (a MultiLayerNetwork: one input and one output). */
    public <N extends Model> CompressionResult<N> compress(N net, MultiDataSetIterator train, MultiDataSetIterator validation) {
        return compress(net, train, validation, null);
    }

    public <N extends Model> CompressionResult<N> compress(N net, MultiDataSetIterator train, MultiDataSetIterator validation,
                                                           MultiDataSetIterator test) {
        return run(initialised(net), Batches.read(train, "training"), validation == null ? null : Batches.read(validation, "validation"),
                test == null ? null : Batches.read(test, "test"));
    }

    private static AnyNetwork initialised(Model net) {
        if (net == null) {
            throw new IllegalArgumentException("SslCompression: the network is null");
        }
        AnyNetwork any;
        try {
            any = AnyNetwork.of(net);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SslCompression: " + e.getMessage(), e);
        }
        if (!any.isInitialised() || net.params() == null || net.numParams() == 0) {
            throw new IllegalArgumentException("SslCompression: the network is not initialised (call init()) or has no parameters");
        }
        return any;
    }

    /**
     * When every weight layer is batch-norm-coupled (its groups live in the norms, e.g. a ResNet), the controller
     * still needs a Group Lasso strength to steer ({@link NormGroupLasso} reads its scale): the output layer's input
     * channels carry one, at a negligible layer scale ({@link #CARRIER_SCALE}), so that it never shrinks them. At
     * full scale the steered λ (tens of times λ0 when the norm groups lag) emptied the output layer's inputs — every
     * channel, one budgeted zeroing at a time, each lowering the MACs by only 10 — and killed the network
     * (ResNet-20 width 4, session 21: sparse validation accuracy 8%, 0 residual branches zeroed).
     */
    static void attachStrengthCarrier(AnyConfiguration conf, double lambda0, Set<GroupKind> groups) {
        String output = carrierLayer(conf, groups);
        conf.apply(StructuredSparsity.builder().normalizeBySize().layers(output)
                .layerScales(Map.of(output, CARRIER_SCALE)).channels(new SteeredStrength(lambda0)).build());
    }

    /**
     * The weight Group Lasso of the procedure on {@code conf}: every group kind of {@code groups} but DEPTH on every
     * eligible layer except the batch-norm-coupled ones ({@code coupled}, grouped by their norms instead), strengths
     * λ0·sqrt(|g|)·rms(W) ({@code layerScales}), steered or held ({@link #weightStrength}); the strength carrier when
     * nothing else is steered.
     */
    static void attachWeightGroups(AnyConfiguration conf, List<String> coupled, Set<GroupKind> groups, double lambda0,
                                   Map<String, Double> layerScales) {
        boolean normCarried = !coupled.isEmpty();
        List<String> excluded = new ArrayList<>(coupled);
        if (normCarried) {
            // the carrier's layer gets no held groups of its own (one Group Lasso of a kind per layer)
            excluded.add(carrierLayer(conf, groups));
        }
        StructuredSparsity.Builder sb = StructuredSparsity.builder().normalizeBySize().excludeLayers(excluded).layerScales(layerScales);
        for (GroupKind k : groups) {
            if (k != GroupKind.DEPTH) {
                sb.groupLasso(k, weightStrength(lambda0, normCarried));
            }
        }
        // DEPTH only (e.g. the ResNet depth experiment): no weight Group Lasso at all, the branches live in NormGroupLasso
        boolean weightGroups = groups.stream().anyMatch(k -> k != GroupKind.DEPTH);
        Map<String, List<Regularization>> added = weightGroups ? conf.apply(sb.build()) : Map.of();
        if (added.isEmpty() || normCarried) {
            attachStrengthCarrier(conf, lambda0, groups);
        }
    }

    /** The layer that carries the steered strength: the (last) dense output layer. */
    static String carrierLayer(AnyConfiguration conf, Set<GroupKind> groups) {
        String output = null;
        for (NamedLayer n : conf.layers()) {
            if (n.layer() instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer && WeightLayout.isSupported(n.layer())) {
                output = n.name();
            }
        }
        if (output == null) {
            throw new IllegalArgumentException("SslCompression: no layer can carry a Group Lasso (no ungrouped weight layer and no "
                    + "dense output layer); groups " + groups);
        }
        return output;
    }

    /**
     * The strength of the weight groups (λ0 per group before the size rule): steered by the controller, unless the
     * network's filters are batch-norm-coupled ({@code normCarried}) — then it is held at λ0 and only the norm groups
     * ({@link NormGroupLasso}, λ0 · the controller's scale) and the output layer's carrier follow the controller.
     * Rule: λ is steered on the groups that carry the MACs. In a batch-norm net these are the conv filters, which
     * live in the norms; the weight groups left (a VGG's fc after global pooling: 0.05% of its MACs) cannot move the
     * MAC fraction, and a λ steered for the lagging norm groups emptied them (VGG width 8, session 21: λ grew 56x, every
     * fc unit was zeroed, sparse accuracy 9.5%). With ranked zeroing (the default) the norm filters are ranked along the
     * floor and the scale is capped as well ({@code rankedNormFilters}); with candidate-only zeroing the growing λ is
     * what pushes the norm groups to the budget.
     */
    static org.nd4j.linalg.schedule.ISchedule weightStrength(double lambda0, boolean normCarried) {
        return normCarried ? new org.nd4j.linalg.schedule.FixedSchedule(lambda0) : new SteeredStrength(lambda0);
    }

    // ------------------------------------------------------------------------------------------------------------

    private <N extends Model> CompressionResult<N> run(AnyNetwork input, Batches train, Batches validation, Batches test) {
        long t0 = System.nanoTime();
        if (validation == null) {
            Batches[] parts = train.split(b.validationFraction);
            train = parts[0];
            validation = parts[1];
            log.info("No validation data given: the last {}% of the training data ({} examples) is the validation set",
                    Math.round(100 * b.validationFraction), validation.examples());
        }
        Run r = new Run(input, train, validation, test);
        r.checkInputs();
        try {
            N out = r.execute();
            log.info("SslCompression done in {} s: {}", Math.round((System.nanoTime() - t0) / 1e9), r.report.status);
            return new CompressionResult<>(out, r.report);
        } catch (IOException e) {
            throw new IllegalStateException("SslCompression: checkpoint I/O failed: " + e.getMessage(), e);
        }
    }

    /** One run of the procedure (its state: data, checkpoints, report). */
    private final class Run {
        final AnyNetwork input;
        final Batches train;
        final Batches validation;
        final Batches test;
        final Checkpoints cp;
        final InputType[] types = b.inputTypes;
        CompressionReport report;
        NetworkCost dense;
        INDArray[] timing;
        INDArray[] probe;

        Run(AnyNetwork input, Batches train, Batches validation, Batches test) {
            this.input = input;
            this.train = train;
            this.validation = validation;
            this.test = test;
            this.cp = new Checkpoints(b.checkpointDir, input.isGraph());
        }

        /** Each bad input named: shapes that do not fit, a budget the groups cannot reach. */
        void checkInputs() {
            if (!input.isGraph() && (train.inputs() != 1 || train.outputs() != 1)) {
                throw new IllegalArgumentException("SslCompression: a MultiLayerNetwork takes one feature and one label array per batch, got "
                        + train.inputs() + " and " + train.outputs());
            }
            for (Batches data : test == null ? List.of(train, validation) : List.of(train, validation, test)) {
                String what = data == train ? "training" : data == validation ? "validation" : "test";
                MultiDataSet first = data.all().get(0);
                INDArray out;
                try {
                    out = input.copy().output(first.getFeatures())[0];
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("SslCompression: " + what + " features of shape "
                            + java.util.Arrays.toString(first.getFeatures(0).shape()) + " do not fit the network's input: " + e.getMessage(), e);
                }
                if (out.rank() != 2 || first.getLabels(0).rank() != 2 || out.size(1) != first.getLabels(0).size(1)) {
                    throw new IllegalArgumentException("SslCompression: " + what + " labels of shape "
                            + java.util.Arrays.toString(first.getLabels(0).shape()) + " do not fit the network's output of shape "
                            + java.util.Arrays.toString(out.shape()) + " (a classifier with one-hot labels is expected)");
                }
            }
            try {
                dense = input.cost(types);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("SslCompression: the cost model cannot read the network with input types "
                        + java.util.Arrays.toString(types) + ": " + e.getMessage(), e);
            }
            if (b.budget.getKind() != CompressionBudget.Kind.LATENCY_MS) {
                double floor = minimumFraction();
                if (b.budget.getValue() < floor) {
                    throw new IllegalArgumentException(String.format("SslCompression: unreachable budget %s: the smallest network the "
                            + "groups %s can leave (one filter per layer) has %.2f%% of the %s", b.budget, b.groups, 100 * floor,
                            b.budget.getKind() == CompressionBudget.Kind.MAC_FRACTION ? "MACs" : "parameters"));
                }
            }
        }

        /**
         * MAC (or parameter) fraction of the input with every filter but the first zeroed in each layer whose filters
         * the procedure sparsifies (FILTER Group Lasso, or batch-norm-coupled), then pruned: the smallest network reachable.
         */
        double minimumFraction() {
            AnyNetwork t = input.fresh();
            List<NormGroups.Coupled> coupled = normCoupled(t);
            AnyNetwork reg = regularized(t, 1.0);
            for (NormGroups.Branch br : branches(reg)) {
                NormGroupLasso.zeroBranch(reg.model(), br);
            }
            for (NormGroups.Coupled c : coupled) {
                long n = NormGroupLasso.layer(reg.model(), c.norm()).getParam("gamma").length();
                for (int f = 1; f < n; f++) {
                    NormGroupLasso.zeroFilter(reg.model(), c.producer(), c.norm(), f);
                }
            }
            for (org.deeplearning4j.nn.api.Layer l : reg.layers()) {
                if (!(l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer)) {
                    continue;
                }
                List<org.nd4j.linalg.learning.regularization.Regularization> regs =
                        ((org.deeplearning4j.nn.conf.layers.BaseLayer) l.conf().getLayer()).getRegularization();
                boolean filters = regs != null && regs.stream().anyMatch(g -> g instanceof io.github.dl4jcompress.regularization.GroupLasso
                        && ((io.github.dl4jcompress.regularization.GroupLasso) g).getKind() == GroupKind.FILTER);
                if (!filters) {
                    continue;
                }
                INDArray w = l.getParam("W");
                long n = w.rank() == 4 ? w.size(0) : w.size(1);
                for (int f = 1; f < n; f++) {
                    NormGroupLasso.zeroFilterWeights(l, f);
                }
            }
            try {
                NetworkCost c = reg.prune(StructuredPruner.builder().threshold(0.0).trial().build()).network().cost(types);
                return b.budget.getKind() == CompressionBudget.Kind.PARAM_FRACTION
                        ? (double) c.getParams() / dense.getParams() : (double) c.getMacs() / dense.getMacs();
            } catch (PruningException e) {
                log.warn("could not estimate the smallest reachable network ({}); budget not checked up front", e.getMessage());
                return 0;
            }
        }

        @SuppressWarnings("unchecked")
        <N extends Model> N execute() throws IOException {
            String fingerprint = fingerprint();
            report = b.resume ? cp.loadReport() : null;
            if (report != null && !fingerprint.equals(report.fingerprint)) {
                throw new IllegalArgumentException("SslCompression: the checkpoint in " + b.checkpointDir + " belongs to another network, "
                        + "data or settings (fingerprint " + report.fingerprint + ", this run " + fingerprint + "); use another directory or resume(false)");
            }
            if (report == null) {
                cp.clear();
                report = new CompressionReport();
                report.fingerprint = fingerprint;
            } else {
                log.info("Resuming from {}: done {}", b.checkpointDir, report.completed);
            }
            report.network = input.kind();
            report.budget = b.budget;
            report.maxDrop = b.maxDrop;
            report.trainExamples = train.examples();
            report.validationExamples = validation.examples();
            report.testExamples = test == null ? null : test.examples();
            int latencyBatch = b.budget.getKind() == CompressionBudget.Kind.LATENCY_MS ? b.budget.getBatch() : b.latencyBatch;
            report.latencyBatch = latencyBatch;
            timing = validation.features(latencyBatch);
            probe = validation.all().get(0).getFeatures();

            AnyNetwork start = input.fresh();
            if (report.loweredTraining == null) {
                report.loweredTraining = b.lowerTraining && (b.lowerTrainingUntimed || loweredTrainsFaster(start));
            }
            if (!done("baseline")) {
                report.baseline = snapshot(start);
                log.info("[baseline] validation accuracy {}{}, {} MACs, {} parameters", pct(report.baseline.accuracy),
                        report.baseline.testAccuracy == null ? "" : ", test " + pct(report.baseline.testAccuracy), dense.getMacs(), dense.getParams());
                complete("baseline");
            }
            int extraEpochs = b.sslEpochs + b.finetuneEpochs;
            if (!done("control")) {
                AnyNetwork control = trainPlain(start.fresh(), "control", 1, extraEpochs, b.sslEpochs, false);
                report.control = snapshot(control);
                cp.save(control, "control");
                log.info("[control] {} plain epochs: validation accuracy {}", extraEpochs, pct(report.control.accuracy));
                complete("control");
            }
            double best = Math.max(report.baseline.accuracy, report.control.accuracy);

            AnyNetwork current = start;
            double macTarget = initialMacTarget();
            AnyNetwork pruned = null;
            for (int k = 1; k <= b.maxRounds; k++) {
                String sp = "sparsify-" + k;
                String pr = "prune-" + k;
                AnyNetwork sparse;
                if (!done(sp)) {
                    sparse = sparsify(current, k, macTarget);
                    cp.save(sparse, sp);
                    complete(sp);
                } else {
                    sparse = cp.load(sp);
                }
                CompressionReport.Round round = report.rounds.get(k - 1);
                if (!done(pr)) {
                    pruned = pruneVerified(sparse, round);
                    round.budgetMeasure = measureBudget(pruned);
                    round.budgetMet = met(round.budgetMeasure);
                    cp.save(pruned, pr);
                    complete(pr);
                    log.info("[prune {}] MAC fraction {}, budget measure {} ({}met), pruned == sparse to {}", k, pct(round.macFraction),
                            String.format("%.4g", round.budgetMeasure), round.budgetMet ? "" : "not ", String.format("%.2g", round.prunedMaxAbsDiff));
                } else {
                    pruned = cp.load(pr);
                }
                if (round.budgetMet || k == b.maxRounds) {
                    break;
                }
                macTarget = Math.max(1e-3, round.macFraction * b.budget.getValue() / round.budgetMeasure * 0.97);
                current = withoutSparsityRegularizers(pruned).fresh();
                log.info("[round {}] budget not met ({} > {}): next MAC target {}", k, String.format("%.4g", round.budgetMeasure),
                        b.budget.getValue(), pct(macTarget));
            }
            int lastRound = report.rounds.size();
            CompressionReport.Round last = report.rounds.get(lastRound - 1);

            AnyNetwork tuned;
            if (!done("finetune")) {
                tuned = finetune(pruned, "finetune", 100);
                cp.save(tuned, "finetune");
                report.compressed = snapshot(tuned);
                complete("finetune");
            } else {
                tuned = cp.load("finetune");
            }
            AnyNetwork result = tuned;
            CompressionReport.Snapshot resultSnapshot = report.compressed;
            report.budgetMet = last.budgetMet;
            report.notes.clear();             // the notes come from this decision only: a resumed run makes it again
            boolean dense = false;
            if (best - report.compressed.accuracy > b.maxDrop) {
                report.backedOff = true;
                result = null;
                List<Integer> epochs = new ArrayList<>();
                for (int e = last.epochMacFractions.size() - 2; e >= 0 && epochs.size() < b.maxBackoffs; e--) {
                    if (last.epochMacFractions.get(e) > last.macFraction + 1e-9) {
                        epochs.add(e);
                    }
                }
                for (int e : epochs) {
                    String name = "backoff-" + e;
                    AnyNetwork candidate;
                    if (!done(name)) {
                        AnyNetwork snapshot = cp.load("epoch-" + lastRound + "-" + e);
                        CompressionReport.Round tmp = new CompressionReport.Round();
                        AnyNetwork prunedEarlier = pruneVerified(snapshot, tmp);
                        candidate = finetune(prunedEarlier, name, 200 + e);
                        cp.save(candidate, name);
                        complete(name);
                    } else {
                        candidate = cp.load(name);
                    }
                    CompressionReport.Snapshot s = snapshot(candidate);
                    log.info("[{}] epoch-{} checkpoint: MAC fraction {}, validation accuracy {}", name, e + 1, pct(s.macFraction), pct(s.accuracy));
                    if (best - s.accuracy <= b.maxDrop) {
                        result = candidate;
                        resultSnapshot = s;
                        report.notes.add(String.format("stop rule: the budget's network lost %.2f points (> %.2f); backed off to the "
                                + "Group Lasso checkpoint of epoch %d (%.1f%% of the MACs), which lost %.2f", 100 * (best - report.compressed.accuracy),
                                100 * b.maxDrop, e + 1, 100 * s.macFraction, 100 * (best - s.accuracy)));
                        break;
                    }
                }
                dense = result == null;
                if (dense) {
                    boolean controlBetter = report.control.accuracy > report.baseline.accuracy;
                    result = controlBetter ? cp.load("control") : start;
                    resultSnapshot = controlBetter ? report.control : report.baseline;
                    report.notes.add(String.format("stop rule: no compressed network stayed within %.2f points of the better of baseline "
                            + "and control (the budget's lost %.2f); the %s (dense) network is returned", 100 * b.maxDrop,
                            100 * (best - report.compressed.accuracy), controlBetter ? "control" : "baseline"));
                }
                // a back-off keeps more MACs: it meets the budget only if its own measure is still within the budget's
                // tolerance (latency: measured below); the dense fallback never does
                report.budgetMet = !dense && (b.budget.getKind() == CompressionBudget.Kind.LATENCY_MS || met(measureBudget(result)));
            }

            // costs and accuracy are those of the pruned network; lowering (if any) only changes how it runs (verified equal)
            report.result = snapshot(result);
            if (b.lowering && !done("lower") && result != start) {
                INDArray[] x = timing;
                try {
                    StructuredPruner lowerer = StructuredPruner.builder().threshold(0.0).verifyOn(1e-3, probe)
                            .lowerConvolutions(LoweringMode.IF_FASTER, x).build();
                    AnyNetwork.Pruned lowered = result.prune(lowerer);
                    report.lowering = lowered.report().lowering().stream().map(Object::toString).collect(java.util.stream.Collectors.toList());
                    result = lowered.network();
                } catch (PruningException | IllegalStateException e) {
                    report.notes.add("lowering skipped: " + e.getMessage());
                }
                cp.save(result, "lower");
                complete("lower");
            } else if (done("lower")) {
                result = cp.load("lower");
            }

            report.result.latencyMs = null;
            double[] lat = alternateLatency(start, result);
            report.baseline.latencyMs = lat[0];
            report.result.latencyMs = lat[1];
            report.speedup = lat[0] / lat[1];
            report.drop = best - report.result.accuracy;
            report.dropMet = report.drop <= b.maxDrop + 1e-12;
            if (b.budget.getKind() == CompressionBudget.Kind.LATENCY_MS && !dense) {
                report.budgetMet = report.result.latencyMs <= b.budget.getValue();
            }
            report.overhead = b.measureOverhead ? Double.valueOf(interleavedOverhead(start, initialMacTarget())) : overhead();
            report.status = report.budgetMet && report.dropMet ? "met"
                    : "not met: " + (!report.budgetMet ? "budget " + b.budget + " not reached within " + b.maxDrop * 100
                    + " points (result " + pct(report.result.macFraction) + " MACs, " + String.format("%.2f", 100 * report.drop) + " points lost)"
                    : "accuracy drop " + String.format("%.2f", 100 * report.drop) + " points > " + 100 * b.maxDrop);
            complete("final");
            return (N) result.model();
        }

        private boolean done(String step) {
            return report.completed.contains(step);
        }

        private void complete(String step) throws IOException {
            if (!report.completed.contains(step)) {
                report.completed.add(step);
            }
            cp.saveReport(report);
            if (step.equals(b.stopAfter)) {
                throw new StoppedForTest(step);
            }
        }

        private double initialMacTarget() {
            switch (b.budget.getKind()) {
                case MAC_FRACTION:
                    return b.budget.getValue();
                case PARAM_FRACTION:
                    return b.budget.getValue();
                default:
                    double denseMs = input.copy().latencyMs(timing, b.latencyRepeats);
                    return Math.max(1e-3, Math.min(1, b.budget.getValue() / denseMs));
            }
        }

        private double measureBudget(AnyNetwork net) {
            NetworkCost c = net.cost(types);
            switch (b.budget.getKind()) {
                case MAC_FRACTION:
                    return (double) c.getMacs() / dense.getMacs();
                case PARAM_FRACTION:
                    return (double) c.getParams() / dense.getParams();
                default:
                    return net.copy().latencyMs(timing, b.latencyRepeats);
            }
        }

        /** Within the budget: at most the target (plus the controller's granularity of one group: {@code tolerance·1%}). */
        private boolean met(double measure) {
            return measure <= b.budget.getValue() * (1 + b.budgetSlack);
        }

        /**
         * The network with the Group Lasso regularizers attached ({@link #attachWeightGroups}: strengths λ0·sqrt(|g|)·rms(W))
         * on every eligible layer except those whose filter groups live in a following batch norm ({@code normCoupled}).
         */
        AnyNetwork regularized(AnyNetwork from, double lambda0) {
            List<String> coupled = new ArrayList<>();
            allCoupled(from).forEach(c -> coupled.add(c.producerName()));
            Map<String, Double> rms = rmsOfWeights(from);
            b.layerStrengthScales.forEach((layer, factor) -> {
                if (rms.computeIfPresent(layer, (k, v) -> v * factor) == null) {
                    throw new IllegalArgumentException("SslCompression: layerStrengthScale names layer '" + layer + "', which is not a "
                            + "weight layer of this network (weight layers: " + rms.keySet() + ")");
                }
            });
            return from.fresh(conf -> attachWeightGroups(conf, coupled, b.groups, lambda0, rms));
        }

        /**
         * RMS of each weight layer's W: with strengths {@code λ·sqrt(|g|)·rms(W)} every group shrinks at the same rate
         * λ (per unit step) relative to its own norm, whatever the layer's fan-in (a dense layer with 800 inputs has
         * weights ~6x smaller than a 5x5 convolution on one channel; without this it would be emptied first).
         */
        Map<String, Double> rmsOfWeights(AnyNetwork net) {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            for (AnyNetwork.IndexedLayer l : net.layersInOrder()) {
                if (!WeightLayout.isSupported(l.layer().conf().getLayer())) {
                    continue;
                }
                INDArray w = l.layer().getParam("W");
                double rms = w.norm2Number().doubleValue() / Math.sqrt(w.length());
                if (rms > 0) {
                    out.put(l.name(), rms);
                }
            }
            return out;
        }

        /** Weight layers followed by batch norm whose filters, zeroed with the norm's channel, the pruner can remove (MACs fall). */
        List<NormGroups.Coupled> normCoupled(AnyNetwork net) {
            if (!b.groups.contains(GroupKind.FILTER)) {
                return List.of();
            }
            List<NormGroups.Coupled> all = allCoupled(net);
            List<NormGroups.Coupled> out = new ArrayList<>();
            double before = prunedFraction(net);
            for (NormGroups.Coupled c : all) {
                AnyNetwork trial = net.copy();
                NormGroupLasso.zeroFilter(trial.model(), c.producer(), c.norm(), 0);
                if (prunedFraction(trial) < before - 1e-12) {
                    out.add(c);
                } else {
                    log.info("filters of '{}' are coupled to a shortcut (removing one does not lower the MACs): not sparsified", c.producerName());
                }
            }
            return out;
        }

        /**
         * All weight layers directly followed by batch norm: none of them gets a weight-based Group Lasso (scale-free
         * filters); their filters are sparsified through the norm when that can lower the MACs ({@link #normCoupled}).
         */
        List<NormGroups.Coupled> allCoupled(AnyNetwork net) {
            AnyConfiguration c = net.configuration();
            return c.isGraph() ? NormGroups.coupled(c.graph()) : NormGroups.coupled(c.chain());
        }

        List<NormGroups.Branch> branches(AnyNetwork net) {
            // residual branches exist in graphs only (a MultiLayerNetwork is a chain)
            return net.isGraph() && b.groups.contains(GroupKind.DEPTH) ? NormGroups.branches(net.configuration().graph()) : List.of();
        }

        /**
         * Group Lasso round {@code k} from {@code from} (DL4J's layers) towards {@code macTarget}; returns the sparse
         * network on DL4J's layers. With {@code report.loweredTraining} it trains on the lowered layers
         * ({@link AnyNetwork#lowered()}, regularizers carried over): a dense lowered convolution's {@code W[nOut, nIn·kH·kW]}
         * is the convolution's {@code [nOut, nIn, kH, kW]} in c order, so its {@code WeightLayout}, Group Lasso groups,
         * masks and trial prunes are the same ({@code SparsifyLoweredTest}); the epoch checkpoints and the result are restored
         * ({@link AnyNetwork#restored()}).
         */
        private AnyNetwork sparsify(AnyNetwork from, int k, double macTarget) throws IOException {
            List<NormGroups.Coupled> coupled = normCoupled(from);
            List<NormGroups.Branch> branches = branches(from);
            AnyNetwork regular = regularized(from, b.initialStrength);
            long currentMacs = regular.cost(types).getMacs();
            boolean lowered = Boolean.TRUE.equals(report.loweredTraining);
            AnyNetwork net = lowered ? regular.lowered() : regular;
            double relative = Math.min(1.0, macTarget * dense.getMacs() / currentMacs);
            int ipe = train.size();
            int byEpoch = Math.max(1, (int) Math.ceil(b.sslEpochs * b.targetAt));
            MacBudgetController controller = controller(relative, byEpoch, ipe, coupled.isEmpty() && branches.isEmpty(),
                    rankedDepth(coupled, branches) || rankedNormFilters(coupled));
            NormGroupLasso norms = coupled.isEmpty() && branches.isEmpty() ? null : new NormGroupLasso(coupled, branches, controller,
                    b.initialStrength, b.candidateThreshold, frequency(), (long) byEpoch * ipe, types, b.maxTrials, b.normWeightRate)
                    .rankBranches(rankedDepth(coupled, branches)).rankFilters(rankedNormFilters(coupled));
            List<TrainingListener> extra = sparsifyListeners(controller, norms);
            CompressionReport.Round round = new CompressionReport.Round();
            round.round = k;
            round.macTarget = macTarget;
            extra.add(new BaseTrainingListener() {
                int epoch;

                @Override
                public void onEpochEnd(Model model) {
                    try {
                        AnyNetwork snap = lowered ? AnyNetwork.of(model).restored() : AnyNetwork.of(model);
                        round.epochMacFractions.add(prunedFraction(snap));
                        log.info("[sparsify {}] epoch {}: MAC fraction {} (reference {}), λ scale {}, {} groups zeroed", k, epoch + 1,
                                pct(round.epochMacFractions.get(epoch)), pct(controller.reference((epoch + 1.0) / byEpoch) * currentMacs / dense.getMacs()),
                                String.format("%.3g", controller.getScale()), controller.getBudgetedZeroing().getZeroedGroups());
                        cp.save(snap, "epoch-" + k + "-" + epoch);
                        epoch++;
                    } catch (IOException e) {
                        throw new IllegalStateException("could not write the epoch checkpoint: " + e.getMessage(), e);
                    }
                }
            });
            log.info("[sparsify {}] Group Lasso {} for {} epochs{}, MAC target {} of the dense network ({} of this one) by epoch {}; "
                    + "{} batch-norm-coupled layers, {} residual branches", k, b.groups, b.sslEpochs, lowered ? " on the lowered layers" : "",
                    pct(macTarget), pct(relative), byEpoch, coupled.size(), branches.size());
            CompressionReport.Phase p = train(net, "sparsify-" + k, 10 + k, b.sslEpochs, extra);
            report.phases.add(p);
            for (MacBudgetController.Step s : controller.getHistory()) {
                CompressionReport.Step st = new CompressionReport.Step();
                st.round = k;
                st.iteration = s.iteration;
                st.macFraction = (Double.isNaN(s.exactMacRatio) ? s.macRatio : s.exactMacRatio) * currentMacs / dense.getMacs();
                st.reference = controller.reference((double) s.iteration / ((long) byEpoch * ipe)) * currentMacs / dense.getMacs();
                st.strength = s.strengthScale;
                report.history.add(st);
            }
            if (lowered) {
                net = net.restored();
            }
            round.macFraction = prunedFraction(net);
            round.sparseAccuracy = net.accuracy(validation.all());
            round.groupsZeroed = controller.getBudgetedZeroing().getZeroedGroups();
            round.branchesZeroed = norms == null ? 0 : norms.zeroedBranches();
            round.normFiltersZeroed = norms == null ? 0 : norms.zeroedFilters();
            report.rounds.add(round);
            log.info("[sparsify {}] exact MAC fraction {} (target {}), {} groups and {} residual branches zeroed, sparse validation accuracy {}",
                    k, pct(round.macFraction), pct(macTarget), round.groupsZeroed, round.branchesZeroed, pct(round.sparseAccuracy));
            return net;
        }

        /**
         * The sparsify phase's listeners in their order: the norm groups ({@code norms}, may be null) before the controller.
         * DL4J calls them after the parameter update, which moves the zeroed filters and branches off zero again; the
         * norm groups set them back to zero first, so the controller's MAC measure (an exact prune) sees them removed.
         * In the other order it saw every batch-norm zeroing undone (VGG width 8, session 22: the controller read 77% of
         * the MACs while the pruned network had 24%, and λ rose to 226x, sparse accuracy 14.7%). The controller's budgeted
         * zeroing also re-zeroes them before each of its own measurements and reapplies ({@code keepZeroedBy}), so the
         * measure holds whatever runs between (ResNet-20, session 22: it read 100% while the pruned net had 71.5%).
         */
        private List<TrainingListener> sparsifyListeners(MacBudgetController controller, NormGroupLasso norms) {
            List<TrainingListener> out = new ArrayList<>();
            if (norms != null) {
                out.add(norms);
                controller.getBudgetedZeroing().keepZeroedBy(norms::rezero);
            }
            out.add(controller);
            return out;
        }

        /** The controller's update period: the configured one, or max(10, iterations per epoch / 4). */
        private int frequency() {
            return b.frequency > 0 ? b.frequency : Math.max(10, train.size() / 4);
        }

        /**
         * The auto-λ controller; ranked zeroing only when {@code rankable} (no batch-norm-coupled layers, no residual
         * branches): on the batch-norm residual test graph it left a network whose fine-tuned MACs differed from the
         * pruned one's (SslCompressionTest, session 20; not understood yet), so such nets keep candidate-only zeroing.
         */
        private MacBudgetController controller(double relativeTarget, int byEpoch, int iterationsPerEpoch, boolean rankable, boolean rankedNorms) {
            MacBudgetController.Builder cb = MacBudgetController.builder().target(relativeTarget).byEpoch(byEpoch, iterationsPerEpoch)
                    .budgetedZeroing(b.candidateThreshold).tolerance(b.tolerance).budgetSlack(b.budgetSlack).frequency(frequency())
                    .maxStep(maxStep(byEpoch, iterationsPerEpoch)).trajectory(b.trajectory).inputTypes(types);
            if (b.rankedLead > 0 && rankable) {
                cb.rankedZeroing(b.rankedLead).maxScale(b.rankedMaxScale);
            } else if (rankedNorms) {
                cb.maxScale(b.rankedMaxScale);   // branches / norm filters ranked along the floor: λ need not grow (it crushed the kept ones)
            }
            return cb.build();
        }

        /**
         * DEPTH alone on a graph with residual branches (no batch-norm filter groups): the branches are zeroed ranked along
         * the floor, smallest relative norm first ({@link NormGroupLasso#rankBranches}), with λ held at or below λ0. With
         * candidate-only zeroing λ had to shrink every branch to 5% of its size before any could go, which crushed the
         * kept ones too (ResNet-20 width 4, session 22: sparse validation accuracy 14%, fine-tuned -8.4 points).
         */
        private boolean rankedDepth(List<NormGroups.Coupled> coupled, List<NormGroups.Branch> branches) {
            return b.rankedLead > 0 && coupled.isEmpty() && !branches.isEmpty();
        }

        /**
         * Ranked batch-norm filters (with ranked zeroing on, the default): the filters of batch-norm-coupled layers are
         * zeroed smallest relative (γ, β) norm first along the MAC floor ({@link NormGroupLasso#rankFilters}) and λ is
         * held at or below λ0 ({@link Builder#rankedMaxScale}), as LeNet's weight groups and the ranked branches are.
         * Candidate-only zeroing needed λ to push every filter below the threshold first; the kept filters' norms fell
         * with them and the sparse VGG was dead at the budget (width 8, session 22: λ 24x λ0, the last norm's kept γ
         * about 0.001 with β −0.009, its ReLU output 0 for every image; 9.2% validation at 23.8% of the MACs).
         */
        private boolean rankedNormFilters(List<NormGroups.Coupled> coupled) {
            return b.rankedLead > 0 && !coupled.isEmpty();
        }

        /**
         * Per-iteration cost of the sparsify phase's listeners and regularizers (Group Lasso, controller, budgeted
         * zeroing, batch-norm groups) over plain training, measured in one process: copies of the input trained in
         * alternating blocks of {@code frequency} iterations (each block holds one controller update), after one
         * warm-up block each; the ratio of the summed times of OVERHEAD_BLOCKS blocks each (order alternating). Same layer implementation on both sides: the lowered one when the sparsify phase trains lowered.
         */
        private double interleavedOverhead(AnyNetwork start, double macTarget) {
            boolean lowered = Boolean.TRUE.equals(report.loweredTraining);   // the layers the sparsify phase trains on
            AnyNetwork plain = lowered ? start.copy().lowered() : start.copy();
            AnyNetwork reg = lowered ? regularized(start, b.initialStrength).lowered() : regularized(start, b.initialStrength);
            int ipe = train.size();
            int byEpoch = Math.max(1, (int) Math.ceil(b.sslEpochs * b.targetAt));
            List<NormGroups.Coupled> coupled = normCoupled(start);
            List<NormGroups.Branch> branches = branches(start);
            MacBudgetController controller = controller(macTarget, byEpoch, ipe, coupled.isEmpty() && branches.isEmpty(),
                    rankedDepth(coupled, branches) || rankedNormFilters(coupled));
            reg.setListeners(sparsifyListeners(controller, coupled.isEmpty() && branches.isEmpty() ? null : new NormGroupLasso(coupled,
                    branches, controller, b.initialStrength, b.candidateThreshold, frequency(), (long) byEpoch * ipe, types, b.maxTrials,
                    b.normWeightRate).rankBranches(rankedDepth(coupled, branches)).rankFilters(rankedNormFilters(coupled))));
            List<MultiDataSet> all = train.epoch(b.seed, 98, 0);
            int block = frequency();
            double plainSeconds = 0;
            double regSeconds = 0;
            int next = 0;
            for (int round = 0; round < 1 + OVERHEAD_BLOCKS; round++) {
                List<MultiDataSet> batches = new ArrayList<>();
                for (int i = 0; i < block; i++) {
                    batches.add(all.get(next++ % all.size()));
                }
                double[] t = new double[2];
                for (int side = 0; side < 2; side++) {
                    boolean regFirst = round % 2 == 1;         // alternate the order: neither side always runs first
                    boolean regular = (side == 0) == regFirst;
                    long t0 = System.nanoTime();
                    (regular ? reg : plain).fitEpoch(batches);
                    t[regular ? 1 : 0] = (System.nanoTime() - t0) / 1e9;
                }
                if (round > 0) {
                    plainSeconds += t[0];
                    regSeconds += t[1];
                }
            }
            reg.setListeners(List.of());
            report.overheadMeasure = String.format("interleaved: " + OVERHEAD_BLOCKS + " blocks of %d iterations each (one controller update each), plain %.3f s, Group Lasso + controller + "
                    + "zeroing %.3f s (after one warm-up block each), %s layers on both sides", block, plainSeconds, regSeconds, lowered ? "lowered" : "DL4J's");
            log.info("[overhead] {}: {}x", report.overheadMeasure, String.format("%.3f", regSeconds / plainSeconds));
            return regSeconds / plainSeconds;
        }

        /**
         * The controller's largest step of ln λ per update: the configured one, or (default) enough for λ to grow
         * 100-fold over the updates before the target epoch, at least 0.1 — so short runs can still reach their budget.
         */
        private double maxStep(int byEpoch, int iterationsPerEpoch) {
            if (b.maxStep > 0) {
                return b.maxStep;
            }
            double updates = Math.max(1.0, (double) byEpoch * iterationsPerEpoch / frequency());
            return Math.max(0.1, Math.log(100) / updates);
        }

        private double prunedFraction(AnyNetwork net) {
            try {
                return (double) net.prune(StructuredPruner.builder().threshold(0.0).trial().build()).network().cost(types).getMacs() / dense.getMacs();
            } catch (PruningException e) {
                return (double) net.cost(types).getEffectiveMacs() / dense.getMacs();
            }
        }

        /** Exact pruning, verified: the pruned network's outputs equal the sparse network's on validation inputs. */
        private AnyNetwork pruneVerified(AnyNetwork sparse, CompressionReport.Round round) {
            AnyNetwork.Pruned p = sparse.prune(StructuredPruner.builder().threshold(0.0).verifyOn(1e-3, probe).build());
            round.prunedMaxAbsDiff = sparse.output(probe)[0].sub(p.network().output(probe)[0]).amaxNumber().doubleValue();
            return p.network();
        }

        /**
         * Fine-tunes a pruned network with the regularizers removed, zero weights kept at zero, and a fresh updater
         * state: the Group Lasso phase's momentum carries the penalty's push (λ is large by then) and would keep
         * shrinking — or overshoot — the kept weights for many steps.
         */
        private AnyNetwork finetune(AnyNetwork pruned, String name, int phase) {
            AnyNetwork net = withoutSparsityRegularizers(pruned);
            if (net.updaterState() != null) {
                net.updaterState().assign(0);
            }
            return b.finetuneEpochs > 0 ? trainPlain(net, name, phase, b.finetuneEpochs, 0, true) : net;
        }

        /**
         * Plain training (no Group Lasso): with lowered convolutions when {@code report.loweredTraining} (restored
         * afterwards, so pruning and checkpoints see DL4J's layers), zero weights kept if asked, and from epoch
         * {@code decayFrom} on (if ≥ 0 and {@link Builder#finetuneDecay}) a cosine decay of the learning rate to 1% over
         * the remaining epochs; the constant rate is set back at the end. The phase is added to the report.
         */
        private AnyNetwork trainPlain(AnyNetwork net, String name, int phase, int epochs, int decayFrom, boolean keepZeros) {
            AnyNetwork t = Boolean.TRUE.equals(report.loweredTraining) ? net.lowered() : net;
            Double lr = b.finetuneDecay && decayFrom >= 0 && decayFrom < epochs ? t.learningRate() : null;
            List<TrainingListener> extra = keepZeros ? List.of(new KeepZeros(t.model())) : List.of();
            CompressionReport.Phase p = train(t, name, phase, epochs, extra, lr == null ? -1 : decayFrom,
                    lr == null ? null : e -> CosineDecay.apply(t, lr, (epochs - decayFrom) * train.size()));
            if (lr != null) {
                t.setLearningRate(lr);
                p.note = String.format("learning rate %.3g, cosine decay to 1%% over the last %d epochs", lr, epochs - decayFrom);
            }
            p.lowered = t != net ? Boolean.TRUE : null;
            report.phases.add(p);
            return t == net ? net : t.restored();
        }

        /**
         * Whether lowered convolutions train this network faster: interleaved blocks of iterations on copies (DL4J's
         * layers vs lowered), median seconds per block. Decided once per run (stored in the report, so a resumed run
         * trains the same way).
         */
        private boolean loweredTrainsFaster(AnyNetwork net) {
            AnyNetwork lowered;
            try {
                lowered = net.copy().lowered();
            } catch (RuntimeException e) {
                log.info("lowered training not possible ({}): DL4J's layers", e.getMessage());
                return false;
            }
            if (lowered.configurationJson().equals(net.configurationJson())) {
                return false;
            }
            if (b.alwaysLowered) {
                return true;
            }
            AnyNetwork plain = net.copy();
            List<MultiDataSet> batches = train.all().subList(0, Math.min(train.size(), 4));
            double[] a = new double[3];
            double[] l = new double[3];
            plain.fitEpoch(batches);
            lowered.fitEpoch(batches);
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                plain.fitEpoch(batches);
                a[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                lowered.fitEpoch(batches);
                l[i] = System.nanoTime() - t0;
            }
            double plainNs = Median.of(a);
            double loweredNs = Median.of(l);
            int n = batches.size();
            report.trainingIterationMs = new java.util.LinkedHashMap<>();
            report.trainingIterationMs.put("dl4j", plainNs / 1e6 / n);
            report.trainingIterationMs.put("lowered", loweredNs / 1e6 / n);
            log.info("training iteration: DL4J layers {} ms, lowered {} ms -> {}", String.format("%.1f", plainNs / 1e6 / n),
                    String.format("%.1f", loweredNs / 1e6 / n), loweredNs < plainNs ? "lowered training for control and fine-tuning" : "DL4J's layers");
            return loweredNs < plainNs;
        }

        private CompressionReport.Phase train(AnyNetwork net, String name, int phase, int epochs, List<TrainingListener> extra) {
            return train(net, name, phase, epochs, extra, -1, null);
        }

        private CompressionReport.Phase train(AnyNetwork net, String name, int phase, int epochs, List<TrainingListener> extra,
                                              int hookEpoch, java.util.function.IntConsumer hook) {
            List<TrainingListener> listeners = new ArrayList<>(extra);
            int perEpoch = train.size();
            listeners.add(new ProgressListener(name, epochs, perEpoch, (int) train.all().get(0).getFeatures(0).size(0),
                    Math.max(1, perEpoch / 4)));
            net.setListeners(listeners);
            double fitSeconds = 0;
            long t0 = System.nanoTime();
            for (int e = 0; e < epochs; e++) {
                if (e == hookEpoch && hook != null) {
                    hook.accept(e);
                }
                List<MultiDataSet> order = train.epoch(b.seed, phase, e);
                long f0 = System.nanoTime();
                b.trainer.fitEpoch(net, order);
                fitSeconds += (System.nanoTime() - f0) / 1e9;
            }
            net.setListeners(List.of());
            CompressionReport.Phase p = new CompressionReport.Phase();
            p.name = name;
            p.epochs = epochs;
            p.iterations = (long) epochs * perEpoch;
            p.seconds = (System.nanoTime() - t0) / 1e9;
            p.secondsPerIteration = p.iterations == 0 ? null : fitSeconds / p.iterations;
            p.lowered = java.util.Arrays.stream(net.layers()).anyMatch(l -> l.conf().getLayer() instanceof io.github.dl4jcompress.layers.LoweredConvolution);
            return p;
        }

        private CompressionReport.Snapshot snapshot(AnyNetwork net) {
            CompressionReport.Snapshot s = new CompressionReport.Snapshot();
            s.accuracy = net.accuracy(validation.all());
            if (test != null) {
                s.testAccuracy = net.accuracy(test.all());
            }
            NetworkCost c = net.cost(types);
            s.macs = c.getMacs();
            s.params = c.getParams();
            s.macFraction = (double) c.getMacs() / dense.getMacs();
            s.paramFraction = (double) c.getParams() / dense.getParams();
            s.layers = new ArrayList<>(c.getLayers());
            if (net.isGraph()) {
                s.blocks = ResidualBranches.of(net.configuration().graph()).size();
            }
            return s;
        }

        /** Dense and result latency (ms), interleaved in rounds so both see the same machine load. */
        private double[] alternateLatency(AnyNetwork denseNet, AnyNetwork result) {
            double[] a = new double[3];
            double[] r = new double[3];
            for (int i = 0; i < 3; i++) {
                a[i] = denseNet.latencyMs(timing, b.latencyRepeats);
                r[i] = result.latencyMs(timing, b.latencyRepeats);
            }
            return new double[]{Median.of(a), Median.of(r)};
        }

        /**
         * Group Lasso over plain seconds per iteration from the phases' times, or null when the control and the
         * sparsify phases trained different layers (lowered vs DL4J's: the ratio would be the layers', not the
         * listeners'; ResNet-20 width 4, session 23: 21x).
         */
        private Double overhead() {
            Double plain = null;
            boolean plainLowered = false;
            boolean mixed = false;
            double gl = 0;
            long glIterations = 0;
            for (CompressionReport.Phase p : report.phases) {
                if (p.secondsPerIteration == null) {
                    continue;
                }
                if (p.name.equals("control")) {
                    plain = p.secondsPerIteration;
                    plainLowered = Boolean.TRUE.equals(p.lowered);
                }
            }
            for (CompressionReport.Phase p : report.phases) {
                if (p.secondsPerIteration != null && p.name.startsWith("sparsify")) {
                    mixed |= Boolean.TRUE.equals(p.lowered) != plainLowered;
                    gl += p.secondsPerIteration * p.iterations;
                    glIterations += p.iterations;
                }
            }
            if (mixed) {
                report.overheadMeasure = "not measured: the control and the Group Lasso phase trained different layers (lowered vs "
                        + "DL4J's; measureOverhead(true) measures it interleaved on the same layers)";
                return null;
            }
            return plain == null || glIterations == 0 ? null : gl / glIterations / plain;
        }

        private String fingerprint() {
            StringBuilder sb = new StringBuilder();
            sb.append(input.model().params().sumNumber().doubleValue()).append('|').append(input.numParams()).append('|')
                    .append(train.examples()).append('|').append(validation.examples()).append('|').append(b.settingsString());
            return Integer.toHexString(sb.toString().hashCode());
        }
    }

    /** The same network with every Group Lasso and binary push removed from its configuration (updater state kept). */
    static AnyNetwork withoutSparsityRegularizers(AnyNetwork net) {
        return net.withConfiguration(c -> c.layers().forEach(n -> {
            if (n.layer() instanceof BaseLayer && ((BaseLayer) n.layer()).getRegularization() != null) {
                List<Regularization> kept = new ArrayList<>();
                for (Regularization r : ((BaseLayer) n.layer()).getRegularization()) {
                    if (!(r instanceof GroupLasso || r instanceof BinaryPush)) {
                        kept.add(r);
                    }
                }
                ((BaseLayer) n.layer()).setRegularization(kept);
            }
        }));
    }

    private static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }

    /** Thrown by the test hook {@link Builder#stopAfter} to simulate a killed run after a checkpoint. */
    static final class StoppedForTest extends RuntimeException {
        StoppedForTest(String step) {
            super("stopped after " + step);
        }
    }

    /** Builder; the budget and the network's input types are required. */
    public static final class Builder {
        private CompressionBudget budget;
        private InputType[] inputTypes;
        private Set<GroupKind> groups = EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL, GroupKind.DEPTH);
        private int sslEpochs = 6;
        private int finetuneEpochs = 10;
        private double maxDrop = 0.005;
        private double validationFraction = 0.1;
        private long seed = 12345;
        private double initialStrength = 5e-3;
        private double candidateThreshold = 0.05;
        private double tolerance = 0.05;
        private double budgetSlack = 0.05;
        private MacBudgetController.Trajectory trajectory = MacBudgetController.Trajectory.CUBIC;
        private double rankedLead = 0.1;
        private double rankedMaxScale = 1.0;
        private boolean finetuneDecay = true;
        private boolean lowerTraining = true;
        private boolean lowerTrainingUntimed;
        private boolean measureOverhead = true;
        private double targetAt = 0.75;
        private int frequency = 0;
        private double maxStep = -1;
        private int maxRounds = 2;
        private int maxBackoffs = 2;
        private boolean lowering = true;
        private int latencyBatch = 64;
        private int latencyRepeats = 15;
        private int maxTrials = 6;
        private File checkpointDir;
        private boolean resume;
        private EpochTrainer trainer = EpochTrainer.LOCAL;
        private String stopAfter;
        private boolean alwaysLowered;
        private boolean normWeightRate;
        private final Map<String, Double> layerStrengthScales = new java.util.TreeMap<>();

        private Builder() {
        }

        /**
         * A factor on the Group Lasso strengths of one layer (default 1): λ0·{@code factor}·sqrt(|g|)·rms(W), steered like
         * the others. SSL's LeNet recipe gives the first convolution a smaller strength (its few filters feed everything);
         * e.g. {@code layerStrengthScale("conv1", 0.3)}.
         */
        public Builder layerStrengthScale(String layer, double factor) {
            if (layer == null || !(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("SslCompression: layerStrengthScale needs a layer name and a finite factor > 0, got '"
                        + layer + "', " + factor);
            }
            layerStrengthScales.put(layer, factor);
            return this;
        }

        /**
         * Batch-norm groups shrink at the weight groups' relative rate η·λ (ρ = rms(γ, β); default false: η·λ / rms(W) of
         * the layer the norm follows, faster in deep layers), see NormGroupLasso#relativeRateScale. compress-vgg sets it.
         */
        public Builder normGroupsAtWeightRate(boolean weightRate) {
            this.normWeightRate = weightRate;
            return this;
        }

        public Builder budget(CompressionBudget budget) {
            if (budget == null) {
                throw new IllegalArgumentException("SslCompression: budget must not be null");
            }
            this.budget = budget;
            return this;
        }

        /** Shorthand for {@code budget(CompressionBudget.macFraction(f))}. */
        public Builder targetMacFraction(double fraction) {
            return budget(CompressionBudget.macFraction(fraction));
        }

        /** The network's input type(s), for the cost model (e.g. {@code InputType.convolutionalFlat(28, 28, 1)}). */
        public Builder inputTypes(InputType... types) {
            if (types == null || types.length == 0) {
                throw new IllegalArgumentException("SslCompression: the network's input type(s) are needed for the cost model");
            }
            this.inputTypes = types.clone();
            return this;
        }

        /** Group kinds to sparsify (default FILTER, CHANNEL, DEPTH; DEPTH acts on residual branches of graphs only). */
        public Builder groups(GroupKind... kinds) {
            if (kinds == null || kinds.length == 0) {
                throw new IllegalArgumentException("SslCompression: at least one group kind is needed");
            }
            this.groups = EnumSet.copyOf(java.util.Arrays.asList(kinds));
            return this;
        }

        /** Epochs of Group Lasso (default 6; the target is reached by {@code targetAt} of them). */
        public Builder sslEpochs(int epochs) {
            this.sslEpochs = atLeast(1, epochs, "sslEpochs");
            return this;
        }

        /** Epochs of fine-tuning the pruned network (default 10; 0 = none). */
        public Builder finetuneEpochs(int epochs) {
            this.finetuneEpochs = atLeast(0, epochs, "finetuneEpochs");
            return this;
        }

        /** Largest accepted validation accuracy drop below the better of baseline and control, as a fraction (0.005 = 0.5 points). */
        public Builder maxAccuracyDrop(double drop) {
            if (!(drop >= 0 && drop < 1)) {
                throw new IllegalArgumentException("SslCompression: maxAccuracyDrop must be in [0, 1) (0.005 = 0.5 points), got " + drop);
            }
            this.maxDrop = drop;
            return this;
        }

        /** Fraction of the training data held out for validation when none is given (default 0.1). */
        public Builder validationFraction(double f) {
            if (!(f > 0 && f < 1)) {
                throw new IllegalArgumentException("SslCompression: validationFraction must be in (0, 1), got " + f);
            }
            this.validationFraction = f;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** λ0 (strength per group: λ0·sqrt(|g|)·rms(W)) before the controller steers it (default 5e-3). */
        public Builder initialStrength(double lambda) {
            if (!(lambda > 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("SslCompression: initialStrength must be finite and > 0, got " + lambda);
            }
            this.initialStrength = lambda;
            return this;
        }

        /** Relative group norm below which a group may be zeroed (default 0.05), see BudgetedZeroing. */
        public Builder candidateThreshold(double t) {
            if (!(t > 0 && t < 1)) {
                throw new IllegalArgumentException("SslCompression: candidateThreshold must be in (0, 1), got " + t);
            }
            this.candidateThreshold = t;
            return this;
        }

        /** Width τ of the controller's band [(1 − τ)·target, target] (default 0.1). */
        public Builder tolerance(double tau) {
            if (!(tau > 0 && tau < 1)) {
                throw new IllegalArgumentException("SslCompression: tolerance must be in (0, 1), got " + tau);
            }
            this.tolerance = tau;
            return this;
        }

        /** Shape of the MAC reference over the sparsify epochs (default CUBIC: r* + (1 − r*)(1 − p)³). */
        public Builder trajectory(MacBudgetController.Trajectory t) {
            if (t == null) {
                throw new IllegalArgumentException("SslCompression: trajectory must not be null");
            }
            this.trajectory = t;
            return this;
        }

        /**
         * Ranked (gradual) zeroing: the smallest groups are zeroed along the reference even above the candidate
         * threshold, λ aims the candidates {@code lead} of the progress ahead (default 0.1); 0 = zero only candidates.
         */
        public Builder rankedZeroing(double lead) {
            if (!(lead >= 0 && lead <= 1)) {
                throw new IllegalArgumentException("SslCompression: rankedZeroing lead must be in [0, 1], got " + lead);
            }
            this.rankedLead = lead;
            return this;
        }

        /**
         * With ranked zeroing, the largest factor λ may grow over its initial value (default 1: λ is held at λ0 and
         * may only decay). The ranked zeroing steers the MAC fraction along the reference by itself; a growing λ
         * only shrinks the kept groups too (session 20: λ grew 7.8x and the sparse LeNet fell to 73.7%).
         */
        public Builder rankedMaxScale(double factor) {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("SslCompression: rankedMaxScale must be > 0, got " + factor);
            }
            this.rankedMaxScale = factor;
            return this;
        }

        /** Cosine learning-rate decay over the fine-tuning epochs (and the control's last as many epochs); default true. */
        public Builder finetuneDecay(boolean decay) {
            this.finetuneDecay = decay;
            return this;
        }

        /** Train the plain phases (control, fine-tuning) with lowered convolutions where measured faster (default true). */
        public Builder lowerTraining(boolean lower) {
            this.lowerTraining = lower;
            return this;
        }

        /** Measure the Group Lasso listeners' overhead in interleaved blocks at the end (default true). */
        public Builder measureOverhead(boolean measure) {
            this.measureOverhead = measure;
            return this;
        }

        /** Fraction of the sparsify epochs by which the target is reached (default 0.75; the rest trains at the target). */
        public Builder targetAt(double fraction) {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("SslCompression: targetAt must be in (0, 1], got " + fraction);
            }
            this.targetAt = fraction;
            return this;
        }

        /**
         * Controller update period in iterations (default 0 = automatic: max(10, iterations per epoch / 4) — each update
         * prunes trial copies, so fewer updates keep the listeners' overhead low; four per epoch keep the zeroing gradual).
         */
        public Builder frequency(int iterations) {
            this.frequency = atLeast(0, iterations, "frequency");
            return this;
        }

        /** Largest |Δ ln λ| per controller update (default: max(0.1, ln 100 / updates before the target epoch)). */
        public Builder maxStep(double step) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("SslCompression: maxStep must be finite and > 0, got " + step);
            }
            this.maxStep = step;
            return this;
        }

        /** Sparsify + prune rounds when a parameter or latency budget is not met after the first (default 2). */
        public Builder maxRounds(int rounds) {
            this.maxRounds = atLeast(1, rounds, "maxRounds");
            return this;
        }

        /** Earlier checkpoints tried by the stop rule before returning the dense network (default 2). */
        public Builder maxBackoffs(int n) {
            this.maxBackoffs = atLeast(0, n, "maxBackoffs");
            return this;
        }

        /** Lower convolutions where measured faster at the end (default true). */
        public Builder lowering(boolean lower) {
            this.lowering = lower;
            return this;
        }

        /** Batch size of the latency measurements when the budget is not a latency (default 64). */
        public Builder latencyBatch(int batch) {
            this.latencyBatch = atLeast(1, batch, "latencyBatch");
            return this;
        }

        /** Timed forward passes per latency measurement (median; default 15). */
        public Builder latencyRepeats(int n) {
            this.latencyRepeats = atLeast(1, n, "latencyRepeats");
            return this;
        }

        /** Directory for the checkpoints (one model zip per phase, with updater state, and report.json). */
        public Builder checkpointDir(File dir) {
            this.checkpointDir = dir;
            return this;
        }

        /** Continue from the checkpoints in {@link #checkpointDir} (same network, data and settings). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * How the training phases (control, sparsify, fine-tune) run an epoch (default {@link EpochTrainer#LOCAL}; the
         * Spark module's {@code SparkEpochTrainer} trains on executors). The overhead measurement and the lowered-training
         * probe always train locally: turn them off ({@link #measureOverhead}, {@link #lowerTraining}) with a remote trainer.
         */
        public Builder trainer(EpochTrainer trainer) {
            if (trainer == null) {
                throw new IllegalArgumentException("SslCompression: trainer must not be null");
            }
            this.trainer = trainer;
            return this;
        }

        /** Test hook: train the plain phases lowered without the timing probe (whether it is faster does not matter). */
        Builder lowerTrainingUntimed() {
            this.lowerTraining = true;
            this.lowerTrainingUntimed = true;
            return this;
        }

        /** Test hook: stop (throw) right after the named step's checkpoint, as a killed run would. */
        Builder stopAfter(String step) {
            this.stopAfter = step;
            return this;
        }

        /** Test hook: train lowered whenever {@link #lowerTraining} allows it, without timing which is faster. */
        Builder alwaysLoweredForTest() {
            this.alwaysLowered = true;
            return this;
        }

        private static int atLeast(int min, int v, String what) {
            if (v < min) {
                throw new IllegalArgumentException("SslCompression: " + what + " must be >= " + min + ", got " + v);
            }
            return v;
        }

        String settingsString() {
            return budget.getKind() + ":" + budget.getValue() + ":" + budget.getBatch() + "|" + groups + "|" + sslEpochs + "|" + finetuneEpochs
                    + "|" + maxDrop + "|" + seed + "|" + initialStrength + "|" + candidateThreshold + "|" + tolerance + "|" + targetAt + "|"
                    + frequency + "|" + maxStep + "|" + maxRounds + "|" + maxBackoffs + "|" + lowering + "|" + trajectory + "|" + rankedLead
                    + "|" + finetuneDecay + "|" + lowerTraining + "|" + rankedMaxScale + (normWeightRate ? "|normWeightRate" : "")
                    + (layerStrengthScales.isEmpty() ? "" : "|" + layerStrengthScales);
        }

        public SslCompression build() {
            if (budget == null) {
                throw new IllegalStateException("SslCompression: set a budget (targetMacFraction, or budget(CompressionBudget...))");
            }
            if (inputTypes == null) {
                throw new IllegalStateException("SslCompression: set inputTypes(...) (the network's input types, for the cost model)");
            }
            if (resume && checkpointDir == null) {
                throw new IllegalStateException("SslCompression: resume needs a checkpointDir");
            }
            return new SslCompression(this);
        }
    }
}
