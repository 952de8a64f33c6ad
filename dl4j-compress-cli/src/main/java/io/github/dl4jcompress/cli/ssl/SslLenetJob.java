package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.layers.Lowering;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SSL LeNet main job, a thin use of {@link SslCompression}: a dense baseline trained on 90% of the training data
 * (the other 10% is the validation set the procedure's stop rule sees), then the procedure to a MAC budget within a
 * maximum accuracy drop — Group Lasso on filters + channels (and, with {@code shapesVariant}, + kernel shapes),
 * auto-λ, exact pruning, fine-tuning — and the paper-style table of what each variant keeps, with the control (the
 * dense network trained as many extra epochs). Accuracies in the table and JSON are on the test set.
 */
public final class SslLenetJob {

    private static final Logger log = LoggerFactory.getLogger(SslLenetJob.class);

    /** Settings of one run; defaults are the ones the README reports. */
    public static final class Settings {
        public long seed = 12345;
        public int batch = 64;
        public double learningRate = 0.01;
        public int baselineEpochs = 8;
        public int sslEpochs = 6;
        public int finetuneEpochs = 10;
        public double targetMacs = 0.15;
        public double maxDrop = 0.005;
        /** SslCompression.Builder#initialStrength; null = the procedure's default. */
        public Double initialStrength;
        /** SslCompression.Builder#layerStrengthScale of conv1; null = 1 (conv1 as every layer). */
        public Double conv1Scale;
        /** SslCompression.Builder#rankedMaxScale; null = the procedure's default (1: λ never grows past λ0). */
        public Double rankedMaxScale;
        public double validationFraction = 0.1;
        public int trainLimit = 0;
        public File outputDir = new File("results");
        public boolean shapesVariant = false;
        public double inferenceSeconds = 5;
        public boolean resume = false;
        public File baselineModel;
        /** Stop after training and saving the baseline. */
        public boolean baselineOnly;
    }

    private final Settings s;
    private final FashionMnist data;
    private final DataSet train;
    private final DataSet validation;
    private final DataSet test;

    public SslLenetJob(Settings settings, FashionMnist data) {
        this.s = settings;
        this.data = data;
        DataSet t = data.train();
        DataSet all = s.trainLimit > 0 && s.trainLimit < t.numExamples() ? (DataSet) t.getRange(0, s.trainLimit) : t;
        int nVal = (int) Math.round(all.numExamples() * s.validationFraction);
        this.train = (DataSet) all.getRange(0, all.numExamples() - nVal);
        this.validation = (DataSet) all.getRange(all.numExamples() - nVal, all.numExamples());
        this.test = data.test();
    }

    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        CostModel costModel = new CostModel();
        log.info("Data: {} — {} train / {} validation / {} test examples", data.source(), train.numExamples(), validation.numExamples(),
                test.numExamples());

        MultiLayerNetwork baseline;
        double baseSeconds = 0;
        if (s.baselineModel != null) {
            baseline = ModelSerializer.restoreMultiLayerNetwork(s.baselineModel, true);
            log.info("Baseline restored from {} (not retrained)", s.baselineModel);
        } else {
            // trained with lowered (GEMM) convolutions — same results as DL4J's layers to ~1e-5, several times faster here —
            // and restored to DL4J's layers for the procedure (the pruner reads those)
            baseline = new MultiLayerNetwork(Lowering.lower(LeNet.configuration(s.seed, s.learningRate)));
            baseline.init();
            ShuffledBatches batches = new ShuffledBatches(train, s.batch, s.seed, true);
            baseline.setListeners(new ProgressListener("baseline", s.baselineEpochs, batches.batchesPerEpoch(), s.batch, 50));
            long tb = System.nanoTime();
            baseline.fit(batches, s.baselineEpochs);
            baseSeconds = (System.nanoTime() - tb) / 1e9;
            baseline.setListeners();
            baseline = Lowering.restore(baseline);
        }
        NetworkCost baseCost = costModel.of(baseline, LeNet.INPUT);
        VariantResult base = new VariantResult(accuracy(baseline), baseCost, baseCost.getMacs(), baseSeconds);
        log.info("Baseline: test accuracy {}\n{}", pct(base.accuracy), baseCost.toTable());
        save(baseline, "ssl-lenet-baseline.zip");
        if (s.baselineOnly) {
            log.info("Saved {} (--baseline-only)", new File(s.outputDir, "ssl-lenet-baseline.zip"));
            return Map.of("baseline", base);
        }

        Map<String, Object> control = new LinkedHashMap<>();
        Map<String, Object> procedure = new LinkedHashMap<>();
        VariantResult ssl = variant("ssl", baseline, baseCost.getMacs(), control, procedure, GroupKind.FILTER, GroupKind.CHANNEL);
        VariantResult sslShapes = s.shapesVariant
                ? variant("sslShapes", baseline, baseCost.getMacs(), new LinkedHashMap<>(), procedure, GroupKind.FILTER, GroupKind.CHANNEL, GroupKind.SHAPE)
                : ssl;

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", data.source());
        json.put("examples", Map.of("train", train.numExamples(), "validation", validation.numExamples(), "test", test.numExamples()));
        json.put("settings", s);
        json.put("target", Map.of("macFraction", s.targetMacs, "maxDrop", s.maxDrop));
        json.put("baseline", base);
        json.put("control", control);
        json.put("ssl", ssl);
        json.put("sslShapes", sslShapes);
        json.put("procedure", procedure);
        json.put("notes", List.of(
                "ssl/sslShapes rows describe the network SslCompression returned: Group Lasso from the baseline steered by auto-λ to "
                        + "target.macFraction, zeroed groups physically removed by StructuredPruner (outputs unchanged, prunedMaxAbsDiff), "
                        + "fine-tuned with the regularizers off and zeros kept; the stop rule (target.maxDrop below the better of baseline "
                        + "and control on the validation split) may back off to more MACs: see procedure.*.status",
                "accuracy: test set (never seen by the procedure); control: the baseline trained as many extra epochs (sslEpochs + "
                        + "finetuneEpochs) without Group Lasso",
                s.shapesVariant ? "sslShapes adds kernel-shape groups" : "sslShapes was not run (--shapes to run it): it repeats ssl",
                "macs/params: the pruned network as DL4J runs it; effectiveMacs: also without its remaining all-zero kernel shapes "
                        + "(DL4J's convolution cannot skip them)",
                "inferenceSpeedup: dense over pruned forward time at batch " + s.batch + ", same process (SslCompression's measurement); "
                        + "OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)")));
        json.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        write(json);
        chart(new File(s.outputDir, "ssl-lenet.json"), new File(s.outputDir, "ssl-lenet.png"));
        System.out.println(table(base, ((Number) control.get("accuracy")).doubleValue(), ssl, sslShapes));
        return json;
    }

    /** One variant: the procedure with the given group kinds; the row describes the network it returns. */
    private VariantResult variant(String name, MultiLayerNetwork baseline, long denseMacs, Map<String, Object> control,
                                  Map<String, Object> procedure, GroupKind... kinds) throws IOException {
        SslCompression.Builder builder = SslCompression.builder()
                .targetMacFraction(s.targetMacs).maxAccuracyDrop(s.maxDrop).groups(kinds)
                .sslEpochs(s.sslEpochs).finetuneEpochs(s.finetuneEpochs).seed(s.seed)
                .inputTypes(LeNet.INPUT).latencyBatch(s.batch).lowering(false)
                .checkpointDir(checkpoints(name)).resume(s.resume);
        if (s.initialStrength != null) {
            builder.initialStrength(s.initialStrength);
        }
        if (s.conv1Scale != null) {
            builder.layerStrengthScale("conv1", s.conv1Scale);
        }
        if (s.rankedMaxScale != null) {
            builder.rankedMaxScale(s.rankedMaxScale);
        }
        CompressionResult<MultiLayerNetwork> out = builder.build()
                .compress(baseline, new ShuffledBatches(train, s.batch, s.seed, true), new ShuffledBatches(validation, 500, 0, false),
                        new ShuffledBatches(test, 500, 0, false));
        CompressionReport rep = out.report();
        MultiLayerNetwork small = out.network();
        CompressionReport.Round round = rep.rounds.get(rep.rounds.size() - 1);
        double seconds = rep.phases.stream().filter(p -> !p.name.equals("control")).mapToDouble(p -> p.seconds).sum();
        VariantResult r = new VariantResult(rep.result.testAccuracy, new CostModel().of(small, LeNet.INPUT), denseMacs, seconds);
        r.sparseAccuracy = round.sparseAccuracy;
        r.prunedMaxAbsDiff = round.prunedMaxAbsDiff;
        r.inferenceSpeedup = rep.speedup;
        r.inferenceBatch = s.batch;
        DataSet probe = (DataSet) test.getRange(0, Math.min(1000, test.numExamples()));
        INDArray timingBatch = probe.getFeatures().get(NDArrayIndex.interval(0, Math.min(s.batch, probe.numExamples())), NDArrayIndex.all()).dup();
        PruneResult<MultiLayerNetwork> lowered = StructuredPruner.builder().threshold(0.0)
                .lowerConvolutions(LoweringMode.IF_FASTER, timingBatch).build().prune(small);
        r.lowering = lowered.report().lowering().stream().map(Object::toString).collect(java.util.stream.Collectors.toList());
        r.loweredMaxAbsDiff = small.output(probe.getFeatures(), false).sub(lowered.network().output(probe.getFeatures(), false))
                .amaxNumber().doubleValue();
        double dense = InferenceTimer.examplesPerSecond(baseline, probe.getFeatures(), s.batch, s.inferenceSeconds);
        double fastest = InferenceTimer.examplesPerSecond(lowered.network(), probe.getFeatures(), s.batch, s.inferenceSeconds);
        r.inferenceSpeedupLowered = fastest / dense;
        if (control.isEmpty()) {
            control.put("accuracy", rep.control.testAccuracy);
            control.put("validationAccuracy", rep.control.accuracy);
            control.put("epochs", s.sslEpochs + s.finetuneEpochs);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("status", rep.status);
        p.put("validationDrop", rep.drop);
        p.put("backedOff", rep.backedOff);
        p.put("notes", rep.notes);
        p.put("overhead", rep.overhead);
        p.put("rounds", rep.rounds);
        p.put("phases", rep.phases);
        p.put("baselineValidationAccuracy", rep.baseline.accuracy);
        p.put("controlValidationAccuracy", rep.control.accuracy);
        p.put("resultValidationAccuracy", rep.result.accuracy);
        procedure.put(name, p);
        writeHistory(name, rep);
        log.info("{}: {} — test accuracy {}, MACs {} ({} of baseline), speedup {}x (lowered {}x)\n{}", name, rep.status, pct(r.accuracy), r.macs,
                pct(r.macsRatio), String.format("%.2f", r.inferenceSpeedup), String.format("%.2f", r.inferenceSpeedupLowered),
                new CostModel().of(small, LeNet.INPUT).toTable());
        save(small, "ssl-lenet-" + name + "-pruned.zip");
        return r;
    }

    private File checkpoints(String name) {
        File dir = new File(s.outputDir, "ssl-lenet-" + name + "-checkpoints");
        dir.mkdirs();
        return dir;
    }

    /** The controller's MAC fraction vs reference over the iterations, as results/ssl-lenet-NAME-sparsity.png. */
    private void writeHistory(String name, CompressionReport rep) throws IOException {
        List<double[]> mac = new java.util.ArrayList<>();
        List<double[]> ref = new java.util.ArrayList<>();
        for (CompressionReport.Step st : rep.history) {
            mac.add(new double[]{st.iteration, st.macFraction});
            ref.add(new double[]{st.iteration, st.reference});
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("exact MAC fraction (pruned)", mac);
        series.put("reference trajectory", ref);
        Charts.line(new File(s.outputDir, "ssl-lenet-" + name + "-sparsity.png"), "SSL LeNet " + name + ": MAC fraction under auto-λ",
                "iteration", "MAC fraction of the dense network", series);
    }

    private double accuracy(MultiLayerNetwork net) {
        Evaluation eval = new Evaluation(FashionMnist.CLASSES);
        ShuffledBatches batches = new ShuffledBatches(test, 500, 0, false);
        while (batches.hasNext()) {
            DataSet ds = batches.next();
            eval.eval(ds.getLabels(), net.output(ds.getFeatures(), false));
        }
        return eval.accuracy();
    }

    private void save(MultiLayerNetwork net, String file) throws IOException {
        s.outputDir.mkdirs();
        ModelSerializer.writeModel(net, new File(s.outputDir, file), true);
    }

    private void write(Map<String, Object> json) throws IOException {
        s.outputDir.mkdirs();
        File f = new File(s.outputDir, "ssl-lenet.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setVisibility(org.nd4j.shade.jackson.annotation.PropertyAccessor.FIELD, org.nd4j.shade.jackson.annotation.JsonAutoDetect.Visibility.PUBLIC_ONLY)
                .writeValue(f, json);
        log.info("Wrote {}", f);
    }

    /** Draws results/ssl-lenet.png from the JSON written by {@link #run()} (also used by {@code --replot}). */
    @SuppressWarnings("unchecked")
    public static void chart(File json, File png) throws IOException {
        Map<String, Object> root = new ObjectMapper().readValue(json, Map.class);
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        names.put("baseline", "baseline");
        names.put("ssl", "SSL filters+channels");
        names.put("sslShapes", "SSL +shapes");
        Object controlAccuracy = ((Map<String, Object>) root.getOrDefault("control", Map.of())).get("accuracy");
        names.forEach((key, label) -> {
            Map<String, Object> r = (Map<String, Object>) root.get(key);
            List<Number> filters = (List<Number>) r.get("filters");
            List<Number> channels = (List<Number>) r.get("channels");
            List<Number> shapes = (List<Number>) r.get("shapes");
            List<Number> fc = (List<Number>) r.get("fcUnits");
            Map<String, Double> cols = new LinkedHashMap<>();
            cols.put("conv1 F", filters.get(0).doubleValue());
            cols.put("conv2 F", filters.get(1).doubleValue());
            cols.put("conv2 C", channels.get(1).doubleValue());
            cols.put("conv2 S/10", shapes.get(1).doubleValue() / 10);
            cols.put("fc1/10", fc.get(0).doubleValue() / 10);
            cols.put("MACs %", 100 * ((Number) r.get("macsRatio")).doubleValue());
            cols.put("acc. % - 50", 100 * ((Number) r.get("accuracy")).doubleValue() - 50);
            rows.put(label, cols);
        });
        if (controlAccuracy instanceof Number) {
            Map<String, Double> cols = new LinkedHashMap<>();
            rows.values().iterator().next().keySet().forEach(k -> cols.put(k, 0.0));
            cols.put("acc. % - 50", 100 * ((Number) controlAccuracy).doubleValue() - 50);
            rows.put("control (dense, same epochs)", cols);
        }
        Charts.bars(png, "SSL LeNet on " + root.get("dataset") + ": kept filters (F), channels (C), shapes (S)", "", "kept", rows);
    }

    static String table(VariantResult base, double controlAccuracy, VariantResult ssl, VariantResult sslShapes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n%-12s %9s %9s %9s %9s %9s %9s %8s %10s %10s %9s %9s %11s %9s %9s%n", "variant", "conv1 F", "conv1 C", "conv2 F", "conv2 C",
                "conv2 S", "fc1 units", "MACs %", "MACs", "params", "accuracy", "control", "eff. MACs", "speedup", "lowered"));
        for (Map.Entry<String, VariantResult> e : Map.of("baseline", base, "ssl", ssl, "sslShapes", sslShapes).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            VariantResult r = e.getValue();
            sb.append(String.format("%-12s %9d %9d %9d %9d %9d %9d %7.1f%% %10d %10d %8.2f%% %8.2f%% %11s %9s %9s%n", e.getKey(), r.filters[0], r.channels[0], r.filters[1],
                    r.channels[1], r.shapes[1], r.fcUnits[0], 100 * r.macsRatio, r.macs, r.params, 100 * r.accuracy, 100 * controlAccuracy,
                    r.effectiveMacs, r.inferenceSpeedup == null ? "-" : String.format("%.2fx", r.inferenceSpeedup),
                    r.inferenceSpeedupLowered == null ? "-" : String.format("%.2fx", r.inferenceSpeedupLowered)));
        }
        return sb.toString();
    }

    private static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }
}
