package io.github.dl4jcompress.examples.ssl;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.examples.data.FashionMnist;
import io.github.dl4jcompress.examples.data.ShuffledBatches;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.listeners.SparsityListener;
import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
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
        public int finetuneEpochs = 3;
        public double filterStrength = 2e-3;
        public double channelStrength = 2e-3;
        public double shapeStrength = 1e-3;
        public double denseStrength = 1e-3;
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
        json.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        write(json);
        chart(base, ssl, sslShapes);
        System.out.println(table(base, ssl, sslShapes));
        return json;
    }

    private VariantResult variant(String name, MultiLayerNetwork baseline, long denseMacs, boolean shapes) throws IOException {
        MultiLayerConfiguration conf = LeNet.configuration(s.seed, s.learningRate);
        StructuredSparsity.Builder convs = StructuredSparsity.builder().layers("conv1", "conv2")
                .filters(onThenOff(s.filterStrength)).channels(onThenOff(s.channelStrength));
        if (shapes) {
            convs.shapes(onThenOff(s.shapeStrength));
        }
        convs.build().applyTo(conf);
        if (s.denseStrength > 0) {
            StructuredSparsity.builder().layers("fc1").filters(onThenOff(s.denseStrength)).channels(onThenOff(s.denseStrength)).build().applyTo(conf);
            StructuredSparsity.builder().layers("out").channels(onThenOff(s.denseStrength)).build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(baseline.params().dup(), true);
        SparsityListener sparsity = SparsityListener.builder().frequency(50).inputTypes(LeNet.INPUT).outputDir(s.outputDir, "ssl-lenet-" + name + "-sparsity").build();
        ZeroingListener zeroing = ZeroingListener.builder().threshold(s.zeroThreshold).keepZero(true).frequency(s.zeroingFrequency).build();
        double seconds = train(net, name, s.sslEpochs + s.finetuneEpochs, new Object[]{zeroing, sparsity});
        sparsity.finish();
        NetworkCost cost = new CostModel().of(net, LeNet.INPUT);
        VariantResult r = new VariantResult(accuracy(net), cost, denseMacs, seconds);
        log.info("{}: accuracy {}, effective MACs {}\n{}", name, pct(r.accuracy), pct(r.macsRatio), cost.toTable());
        save(net, "ssl-lenet-" + name + ".zip");
        prune(name, net, r, baseline);
        return r;
    }

    /**
     * Physically removes the zeroed structures (exact zeros only, so outputs are unchanged), checks the outputs on the
     * test set, and measures inference throughput of pruned vs unpruned in this same run.
     */
    private void prune(String name, MultiLayerNetwork net, VariantResult r, MultiLayerNetwork baseline) throws IOException {
        PruneResult<MultiLayerNetwork> pruned = StructuredPruner.builder().threshold(0.0).build().prune(net);
        MultiLayerNetwork small = pruned.network();
        NetworkCost cost = new CostModel().of(small, LeNet.INPUT);
        r.prunedMacs = cost.getMacs();
        r.prunedParams = cost.getParams();
        r.prunedAccuracy = accuracy(small);
        DataSet probe = (DataSet) test.getRange(0, Math.min(1000, test.numExamples()));
        org.nd4j.linalg.api.ndarray.INDArray a = net.output(probe.getFeatures(), false);
        org.nd4j.linalg.api.ndarray.INDArray b = small.output(probe.getFeatures(), false);
        r.prunedMaxAbsDiff = a.sub(b).amaxNumber().doubleValue();
        r.inferenceBatch = s.batch;
        double dense = InferenceTimer.examplesPerSecond(baseline, probe.getFeatures(), s.batch, s.inferenceSeconds);
        double fast = InferenceTimer.examplesPerSecond(small, probe.getFeatures(), s.batch, s.inferenceSeconds);
        r.inferenceSpeedup = fast / dense;
        log.info("{} pruned: {} -> MACs {} ({} of baseline), params {}, accuracy {}, max |diff| {}, inference {} vs {} ex/s = {}x\n{}\n{}",
                name, pruned.report().paramsBefore(), r.prunedMacs, pct((double) r.prunedMacs / denseMacsOf(baseline)), r.prunedParams,
                pct(r.prunedAccuracy), r.prunedMaxAbsDiff, Math.round(fast), Math.round(dense), String.format("%.2f", r.inferenceSpeedup),
                pruned.report(), cost.toTable());
        save(small, "ssl-lenet-" + name + "-pruned.zip");
    }

    private long denseMacsOf(MultiLayerNetwork net) {
        return new CostModel().of(net, LeNet.INPUT).getMacs();
    }

    /** λ for the first sslEpochs epochs, then 0 while fine-tuning. */
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

    private void chart(VariantResult base, VariantResult ssl, VariantResult sslShapes) throws IOException {
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        Map<String, VariantResult> all = new LinkedHashMap<>();
        all.put("baseline", base);
        all.put("ssl (filters+channels)", ssl);
        all.put("ssl (+shapes)", sslShapes);
        all.forEach((name, r) -> {
            Map<String, Double> cols = new LinkedHashMap<>();
            cols.put("conv1 filters", (double) r.filters[0]);
            cols.put("conv2 filters", (double) r.filters[1]);
            cols.put("conv2 channels", (double) r.channels[1]);
            cols.put("conv2 shapes/10", r.shapes[1] / 10.0);
            cols.put("fc1 units/10", r.fcUnits[0] / 10.0);
            cols.put("MACs %", 100 * r.macsRatio);
            rows.put(name, cols);
        });
        Charts.bars(new File(s.outputDir, "ssl-lenet.png"), "SSL LeNet on Fashion-MNIST: structures kept", "", "kept", rows);
    }

    static String table(VariantResult base, VariantResult ssl, VariantResult sslShapes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n%-12s %9s %9s %9s %9s %9s %9s %8s %10s %10s %9s %11s %9s%n", "variant", "conv1 F", "conv1 C", "conv2 F", "conv2 C",
                "conv2 S", "fc1 units", "MACs %", "MACs", "params", "accuracy", "pruned MACs", "speedup"));
        for (Map.Entry<String, VariantResult> e : Map.of("baseline", base, "ssl", ssl, "sslShapes", sslShapes).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            VariantResult r = e.getValue();
            sb.append(String.format("%-12s %9d %9d %9d %9d %9d %9d %7.1f%% %10d %10d %8.2f%% %11s %9s%n", e.getKey(), r.filters[0], r.channels[0], r.filters[1],
                    r.channels[1], r.shapes[1], r.fcUnits[0], 100 * r.macsRatio, r.macs, r.params, 100 * r.accuracy,
                    r.prunedMacs == null ? "-" : String.valueOf(r.prunedMacs), r.inferenceSpeedup == null ? "-" : String.format("%.2fx", r.inferenceSpeedup)));
        }
        return sb.toString();
    }

    private static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }
}
