package io.github.dl4jcompress.cli.truenorth;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.EpochsOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.regularization.BinaryPush;
import io.github.dl4jcompress.truenorth.CoreModel;
import io.github.dl4jcompress.truenorth.FullScaleClip;
import io.github.dl4jcompress.truenorth.SynapseMapping;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc truenorth}: trains an MLP on Fashion-MNIST (the baseline), fine-tunes a copy of it with the binary-push
 * penalty (Wen et al.'s flow: per-layer full scale {@code c_l} = a quantile of the baseline's {@code |w|}, weights
 * clipped to {@code [−c_l, c_l]} by {@link FullScaleClip}, push strength ramped linearly by epoch with a
 * {@link MapSchedule}), and evaluates both as TrueNorth would run them over copies k and spikes s ∈ {1,2,4,8,16}, with
 * core counts and latency. A control — the baseline trained plain for as many more epochs — is reported in float.
 * {@code savings}: for the best accuracy the plain network reaches in the grid, the smallest k×s at which each network
 * reaches it (k×s is the product of the hardware and the time cost), and their ratio.
 */
@Command(name = "truenorth", mixinStandardHelpOptions = true,
        description = "Binary-push vs plain training evaluated on a simulated TrueNorth over copies x spikes.")
public final class TrueNorthCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TrueNorthCommand.class);

    @Mixin
    DataOption dataOption;

    @Mixin
    OutputDirOption outOption;

    /** Plain training epochs of the baseline. */
    @Mixin
    EpochsOption epochsOption = new EpochsOption(10);

    @Mixin
    SeedOption seedOption = new SeedOption(7);




    @Option(names = "--finetune-epochs", description = "binary-push fine-tuning epochs starting from the baseline (default ${DEFAULT-VALUE})", defaultValue = "10")
    int finetuneEpochs;

    @Option(names = "--hidden", description = "hidden ReLU units (default ${DEFAULT-VALUE})", defaultValue = "256")
    int hidden;

    @Option(names = "--push", description = "binary-push strength reached after the ramp (default ${DEFAULT-VALUE})", defaultValue = "5e-4")
    double push;

    @Option(names = "--ramp-epochs", description = "the push strength grows linearly over this many fine-tuning epochs "
            + "(epoch j of the ramp: push*(j+1)/ramp; default ${DEFAULT-VALUE})", defaultValue = "4")
    int rampEpochs;

    @Option(names = "--quantile", description = "per-layer full scale c = this quantile of the plain network's |w| "
            + "(weights clipped to [-c, c] while pushing; default ${DEFAULT-VALUE})", defaultValue = "0.95")
    double quantile;

    @Option(names = "--full-scale", description = "a fixed full scale c for every layer instead of the quantile (0 = use --quantile; default ${DEFAULT-VALUE})", defaultValue = "0")
    double fullScale;

    @Option(names = "--calibration-quantile", description = "simulator: a hidden layer's rate scale is this quantile of its "
            + "positive float activations on 1000 training images (1 = the maximum; default ${DEFAULT-VALUE})", defaultValue = "0.99")
    double calibrationQuantile;

    @Option(names = "--lr", description = "Nesterov learning rate (default ${DEFAULT-VALUE})", defaultValue = "0.01")
    double lr;

    @Option(names = "--finetune-lr", description = "Nesterov learning rate of the binary-push fine-tuning and of the control "
            + "(0 = --lr; default ${DEFAULT-VALUE})", defaultValue = "0.005")
    double finetuneLr;

    @Option(names = "--test-limit", description = "evaluate on the first N test examples (0 = all; default ${DEFAULT-VALUE})", defaultValue = "0")
    int testLimit;


    private static final int[] GRID = {1, 2, 4, 8, 16};

    @Override
    public Integer call() throws Exception {
        int epochs = epochsOption.epochs();
        long seed = seedOption.seed();
        File out = outOption.dir();
        if (finetuneEpochs < 1 || rampEpochs < 1 || rampEpochs > finetuneEpochs) {
            throw new IllegalArgumentException("truenorth: need --finetune-epochs >= 1 and 1 <= --ramp-epochs <= "
                    + "--finetune-epochs; got " + finetuneEpochs + ", " + rampEpochs);
        }
        if (!(quantile > 0 && quantile <= 1) || !(calibrationQuantile > 0 && calibrationQuantile <= 1) || !(push >= 0)
                || !(fullScale >= 0)) {
            throw new IllegalArgumentException("truenorth: need 0 < --quantile <= 1, 0 < --calibration-quantile <= 1, --push >= 0, "
                    + "--full-scale >= 0; got " + quantile + ", " + calibrationQuantile + ", " + push + ", " + fullScale);
        }
        FashionMnist fm = dataOption.load();
        DataSet test = testLimit > 0 && testLimit < fm.test().numExamples() ? (DataSet) fm.test().getRange(0, testLimit) : fm.test();
        MultiLayerNetwork plain = plainNetwork();
        fit(plain, fm.train(), epochs, seed, "baseline (plain), epochs 1-" + epochs);
        double[] scales = fullScales(plain);
        MultiLayerNetwork pushed = withBinaryPush(plain, scales);
        fit(pushed, fm.train(), finetuneEpochs, seed + 1, "binary-push fine-tune");
        // control: the baseline trained plain for as many further epochs, so extra training alone is visible
        MultiLayerNetwork continued = plain.clone();
        if (finetuneLr > 0) {
            continued.setLearningRate(finetuneLr);
        }
        fit(continued, fm.train(), finetuneEpochs, seed + 1, "control: plain, " + finetuneEpochs + " more epochs");
        double continuedAccuracy = accuracy(continued, test);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", fm.source());
        Map<String, Object> examples = new LinkedHashMap<>();
        examples.put("train", fm.train().numExamples());
        examples.put("test", test.numExamples());
        json.put("examples", examples);
        json.put("network", "784-" + hidden + "-10 MLP, ReLU, Nesterov " + lr + "/0.9, batch 64");
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("baseline", "plain, " + epochs + " epochs");
        training.put("binaryPush", "fine-tuned from the baseline: " + finetuneEpochs + " epochs with BinaryPush, strength ramped "
                + "linearly to " + push + " over " + rampEpochs + " epochs, weights clipped to the full scale (updater state kept)");
        training.put("controlPlainContinuedFloat", continuedAccuracy);
        training.put("controlPlainContinued", "the baseline trained plain for " + finetuneEpochs + " more epochs (same batches as the fine-tune), float accuracy only");
        training.put("finetuneLearningRate", finetuneLr > 0 ? finetuneLr : lr);
        training.put("push", push);
        training.put("rampEpochs", rampEpochs);
        training.put("fullScaleRule", fullScale > 0 ? "fixed " + fullScale : "quantile " + quantile + " of the baseline's |w| per layer");
        training.put("fullScales", scales);
        json.put("training", training);
        Map<String, Object> simulator = new LinkedHashMap<>();
        simulator.put("seed", seed);
        simulator.put("calibrationImages", 1000);
        simulator.put("calibrationQuantile", calibrationQuantile);
        json.put("simulator", simulator);
        Map<String, Object> floatAccuracy = new LinkedHashMap<>();
        floatAccuracy.put("baseline", accuracy(plain, test));
        floatAccuracy.put("binaryPush", accuracy(pushed, test));
        json.put("float", floatAccuracy);
        log.info("Control: baseline + {} plain epochs: float accuracy {}", finetuneEpochs, pct(continuedAccuracy));
        log.info("Float accuracy: plain {}, binary push {}; mean mapping variance p(1-p): plain {}, binary push {}", pct(accuracy(plain, test)),
                pct(accuracy(pushed, test)), String.format("%.4f", variance(plain)), String.format("%.4f", variance(pushed)));
        Map<String, Object> mappingVariance = new LinkedHashMap<>();
        mappingVariance.put("baseline", variance(plain));
        mappingVariance.put("binaryPush", variance(pushed));
        json.put("meanMappingVariance", mappingVariance);

        List<Map<String, Object>> grid = new ArrayList<>();
        Map<String, List<double[]>> vsCopies = new LinkedHashMap<>();
        Map<String, List<double[]>> vsSpikes = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        int done = 0;
        for (int k : GRID) {
            for (int s : GRID) {
                double a = simulate(plain, fm.train(), test, k, s);
                double b = simulate(pushed, fm.train(), test, k, s);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("copies", k);
                row.put("spikes", s);
                row.put("cores", CoreModel.networkCores(plain, k));
                row.put("latencyTicks", CoreModel.latencyTicks(plain, s));
                row.put("baseline", a);
                row.put("binaryPush", b);
                grid.add(row);
                done++;
                double secs = (System.nanoTime() - t0) / 1e9;
                log.info("k={} s={}: plain {} binary-push {} | {}/{} | ETA {} s", k, s, pct(a), pct(b), done, GRID.length * GRID.length,
                        Math.round(secs / done * (GRID.length * GRID.length - done)));
                if (s == 1) {
                    vsCopies.computeIfAbsent("plain, s=1", x -> new ArrayList<>()).add(new double[]{k, a});
                    vsCopies.computeIfAbsent("binary push, s=1", x -> new ArrayList<>()).add(new double[]{k, b});
                }
                if (k == 1) {
                    vsSpikes.computeIfAbsent("plain, k=1", x -> new ArrayList<>()).add(new double[]{s, a});
                    vsSpikes.computeIfAbsent("binary push, k=1", x -> new ArrayList<>()).add(new double[]{s, b});
                }
            }
        }
        json.put("grid", grid);
        Map<String, Object> savings = savings(grid);
        Object ratio = savings.get("ratio");
        double gap = (Double) floatAccuracy.get("baseline") - (Double) floatAccuracy.get("binaryPush");
        savings.put("floatAccuracyLoss", gap);
        savings.put("goalRatioAtLeast4", ratio != null && (Double) ratio >= 4);
        savings.put("goalFloatWithin1Point", gap <= 0.01);
        json.put("savings", savings);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(out, "truenorth.json"), json);
        Charts.line(new File(out, "truenorth-copies.png"), "Simulated TrueNorth accuracy vs synapse copies (1 spike)", "copies k", "accuracy", vsCopies);
        Charts.line(new File(out, "truenorth-spikes.png"), "Simulated TrueNorth accuracy vs spikes per frame (1 copy)", "spikes s", "accuracy", vsSpikes);
        histograms(plain, pushed, new File(out, "truenorth-weights.png"));
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(Map.of("float", json.get("float"),
                "savings", json.get("savings"))));
        return 0;
    }

    private MultiLayerNetwork plainNetwork() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seedOption.seed()).updater(new Nesterovs(lr, 0.9))
                .weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(784).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(hidden).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void fit(MultiLayerNetwork net, DataSet train, int epochs, long seed, String label) {
        ShuffledBatches batches = new ShuffledBatches(train, 64, seed, true);
        net.setListeners(new ProgressListener(label, epochs, batches.batchesPerEpoch(), 64, 200));
        net.fit(batches, epochs);
    }

    /** Per layer: the fixed --full-scale, or the --quantile of the layer's |w|. */
    private double[] fullScales(MultiLayerNetwork net) {
        double[] c = new double[net.getnLayers()];
        for (int i = 0; i < c.length; i++) {
            c[i] = fullScale > 0 ? fullScale : SynapseMapping.magnitudeQuantile(net.getLayer(i).getParam("W").dup(), quantile);
            log.info("Layer {}: full scale c = {} (max|w| = {})", i, c[i], net.getLayer(i).getParam("W").amaxNumber());
        }
        return c;
    }

    /**
     * A copy of {@code from} (parameters and updater state) whose layers carry a {@link BinaryPush} toward their full
     * scale {@code c_l}, with the strength ramped linearly by epoch from the current epoch, and a {@link FullScaleClip}
     * to {@code [-c_l, c_l]} (applied once now and after every update).
     */
    private MultiLayerNetwork withBinaryPush(MultiLayerNetwork from, double[] scales) {
        MultiLayerConfiguration conf = from.getLayerWiseConfigurations().clone();
        int start = conf.getEpochCount();
        Map<Integer, Double> ramp = new LinkedHashMap<>();
        ramp.put(0, push / rampEpochs);
        for (int j = 0; j < rampEpochs; j++) {
            ramp.put(start + j, push * (j + 1) / rampEpochs);
        }
        for (int i = 0; i < conf.getConfs().size(); i++) {
            BaseLayer layer = (BaseLayer) conf.getConf(i).getLayer();
            List<Regularization> regs = new ArrayList<>(layer.getRegularization() == null ? List.of() : layer.getRegularization());
            regs.add(new BinaryPush(new MapSchedule(ScheduleType.EPOCH, ramp), scales[i]));
            layer.setRegularization(regs);
            layer.setConstraints(List.of(new FullScaleClip(scales[i])));
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(from.params().dup(), false);
        if (finetuneLr > 0) {
            net.setLearningRate(finetuneLr);
        }
        net.getUpdater().setStateViewArray(net, from.getUpdater().getStateViewArray().dup(), false);
        net.applyConstraints(0, start);
        return net;
    }

    private static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation e = new Evaluation(FashionMnist.CLASSES);
        e.eval(test.getLabels(), net.output(test.getFeatures(), false));
        return e.accuracy();
    }

    private double simulate(MultiLayerNetwork net, DataSet train, DataSet test, int k, int s) {
        INDArray calibration = ((DataSet) train.getRange(0, 1000)).getFeatures();
        return TrueNorthSimulator.builder().copies(k).spikes(s).seed(seedOption.seed()).calibrationQuantile(calibrationQuantile).build(net, calibration).accuracy(test);
    }

    private static double variance(MultiLayerNetwork net) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            INDArray w = net.getLayer(i).getParam("W").dup();
            sum += SynapseMapping.meanMappingVariance(w) * w.length();
            n += w.length();
        }
        return sum / n;
    }

    /** The smallest k×s at which each network reaches the best accuracy the plain one reaches anywhere in the grid. */
    static Map<String, Object> savings(List<Map<String, Object>> grid) {
        double target = grid.stream().mapToDouble(r -> (Double) r.get("baseline")).max().orElse(Double.NaN);
        long base = cheapest(grid, "baseline", target);
        long pushed = cheapest(grid, "binaryPush", target);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("targetAccuracy", target);
        m.put("baselineCost", base);
        m.put("baselineCells", cells(grid, "baseline", target, base));
        m.put("binaryPushCost", pushed < 0 ? null : pushed);
        m.put("binaryPushCells", pushed < 0 ? List.of() : cells(grid, "binaryPush", target, pushed));
        m.put("ratio", pushed < 0 ? null : (double) base / pushed);
        m.put("note", "cost = copies x spikes; cells = the (k, s) of that cost reaching the target; binaryPushCost null: "
                + "the binary-push network never reaches the target in the grid");
        return m;
    }

    private static List<String> cells(List<Map<String, Object>> grid, String key, double target, long cost) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r : grid) {
            if ((Double) r.get(key) >= target && (long) (Integer) r.get("copies") * (Integer) r.get("spikes") == cost) {
                out.add("k=" + r.get("copies") + ",s=" + r.get("spikes"));
            }
        }
        return out;
    }

    private static long cheapest(List<Map<String, Object>> grid, String key, double target) {
        long best = -1;
        for (Map<String, Object> r : grid) {
            if ((Double) r.get(key) >= target) {
                long cost = (long) (Integer) r.get("copies") * (Integer) r.get("spikes");
                if (best < 0 || cost < best) {
                    best = cost;
                }
            }
        }
        return best;
    }

    private static void histograms(MultiLayerNetwork plain, MultiLayerNetwork pushed, File png) throws java.io.IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("plain fc1", histogram(plain.getLayer(0).getParam("W").dup()));
        series.put("binary push fc1", histogram(pushed.getLayer(0).getParam("W").dup()));
        Charts.line(png, "fc1 synapse probabilities p = |w| / max|w|", "p", "fraction of weights", series);
    }

    private static List<double[]> histogram(INDArray w) {
        double[] p = SynapseMapping.probabilities(w).reshape(w.length()).toDoubleVector();
        int bins = 20;
        double[] counts = new double[bins];
        for (double v : p) {
            counts[Math.min(bins - 1, (int) (v * bins))]++;
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < bins; i++) {
            out.add(new double[]{(i + 0.5) / bins, counts[i] / p.length});
        }
        return out;
    }

    private static String pct(double v) {
        return String.format("%.2f%%", 100 * v);
    }
}
