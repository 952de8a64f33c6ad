package io.github.dl4jcompress.examples.truenorth;

import io.github.dl4jcompress.examples.data.FashionMnist;
import io.github.dl4jcompress.examples.data.ShuffledBatches;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.truenorth.CoreModel;
import io.github.dl4jcompress.truenorth.SynapseMapping;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc truenorth}: trains the same MLP twice on Fashion-MNIST — plain, and with the binary-push penalty — and
 * evaluates both as TrueNorth would run them over copies k and spikes s ∈ {1,2,4,8,16}, with core counts and latency.
 * {@code savings}: for the best accuracy the plain network reaches in the grid, the smallest k×s at which each network
 * reaches it (k×s is the product of the hardware and the time cost), and their ratio.
 */
@Command(name = "truenorth", mixinStandardHelpOptions = true,
        description = "Binary-push vs plain training evaluated on a simulated TrueNorth over copies x spikes.")
public final class TrueNorthCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TrueNorthCommand.class);

    @Option(names = "--data", description = "directory with the full Fashion-MNIST IDX files; default: the bundled subset")
    File data;

    @Option(names = "--out", defaultValue = "results")
    File out;

    @Option(names = "--epochs", description = "training epochs per network (default ${DEFAULT-VALUE})", defaultValue = "10")
    int epochs;

    @Option(names = "--hidden", description = "hidden ReLU units (default ${DEFAULT-VALUE})", defaultValue = "256")
    int hidden;

    @Option(names = "--push", description = "binary-push strength (default ${DEFAULT-VALUE})", defaultValue = "2e-4")
    double push;

    @Option(names = "--full-scale", description = "binary push toward a fixed full-scale weight c instead of the layer's max|w| (0 = layer max; default ${DEFAULT-VALUE})", defaultValue = "0.1")
    double fullScale;

    @Option(names = "--test-limit", description = "evaluate on the first N test examples (0 = all; default ${DEFAULT-VALUE})", defaultValue = "2000")
    int testLimit;

    @Option(names = "--seed", defaultValue = "7")
    long seed;

    private static final int[] GRID = {1, 2, 4, 8, 16};

    @Override
    public Integer call() throws Exception {
        FashionMnist fm = data == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(data);
        DataSet test = testLimit > 0 && testLimit < fm.test().numExamples() ? (DataSet) fm.test().getRange(0, testLimit) : fm.test();
        MultiLayerNetwork plain = train(fm.train(), 0, "plain");
        MultiLayerNetwork pushed = train(fm.train(), push, "binary-push");

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", fm.source());
        json.put("examples", Map.of("train", fm.train().numExamples(), "test", test.numExamples()));
        json.put("network", "784-" + hidden + "-10 MLP, ReLU, Nesterov 0.01/0.9, batch 64, " + epochs + " epochs; binary push " + push);
        json.put("float", Map.of("baseline", accuracy(plain, test), "binaryPush", accuracy(pushed, test)));
        log.info("Float accuracy: plain {}, binary push {}; mean mapping variance p(1-p): plain {}, binary push {}", pct(accuracy(plain, test)),
                pct(accuracy(pushed, test)), String.format("%.4f", variance(plain)), String.format("%.4f", variance(pushed)));
        json.put("meanMappingVariance", Map.of("baseline", variance(plain), "binaryPush", variance(pushed)));

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
        json.put("savings", savings(grid));
        out.mkdirs();
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(out, "truenorth.json"), json);
        Charts.line(new File(out, "truenorth-copies.png"), "Simulated TrueNorth accuracy vs synapse copies (1 spike)", "copies k", "accuracy", vsCopies);
        Charts.line(new File(out, "truenorth-spikes.png"), "Simulated TrueNorth accuracy vs spikes per frame (1 copy)", "spikes s", "accuracy", vsSpikes);
        histograms(plain, pushed, new File(out, "truenorth-weights.png"));
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(Map.of("float", json.get("float"),
                "savings", json.get("savings"))));
        return 0;
    }

    private MultiLayerNetwork train(DataSet train, double strength, String label) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Nesterovs(0.01, 0.9))
                .weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(784).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(hidden).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        if (strength > 0) {
            StructuredSparsity.Builder b = StructuredSparsity.builder().binaryPush(strength);
            if (fullScale > 0) {
                b.binaryPushFullScale(fullScale);
            }
            b.build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        ShuffledBatches batches = new ShuffledBatches(train, 64, seed, true);
        net.setListeners(new ProgressListener(label, epochs, batches.batchesPerEpoch(), 64, 200));
        net.fit(batches, epochs);
        return net;
    }

    private static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation e = new Evaluation(FashionMnist.CLASSES);
        e.eval(test.getLabels(), net.output(test.getFeatures(), false));
        return e.accuracy();
    }

    private double simulate(MultiLayerNetwork net, DataSet train, DataSet test, int k, int s) {
        INDArray calibration = ((DataSet) train.getRange(0, 1000)).getFeatures();
        return TrueNorthSimulator.builder().copies(k).spikes(s).seed(seed).build(net, calibration).accuracy(test);
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
        m.put("binaryPushCost", pushed < 0 ? null : pushed);
        m.put("ratio", pushed < 0 ? null : (double) base / pushed);
        m.put("note", "cost = copies x spikes; binaryPushCost null: the binary-push network never reaches the target in the grid");
        return m;
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
