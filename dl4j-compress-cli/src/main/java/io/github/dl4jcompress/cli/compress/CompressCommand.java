package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.options.SeedOption;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.prune.InputShape;
import io.github.dl4jcompress.cli.prune.ModelFiles;
import io.github.dl4jcompress.cli.prune.UnusableInputException;
import io.github.dl4jcompress.listeners.compress.CompressionBudget;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc compress MODEL.zip --data DIR|FILE.csv -o OUT.zip}: compresses any saved MultiLayerNetwork or
 * ComputationGraph classifier with {@link SslCompression} to a MAC (or latency) budget within a maximum accuracy drop,
 * and writes OUT.zip, OUT.json and a self-contained OUT.html. Exit codes: 0 done (the JSON's status says whether the
 * budget was met), 1 failure during the run, 2 unusable input (one line on stderr, nothing written, inputs untouched).
 */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Compress a saved model to a MAC or latency budget with SSL (Group Lasso, auto-λ, exact pruning, fine-tuning).")
public final class CompressCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "trained model zip (MultiLayerNetwork or ComputationGraph)")
    File model;

    /** Fraction of the training data (the last, in file order) held out as the stop rule's validation set. */
    static final double VALIDATION_FRACTION = 0.1;

    @Option(names = "--data", required = true, paramLabel = "DIR|FILE.csv",
            description = "IDX directory (train-/t10k- images and labels, MNIST layout) or a CSV with one example per line and a label column")
    File data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.zip", description = "compressed model; OUT.json and OUT.html beside it")
    File output;

    @Option(names = "--target-macs", defaultValue = "0.25", description = "MAC budget, fraction of the model's MACs in (0, 1] (default ${DEFAULT-VALUE})")
    double targetMacs;

    @Option(names = "--target-latency-ms", description = "latency budget instead: ms per forward pass of --latency-batch examples, measured here")
    Double targetLatencyMs;

    @Option(names = "--latency-batch", defaultValue = "64", description = "batch size of the latency measurements (default ${DEFAULT-VALUE})")
    int latencyBatch;

    @Option(names = "--max-drop", defaultValue = "0.005",
            description = "largest validation accuracy drop below the better of baseline and control, fraction (default ${DEFAULT-VALUE} = 0.5 points)")
    double maxDrop;

    @Option(names = "--ssl-epochs", defaultValue = "6", description = "Group Lasso epochs (default ${DEFAULT-VALUE})")
    int sslEpochs;

    @Option(names = "--finetune-epochs", defaultValue = "10", description = "fine-tuning epochs (default ${DEFAULT-VALUE})")
    int finetuneEpochs;

    @Option(names = "--batch", defaultValue = "64", description = "training mini-batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--input", defaultValue = "1x28x28", description = "input shape CxHxW of the images (default ${DEFAULT-VALUE})")
    String input;

    @Option(names = "--label-column", defaultValue = "-1", description = "CSV: label column, negative counts from the end (default ${DEFAULT-VALUE})")
    int labelColumn;

    @Option(names = "--skip-lines", defaultValue = "0", description = "CSV: header lines to skip (default ${DEFAULT-VALUE})")
    int skipLines;

    @Option(names = "--scale", defaultValue = "1", description = "CSV: features are divided by this (e.g. 255 for pixels; default ${DEFAULT-VALUE})")
    double scale;

    @Option(names = "--test", paramLabel = "TEST.csv", description = "CSV: separate test file (default: the last 10% of --data)")
    File testCsv;

    @Option(names = "--resume", description = "resume an interrupted run from OUT.zip.checkpoints (same model, data and options)")
    boolean resume;

    @Mixin
    SeedOption seed = new SeedOption(12345);

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut());
        } catch (UnusableInputException e) {
            err.println("dl4jc compress: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("dl4jc compress: failed: " + e);
            return 1;
        } finally {
            err.flush();
        }
    }

    private int run(PrintWriter out) throws UnusableInputException, IOException {
        checkOptions();
        InputShape shape;
        try {
            shape = InputShape.parse(input);
        } catch (IllegalArgumentException e) {
            throw new UnusableInputException("--input: " + e.getMessage());
        }
        AnyNetwork net = ModelFiles.load(model);
        LabeledData d = LabeledData.read(data, testCsv, labelColumn, skipLines, scale, 0.1);
        Layout layout = Layout.of(net, shape, d.train());
        // the stop rule's validation set: the last 10% of the training data in file order (as ssl-lenet holds it out),
        // split before the batches are shuffled — a shuffled split mixes in examples a model trained on the first 90% saw
        if (d.train().numExamples() < 2) {
            throw new UnusableInputException("--data " + data + ": " + d.train().numExamples() + " training example(s); at least 2 are needed "
                    + "(the last " + Math.round(100 * VALIDATION_FRACTION) + "% are the validation set)");
        }
        int nValidation = Math.max(1, (int) Math.round(d.train().numExamples() * VALIDATION_FRACTION));
        DataSet train = (DataSet) d.train().getRange(0, d.train().numExamples() - nValidation);
        DataSet validation = (DataSet) d.train().getRange(d.train().numExamples() - nValidation, d.train().numExamples());
        DataSet test = d.test();
        InputShape image = layout.nchw ? shape : null;
        CompressionBudget budget = targetLatencyMs != null ? CompressionBudget.latencyMs(targetLatencyMs, latencyBatch)
                : CompressionBudget.macFraction(targetMacs);
        SslCompression procedure;
        try {
            procedure = SslCompression.builder().budget(budget).maxAccuracyDrop(maxDrop).sslEpochs(sslEpochs).finetuneEpochs(finetuneEpochs)
                    .inputTypes(layout.inputType).latencyBatch(latencyBatch).seed(seed.seed())
                    .checkpointDir(new File(output.getAbsolutePath() + ".checkpoints")).resume(resume).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UnusableInputException(e.getMessage());
        }
        CompressionReport report;
        Model result;
        try {
            CompressionResult<Model> r = procedure.compress(net.model(), ImageBatches.of(train, batch, seed.seed(), true, image),
                    ImageBatches.of(validation, 500, 0, false, image), ImageBatches.of(test, 500, 0, false, image));
            report = r.report();
            result = r.network();
        } catch (IllegalArgumentException e) {
            // the procedure checks its inputs (shapes, labels, reachable budget) before it writes anything
            throw new UnusableInputException(e.getMessage().replace("SslCompression: ", ""));
        }
        Map<String, Object> json = json(report, budget);
        File base = new File(output.getAbsolutePath().replaceAll("\\.zip$", ""));
        File jsonFile = new File(base.getPath() + ".json");
        File htmlFile = new File(base.getPath() + ".html");
        ModelFiles.saveAtomically(result, output);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(jsonFile, json);
        CompressReportPage.write(htmlFile, CompressReportPage.html("dl4jc compress " + model.getName(), report, json));
        out.printf("%s: MACs %.1f%% of the model's, test accuracy %.2f%% (baseline %.2f%%, control %.2f%%), speedup %.2fx%nwrote %s, %s, %s%n",
                report.status, 100 * report.result.macFraction, 100 * nz(report.result.testAccuracy), 100 * nz(report.baseline.testAccuracy),
                100 * nz(report.control.testAccuracy), report.speedup, output, jsonFile, htmlFile);
        out.flush();
        return 0;
    }

    private static double nz(Double d) {
        return d == null ? Double.NaN : d;
    }

    /** The JSON the checks read (names from issue 12) plus the procedure's full report. */
    static Map<String, Object> json(CompressionReport r, CompressionBudget budget) {
        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, Object> target = new LinkedHashMap<>();
        if (budget.getKind() == CompressionBudget.Kind.MAC_FRACTION) {
            target.put("macFraction", budget.getValue());
        } else {
            target.put("latencyMs", budget.getValue());
            target.put("latencyBatch", budget.getBatch());
        }
        target.put("maxDrop", r.maxDrop);
        json.put("target", target);
        json.put("baseline", Map.of("accuracy", r.baseline.testAccuracy, "macs", r.baseline.macs, "validationAccuracy", r.baseline.accuracy));
        json.put("control", Map.of("accuracy", r.control.testAccuracy, "validationAccuracy", r.control.accuracy));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("accuracy", r.result.testAccuracy);
        result.put("validationAccuracy", r.result.accuracy);
        result.put("macs", r.result.macs);
        result.put("macFraction", r.result.macFraction);
        result.put("params", r.result.params);
        result.put("speedup", r.speedup);
        result.put("latencyMs", r.result.latencyMs);
        result.put("baselineLatencyMs", r.baseline.latencyMs);
        json.put("result", result);
        json.put("status", r.status);
        json.put("note", "accuracy: test data the procedure never saw; validationAccuracy: the split its stop rule used");
        json.put("report", r);
        return json;
    }

    private void checkOptions() throws UnusableInputException {
        if (targetLatencyMs == null && !(targetMacs > 0 && targetMacs <= 1)) {
            throw new UnusableInputException("--target-macs must be in (0, 1], got " + targetMacs);
        }
        if (targetLatencyMs != null && !(targetLatencyMs > 0 && !targetLatencyMs.isInfinite())) {
            throw new UnusableInputException("--target-latency-ms must be a positive number of milliseconds, got " + targetLatencyMs);
        }
        if (!(maxDrop >= 0 && maxDrop < 1)) {
            throw new UnusableInputException("--max-drop must be in [0, 1) (0.005 = 0.5 points), got " + maxDrop);
        }
        if (sslEpochs < 1 || finetuneEpochs < 0 || batch < 1 || latencyBatch < 1) {
            throw new UnusableInputException("--ssl-epochs, --batch and --latency-batch must be >= 1 and --finetune-epochs >= 0");
        }
        if (!(scale > 0)) {
            throw new UnusableInputException("--scale must be > 0, got " + scale);
        }
        File dir = output.getAbsoluteFile().getParentFile();
        if (dir == null || !dir.isDirectory() || !dir.canWrite()) {
            throw new UnusableInputException("output directory " + dir + " does not exist or is not writable");
        }
        if (!output.getName().endsWith(".zip")) {
            throw new UnusableInputException("output must be a .zip file name (OUT.json and OUT.html go beside it), got " + output);
        }
        if (output.getAbsoluteFile().toPath().normalize().equals(model.getAbsoluteFile().toPath().normalize())) {
            throw new UnusableInputException("output must differ from the input model " + model);
        }
    }

    /** How the data's flat features are fed to the network and which input type the cost model reads it with. */
    static final class Layout {
        final boolean nchw;
        final InputShape shape;
        final InputType inputType;

        private Layout(boolean nchw, InputShape shape, InputType inputType) {
            this.nchw = nchw;
            this.shape = shape;
            this.inputType = inputType;
        }

        static Layout of(AnyNetwork net, InputShape shape, DataSet sample) throws UnusableInputException {
            long d = sample.getFeatures().size(1);
            if (d != shape.channels() * shape.height() * shape.width()) {
                throw new UnusableInputException("the data has " + d + " features per example but --input " + shape + " needs "
                        + shape.channels() * shape.height() * shape.width());
            }
            org.nd4j.linalg.api.ndarray.INDArray x = sample.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).castTo(net.model().params().dataType());
            String flatError;
            try {
                net.output(x);
                return new Layout(false, shape, costType(net, shape, false));
            } catch (RuntimeException e) {
                flatError = e.getMessage();
            }
            try {
                net.output(x.reshape('c', shape.nchw(x.size(0))));
                return new Layout(true, shape, costType(net, shape, true));
            } catch (RuntimeException e) {
                throw new UnusableInputException("data of shape " + shape + " does not fit the network's input (neither flat [n, " + d
                        + "] nor NCHW): " + flatError);
            }
        }

        private static InputType costType(AnyNetwork net, InputShape s, boolean nchw) throws UnusableInputException {
            InputType[] candidates = nchw ? new InputType[]{s.inputType()}
                    : new InputType[]{InputType.convolutionalFlat(s.height(), s.width(), s.channels()),
                    InputType.feedForward(s.channels() * s.height() * s.width())};
            for (InputType t : candidates) {
                try {
                    net.cost(new io.github.dl4jcompress.cost.CostModel(), t);
                    return t;
                } catch (RuntimeException e) {
                    // try the next
                }
            }
            throw new UnusableInputException("the cost model cannot read the network with input " + s);
        }
    }
}
