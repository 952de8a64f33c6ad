package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.prune.InputShape;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CosineDecay;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.inputs.InputType;
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
 * A benchmark of {@link SslCompression} on one of the project's models and Fashion-MNIST (the {@code ssl-resnet} and
 * {@code compress-vgg} jobs): train the dense baseline on 90% of the training data, compress it to a MAC budget within a
 * maximum drop (the other 10% is the validation split), and write {@code results/<name>.json} —
 * {@code baseline {accuracy, macs, blocks}, control {accuracy}, compressed {accuracy, macs, macsRatio, blocks, speedup}}
 * with test accuracies — plus {@code results/<name>.png} and {@code results/<name>.html}.
 */
public final class BenchmarkJob {

    private static final Logger log = LoggerFactory.getLogger(BenchmarkJob.class);

    /** Settings of one benchmark run. */
    public static final class Settings {
        public String name;
        public String model;
        public long seed = 12345;
        public int batch = 64;
        public int baselineEpochs = 8;
        public int sslEpochs = 6;
        public int finetuneEpochs = 6;
        public double targetMacs = 0.25;
        public double maxDrop = 0.005;
        public int trainLimit;
        public int testLimit;
        public boolean nchw;
        public boolean resume;
        public File outputDir = new File("results");
        public List<GroupKind> groups = List.of(GroupKind.FILTER, GroupKind.CHANNEL);
        /** Lower the result's convolutions where faster (the JSON speedup then compares lowered vs DL4J's layers). */
        public boolean lowering = true;
        /** Measure the listeners' overhead by interleaved training blocks (else from the phases' times per iteration). */
        public boolean measureOverhead = true;
        /** What {@code blocks} counts: "residual blocks" or "conv layers". */
        public String blocks = "conv layers";
        /** SslCompression.Builder#normGroupsAtWeightRate. */
        public boolean normGroupsAtWeightRate;
        /** A baseline saved by an earlier run ({@code <out>/<name>-baseline.zip}) used instead of training one; null: train. */
        public File baselineModel;
        /** Stop after training and saving the baseline. */
        public boolean baselineOnly;
        /** SslCompression.Builder#initialStrength; null = the procedure's default. */
        public Double initialStrength;
        /** Train the baseline with a cosine learning-rate decay to 1% over its epochs (converged; default: constant rate). */
        public boolean baselineDecay;
    }

    private BenchmarkJob() {
    }

