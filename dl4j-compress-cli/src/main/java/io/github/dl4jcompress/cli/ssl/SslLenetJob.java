package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.listeners.SparsityListener;
import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
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
 * The SSL LeNet main job: a dense baseline, then two Group Lasso variants fine-tuned from it (filters + channels;
 * filters + channels + shapes), each trained with the strength on for {@code sslEpochs} epochs and off for
 * {@code finetuneEpochs} (zeroed groups kept at zero), and the paper-style table of what they keep.
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
        public int finetuneEpochs = 6;
        public double filterStrength = 0.04;
        public double channelStrength = 0.04;
        public double shapeStrength = 0.01;
        public double denseStrength = 0.004;
        public double conv1Scale = 0.4;
        public double zeroThreshold = 1e-2;
        public int trainLimit = 0;
        public File outputDir = new File("results");
        public boolean shapesVariant = true;
        public int zeroingFrequency = 10;
        public double inferenceSeconds = 5;
        public File baselineModel;
    }

    private final Settings s;
    private final FashionMnist data;
    private final DataSet train;
    private final DataSet test;

    public SslLenetJob(Settings settings, FashionMnist data) {
        this.s = settings;
        this.data = data;
        DataSet t = data.train();
        this.train = s.trainLimit > 0 && s.trainLimit < t.numExamples() ? (DataSet) t.getRange(0, s.trainLimit) : t;
        this.test = data.test();
    }

    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        CostModel costModel = new CostModel();
        log.info("Data: {} — {} train / {} test examples", data.source(), train.numExamples(), test.numExamples());

        MultiLayerNetwork baseline;
        double baseSeconds = 0;
        if (s.baselineModel != null) {
            baseline = ModelSerializer.restoreMultiLayerNetwork(s.baselineModel, true);
            log.info("Baseline restored from {} (not retrained)", s.baselineModel);
        } else {
            baseline = new MultiLayerNetwork(LeNet.configuration(s.seed, s.learningRate));
            baseline.init();
            baseSeconds = train(baseline, "baseline", s.baselineEpochs, null);
        }
        NetworkCost baseCost = costModel.of(baseline, LeNet.INPUT);
        VariantResult base = new VariantResult(accuracy(baseline), baseCost, baseCost.getMacs(), baseSeconds);
        log.info("Baseline: accuracy {}\n{}", pct(base.accuracy), baseCost.toTable());
        save(baseline, "ssl-lenet-baseline.zip");

        VariantResult ssl = variant("ssl", baseline, baseCost.getMacs(), false);
        VariantResult sslShapes = s.shapesVariant ? variant("sslShapes", baseline, baseCost.getMacs(), true) : ssl;

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", data.source());
        json.put("examples", Map.of("train", train.numExamples(), "test", test.numExamples()));
        json.put("settings", s);
        json.put("baseline", base);
        json.put("ssl", ssl);
        json.put("sslShapes", sslShapes);
        json.put("notes", List.of(
                "ssl/sslShapes rows describe the final network: Group Lasso from the baseline, zeroed groups physically removed by "
                        + "StructuredPruner (outputs unchanged, prunedMaxAbsDiff), then fine-tuned with the strength at 0",
                "macs/params: the pruned network as DL4J runs it; effectiveMacs: also without its remaining all-zero kernel shapes "
                        + "(DL4J's convolution cannot skip them); sparseEffectiveMacs: the cost model's count on the unpruned sparse network",
                "inferenceSpeedup: examples/s of the pruned network over the baseline, same process, same batch, OMP_NUM_THREADS="
                        + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)")));
        json.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        write(json);
        chart(new File(s.outputDir, "ssl-lenet.json"), new File(s.outputDir, "ssl-lenet.png"));
        System.out.println(table(base, ssl, sslShapes));
        return json;
    }

    /**
     * One SSL variant: Group Lasso from the baseline's weights for sslEpochs (small groups zeroed and kept at zero),
     * then the zeroed structures are removed by the pruner (exact: outputs unchanged) and the smaller network is
     * fine-tuned with the strength at 0 for finetuneEpochs. The row describes the final, pruned network.
     */
    private VariantResult variant(String name, MultiLayerNetwork baseline, long denseMacs, boolean shapes) throws IOException {
        MultiLayerConfiguration conf = LeNet.configuration(s.seed, s.learningRate);
        // conv1's filters are groups of only 25 weights: it gets conv1Scale times the strength, so it is not emptied first
        for (String layer : List.of("conv1", "conv2")) {
            double scale = layer.equals("conv1") ? s.conv1Scale : 1.0;
            StructuredSparsity.Builder convs = StructuredSparsity.builder().layers(layer)
                    .filters(onThenOff(scale * s.filterStrength)).channels(onThenOff(scale * s.channelStrength));
            if (shapes) {
                convs.shapes(onThenOff(scale * s.shapeStrength));
            }
            convs.build().applyTo(conf);
        }
        if (s.denseStrength > 0) {
            StructuredSparsity.builder().layers("fc1").filters(onThenOff(s.denseStrength)).channels(onThenOff(s.denseStrength)).build().applyTo(conf);
            StructuredSparsity.builder().layers("out").channels(onThenOff(s.denseStrength)).build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(baseline.params().dup(), true);
        SparsityListener sparsity = SparsityListener.builder().frequency(50).inputTypes(LeNet.INPUT).outputDir(s.outputDir, "ssl-lenet-" + name + "-sparsity").build();
        ZeroingListener zeroing = ZeroingListener.builder().threshold(s.zeroThreshold).keepZero(true).frequency(s.zeroingFrequency).build();
        double seconds = train(net, name, s.sslEpochs, new Object[]{zeroing, sparsity});
        sparsity.finish();
        NetworkCost sparseCost = new CostModel().of(net, LeNet.INPUT);
        double sparseAccuracy = accuracy(net);
        log.info("{} after Group Lasso: accuracy {}, effective MACs {}\n{}", name, pct(sparseAccuracy), pct(sparseCost.effectiveMacRatio()), sparseCost.toTable());
        save(net, "ssl-lenet-" + name + ".zip");

        PruneResult<MultiLayerNetwork> pruned = StructuredPruner.builder().threshold(0.0).build().prune(net);
        MultiLayerNetwork small = pruned.network();
        DataSet probe = (DataSet) test.getRange(0, Math.min(1000, test.numExamples()));
        double maxAbsDiff = net.output(probe.getFeatures(), false).sub(small.output(probe.getFeatures(), false)).amaxNumber().doubleValue();
        log.info("{} pruned: params {} -> {}, max |output difference| on {} test images {}\n{}", name, pruned.report().paramsBefore(),
                pruned.report().paramsAfter(), probe.numExamples(), maxAbsDiff, pruned.report());
        if (s.finetuneEpochs > 0) {
            seconds += train(small, name + " fine-tune (pruned)", s.finetuneEpochs, null);
        }
        NetworkCost cost = new CostModel().of(small, LeNet.INPUT);
        VariantResult r = new VariantResult(accuracy(small), cost, denseMacs, seconds);
        r.sparseAccuracy = sparseAccuracy;
        r.sparseEffectiveMacs = sparseCost.getEffectiveMacs();
        r.prunedMaxAbsDiff = maxAbsDiff;
        r.inferenceBatch = s.batch;
        double dense = InferenceTimer.examplesPerSecond(baseline, probe.getFeatures(), s.batch, s.inferenceSeconds);
        double fast = InferenceTimer.examplesPerSecond(small, probe.getFeatures(), s.batch, s.inferenceSeconds);
        r.inferenceSpeedup = fast / dense;
        INDArray timingBatch = probe.getFeatures().get(NDArrayIndex.interval(0, Math.min(s.batch, probe.numExamples())), NDArrayIndex.all()).dup();
        PruneResult<MultiLayerNetwork> lowered = StructuredPruner.builder().threshold(0.0)
                .lowerConvolutions(LoweringMode.IF_FASTER, timingBatch).build().prune(small);
        r.lowering = lowered.report().lowering().stream().map(Object::toString).collect(java.util.stream.Collectors.toList());
        r.loweredMaxAbsDiff = small.output(probe.getFeatures(), false).sub(lowered.network().output(probe.getFeatures(), false))
                .amaxNumber().doubleValue();
        double fastest = InferenceTimer.examplesPerSecond(lowered.network(), probe.getFeatures(), s.batch, s.inferenceSeconds);
        r.inferenceSpeedupLowered = fastest / dense;
        log.info("{}: with lowered convolutions {} examples/s = {}x the dense baseline; {}", name, Math.round(fastest),
                String.format("%.2f", r.inferenceSpeedupLowered), r.lowering);
        log.info("{}: final accuracy {}, MACs {} ({} of baseline), inference {} vs {} examples/s at batch {} = {}x\n{}", name, pct(r.accuracy),
                r.macs, pct(r.macsRatio), Math.round(fast), Math.round(dense), s.batch, String.format("%.2f", r.inferenceSpeedup), cost.toTable());
        save(small, "ssl-lenet-" + name + "-pruned.zip");
        return r;
    }

    /** λ during the Group Lasso epochs, 0 afterwards (the pruned network keeps its epoch count while fine-tuning). */
    private ISchedule onThenOff(double strength) {
        return new MapSchedule.Builder(ScheduleType.EPOCH).add(0, strength).add(s.sslEpochs, 0.0).build();
    }

    private double train(MultiLayerNetwork net, String label, int epochs, Object[] extra) {
        ShuffledBatches batches = new ShuffledBatches(train, s.batch, s.seed, true);
        java.util.List<org.deeplearning4j.optimize.api.TrainingListener> listeners = new java.util.ArrayList<>();
        if (extra != null) {
            for (Object o : extra) {
                listeners.add((org.deeplearning4j.optimize.api.TrainingListener) o);
            }
        }
        listeners.add(new ProgressListener(label, epochs, batches.batchesPerEpoch(), s.batch, 50));
        net.setListeners(listeners);
        long t = System.nanoTime();
        net.fit(batches, epochs);
        return (System.nanoTime() - t) / 1e9;
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
        Charts.bars(png, "SSL LeNet on " + root.get("dataset") + ": kept filters (F), channels (C), shapes (S)", "", "kept", rows);
    }

    static String table(VariantResult base, VariantResult ssl, VariantResult sslShapes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n%-12s %9s %9s %9s %9s %9s %9s %8s %10s %10s %9s %11s %9s %9s%n", "variant", "conv1 F", "conv1 C", "conv2 F", "conv2 C",
                "conv2 S", "fc1 units", "MACs %", "MACs", "params", "accuracy", "eff. MACs", "speedup", "lowered"));
        for (Map.Entry<String, VariantResult> e : Map.of("baseline", base, "ssl", ssl, "sslShapes", sslShapes).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            VariantResult r = e.getValue();
            sb.append(String.format("%-12s %9d %9d %9d %9d %9d %9d %7.1f%% %10d %10d %8.2f%% %11s %9s %9s%n", e.getKey(), r.filters[0], r.channels[0], r.filters[1],
                    r.channels[1], r.shapes[1], r.fcUnits[0], 100 * r.macsRatio, r.macs, r.params, 100 * r.accuracy,
                    r.effectiveMacs, r.inferenceSpeedup == null ? "-" : String.format("%.2fx", r.inferenceSpeedup),
                    r.inferenceSpeedupLowered == null ? "-" : String.format("%.2fx", r.inferenceSpeedupLowered)));
        }
        return sb.toString();
    }

    private static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }
}