    /** Runs the benchmark on a freshly initialised {@code net} (MLN or CG) whose cost model reads {@code inputType}. */
    public static Map<String, Object> run(Settings s, Model net, InputType inputType, FashionMnist data) throws IOException {
        long t0 = System.nanoTime();
        DataSet all = data.train();
        if (s.trainLimit > 0 && s.trainLimit < all.numExamples()) {
            all = (DataSet) all.getRange(0, s.trainLimit);
        }
        int nVal = Math.max(1, all.numExamples() / 10);
        DataSet train = (DataSet) all.getRange(0, all.numExamples() - nVal);
        DataSet validation = (DataSet) all.getRange(all.numExamples() - nVal, all.numExamples());
        DataSet test = s.testLimit > 0 && s.testLimit < data.test().numExamples() ? (DataSet) data.test().getRange(0, s.testLimit) : data.test();
        InputShape image = s.nchw ? new InputShape(1, FashionMnist.SIDE, FashionMnist.SIDE) : null;
        log.info("{}: {} on {} — {} train / {} validation / {} test", s.name, s.model, data.source(), train.numExamples(),
                validation.numExamples(), test.numExamples());
        double baselineSeconds = 0;
        if (s.baselineModel != null) {
            net = restoreBaseline(s.baselineModel, net);
            log.info("{}: baseline restored from {} (not retrained)", s.name, s.baselineModel);
        } else {
            ShuffledBatches batches = ImageBatches.of(train, s.batch, s.seed, true, image);
            ProgressListener progress = new ProgressListener(s.name + " baseline", s.baselineEpochs, batches.batchesPerEpoch(), s.batch, 50);
            long tb = System.nanoTime();
            net = trainBaseline(net, batches, s.baselineEpochs, s.baselineDecay, progress);
            baselineSeconds = (System.nanoTime() - tb) / 1e9;
            s.outputDir.mkdirs();
            File saved = new File(s.outputDir, s.name + "-baseline.zip");
            AnyNetwork.of(net).save(saved);
            log.info("{}: baseline saved to {} (reuse with --baseline)", s.name, saved);
            if (s.baselineOnly) {
                return Map.of("baselineModel", saved.getPath(), "trainSeconds", baselineSeconds);
            }
        }
        File dir = new File(s.outputDir, s.name + "-checkpoints");
        dir.mkdirs();
        SslCompression.Builder procedure = SslCompression.builder().targetMacFraction(s.targetMacs).maxAccuracyDrop(s.maxDrop)
                .groups(s.groups.toArray(new GroupKind[0])).sslEpochs(s.sslEpochs).finetuneEpochs(s.finetuneEpochs).seed(s.seed)
                .inputTypes(inputType).latencyBatch(s.batch).checkpointDir(dir).resume(s.resume)
                .lowering(s.lowering).measureOverhead(s.measureOverhead).normGroupsAtWeightRate(s.normGroupsAtWeightRate);
        if (s.initialStrength != null) {
            procedure.initialStrength(s.initialStrength);
        }
        ShuffledBatches tr = ImageBatches.of(train, s.batch, s.seed, true, image);
        ShuffledBatches va = ImageBatches.of(validation, 500, 0, false, image);
        ShuffledBatches te = ImageBatches.of(test, 500, 0, false, image);
        io.github.dl4jcompress.listeners.compress.CompressionResult<Model> result = procedure.build().compress(net, tr, va, te);
        CompressionReport r = result.report();
        INDArray first = test.getFeatures().get(NDArrayIndex.interval(0, Math.min(s.batch, test.numExamples())), NDArrayIndex.all()).dup();
        INDArray[] timing = {s.nchw ? first.reshape(first.size(0), 1, FashionMnist.SIDE, FashionMnist.SIDE) : first};
        Map<String, Object> sameWay = PrunedSpeedup.measure(AnyNetwork.of(net), AnyNetwork.of(result.network()), timing, 15);
        log.info("{}: dense vs compressed, same layers on both sides, batch {}: {}", s.name, s.batch, sameWay);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", s.model);
        json.put("dataset", data.source());
        json.put("examples", Map.of("train", train.numExamples(), "validation", validation.numExamples(), "test", test.numExamples()));
        json.put("settings", s);
        json.put("baseline", Map.of("accuracy", r.baseline.testAccuracy, "macs", r.baseline.macs, "blocks", blocks(s, r.baseline),
                "params", r.baseline.params, "trainSeconds", baselineSeconds));
        json.put("control", Map.of("accuracy", r.control.testAccuracy, "epochs", s.sslEpochs + s.finetuneEpochs));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("accuracy", r.result.testAccuracy);
        c.put("macs", r.result.macs);
        c.put("macsRatio", r.result.macFraction);
        c.put("blocks", blocks(s, r.result));
        c.put("speedup", sameWay.get("speedup"));
        c.put("speedupDl4j", sameWay.get("speedupDl4j"));
        c.put("speedupMeasure", sameWay);
        c.put("params", r.result.params);
        c.put("speedupAsReturned", r.speedup);
        c.put("latencyMs", r.result.latencyMs);
        c.put("baselineLatencyMs", r.baseline.latencyMs);
        c.put("latencyBatch", r.latencyBatch);
        json.put("compressed", c);
        Map<String, Object> atBudget = s.blocks.startsWith("residual") ? null : budgetNetwork(s, r, dir, AnyNetwork.of(net), timing);
        if (atBudget != null) {
            json.put("budgetNetwork", atBudget);
        }
        json.put("target", Map.of("macFraction", s.targetMacs, "maxDrop", s.maxDrop));
        json.put("status", r.status);
        json.put("blocksCount", s.blocks);
        json.put("overhead", r.overhead);
        json.put("notes", List.of("accuracy: test set; the stop rule sees only the validation split (10% of the training data)",
                "control: the baseline trained as many extra epochs as the compressed network (sslEpochs + finetuneEpochs)",
                "speedup: dense over compressed median forward time at batch " + s.batch + " (test images), both on the project's "
                        + "lowered layers (Lowering.lower of both; speedupDl4j: both on DL4J's layers), interleaved in the same run; "
                        + "speedupAsReturned: the procedure's own measure (dense on DL4J's layers vs the result as returned, lowered where "
                        + "faster: includes the lowering); OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)") + ", load average "
                        + loadAverage()));
        if (AnyNetwork.of(net).isGraph() && s.blocks.startsWith("residual")) {
            List<Map<String, Object>> depth = DepthTable.rows((ComputationGraph) net, dir, te, inputType);
            json.put("depthTable", depth);
            log.info("{}: depth vs accuracy (test)\n{}", s.name, DepthTable.markdown(depth));
            DepthTable.chart(new File(s.outputDir, s.name + "-depth.png"), s.model + ": depth vs test accuracy", depth);
            json.put("prunedSpeedup", DepthTable.prunedSpeedup((ComputationGraph) net, dir, test, s.batch, inputType));
        }
        json.put("report", r);
        json.put("totalSeconds", (System.nanoTime() - t0) / 1e9);
        s.outputDir.mkdirs();
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setVisibility(org.nd4j.shade.jackson.annotation.PropertyAccessor.FIELD, org.nd4j.shade.jackson.annotation.JsonAutoDetect.Visibility.PUBLIC_ONLY)
                .writeValue(new File(s.outputDir, s.name + ".json"), json);
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        rows.put("baseline", row(s, r.baseline, 1.0));
        rows.put("control", Map.of("accuracy %", 100 * r.control.testAccuracy));
        rows.put("compressed", row(s, r.result, (Double) sameWay.get("speedup")));
        if (atBudget != null) {
            rows.put("at budget (stop rule: rejected)", row(s, r.compressed, (Double) atBudget.get("speedup")));
        }
        Charts.bars(new File(s.outputDir, s.name + ".png"), s.model + " on " + data.source() + ": " + r.status, "", "", rows);
        CompressReportPage.write(new File(s.outputDir, s.name + ".html"), CompressReportPage.html(s.name, r, json));
        log.info("{}: {} — test accuracy {} -> {} (control {}), MACs {} -> {} ({}), {} {} -> {}, speedup {}", s.name, r.status,
                r.baseline.testAccuracy, r.result.testAccuracy, r.control.testAccuracy, r.baseline.macs, r.result.macs, r.result.macFraction,
                s.blocks, blocks(s, r.baseline), blocks(s, r.result), r.speedup);
        return json;
    }

    /**
     * When the stop rule did not return the network fine-tuned at the budget (it backed off): that network, read from
     * the {@code finetune} checkpoint, with its accuracies ({@code accuracy}: test; {@code validation}, and the
     * validation points below the better of baseline and control), MAC fraction, conv layers kept and its speedup
     * measured as {@code compressed.speedup} is (PrunedSpeedup, same run) — what the procedure reached at the budget,
     * and how fast it is, even when it was not good enough. Null when the budget's network was returned or is missing.
     */
    static Map<String, Object> budgetNetwork(Settings s, CompressionReport r, File checkpoints, AnyNetwork dense, INDArray[] timing) throws IOException {
        File tuned = new File(checkpoints, "finetune.zip");
        if (!r.backedOff || r.compressed == null || !tuned.isFile()) {
            return null;
        }
        AnyNetwork net = AnyNetwork.load(tuned, dense.isGraph());
        Map<String, Object> speed = PrunedSpeedup.measure(dense, net, timing, 15);
        log.info("{}: the budget's network (not returned by the stop rule), dense vs it, same layers on both sides: {}", s.name, speed);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", r.compressed.testAccuracy);
        m.put("validation", r.compressed.accuracy);
        m.put("validationDrop", Math.max(r.baseline.accuracy, r.control.accuracy) - r.compressed.accuracy);
        m.put("macs", r.compressed.macs);
        m.put("macsRatio", r.compressed.macFraction);
        m.put("blocks", blocks(s, r.compressed));
        m.put("speedup", speed.get("speedup"));
        m.put("speedupDl4j", speed.get("speedupDl4j"));
        m.put("speedupMeasure", speed);
        return m;
    }

    /**
     * The baseline saved in {@code file}, checked against the freshly initialised {@code fresh} of the same settings: the
     * same kind of network with the same parameter count, else an IllegalArgumentException naming the file and both.
     */
    static Model restoreBaseline(File file, Model fresh) throws IOException {
        AnyNetwork expected = AnyNetwork.of(fresh);
        if (!file.isFile()) {
            throw new IllegalArgumentException("--baseline " + file + ": no such file");
        }
        AnyNetwork restored;
        try {
            restored = AnyNetwork.load(file, expected.isGraph());
        } catch (RuntimeException | IOException e) {
            throw new IllegalArgumentException("--baseline " + file + ": not a saved " + expected.kind() + " (" + e.getMessage() + ")", e);
        }
        if (restored.numParams() != expected.numParams()) {
            throw new IllegalArgumentException("--baseline " + file + ": " + restored.numParams() + " parameters, but the network of these settings has "
                    + expected.numParams() + " (other --width / --blocks-per-stage?)");
        }
        return restored.model();
    }

    /**
     * Trains the dense baseline on the project's lowered layers (as SslCompression trains its plain phases where
     * faster; MultiLayerNetworks and graphs), restored to DL4J's layers afterwards; with {@code decay}, a cosine
     * learning-rate decay to 1% over the epochs (a converged baseline), the constant rate set back at the end so the
     * procedure starts from it. Returns the trained network.
     */
    private static Model trainBaseline(Model net, ShuffledBatches batches, int epochs, boolean decay, ProgressListener progress) {
        AnyNetwork trainee = AnyNetwork.of(net).lowered();
        Double lr = decay ? trainee.learningRate() : null;
        if (lr != null) {
            CosineDecay.apply(trainee, lr, epochs * batches.batchesPerEpoch());
        }
        log.info("baseline: training on the lowered layers{}", lr == null ? "" : String.format(", learning rate %.3g with a cosine decay to 1%%", lr));
        trainee.setListeners(progress);
        trainee.fit(batches, epochs);
        trainee.setListeners(List.of());
        if (lr != null) {
            trainee.setLearningRate(lr);
        }
        return trainee.restored().model();
    }

    private static Map<String, Double> row(Settings s, CompressionReport.Snapshot snap, Double speedup) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy %", 100 * snap.testAccuracy);
        m.put("MACs %", 100 * snap.macFraction);
        m.put(s.blocks + " x10", 10.0 * blocks(s, snap));
        m.put("speedup x10", speedup == null ? 0 : 10 * speedup);
        return m;
    }

    /** Residual blocks kept (graphs) or convolution layers kept (layers with at least one filter left). */
    static int blocks(Settings s, CompressionReport.Snapshot snap) {
        if (snap.blocks != null && s.blocks.startsWith("residual")) {
            return snap.blocks;
        }
        return (int) snap.layers.stream().filter(l -> l.getType().contains("Convolution") && l.getKeptFilters() > 0).count();
    }

    private static String loadAverage() {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc/loadavg"))).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
