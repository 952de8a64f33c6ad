package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.EpochsOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc terngrad}: codec throughput (TernGrad vs DL4J threshold and bitmap), bytes per iteration from real
 * messages, and convergence of LeNet / Fashion-MNIST over the five {@link Variant}s; writes
 * {@code results/terngrad.json}, {@code results/terngrad-accuracy.png} and the TernGrad statistics of both TernGrad runs
 * ({@code terngrad-global-stats.*}, {@code terngrad-perlayer-stats.*}).
 */
@Command(name = "terngrad", mixinStandardHelpOptions = true,
        description = "TernGrad vs fp32 and DL4J's threshold encoding: codec MB/s, bytes per iteration, LeNet accuracy with 4 workers.")
public final class TernGradCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TernGradCommand.class);

    @Mixin
    DataOption dataOption;

    @Mixin
    OutputDirOption outOption;

    @Mixin
    EpochsOption epochsOption = new EpochsOption(2);

    @Mixin
    SeedOption seedOption = new SeedOption(12345);




    @Option(names = "--train-limit", description = "use only the first N training examples, 0 = all (default ${DEFAULT-VALUE})",
            defaultValue = "8000")
    int trainLimit;

    @Option(names = "--workers", description = "ParallelWrapper workers (default ${DEFAULT-VALUE})", defaultValue = "4")
    int workers;

    @Option(names = "--batch", description = "mini-batch per worker (default ${DEFAULT-VALUE})", defaultValue = "32")
    int batch;

    @Option(names = "--lr", description = "Sgd learning rate eta; gradient-sharing runs use eta/workers (default ${DEFAULT-VALUE})",
            defaultValue = "0.05")
    double lr;

    @Option(names = "--eval-examples", description = "test examples for the accuracy curve (default ${DEFAULT-VALUE})",
            defaultValue = "1000")
    int evalExamples;

    @Option(names = "--codec-sizes", description = "vector sizes of the codec benchmark (default ${DEFAULT-VALUE})",
            defaultValue = "1000000,10000000")
    String codecSizes;

    @Option(names = "--codec-seconds", description = "measuring time per codec operation (default ${DEFAULT-VALUE})",
            defaultValue = "1.0")
    double codecSeconds;

    @Option(names = "--skip-codec", description = "skip the codec benchmark")
    boolean skipCodec;

    @Option(names = "--skip-training", description = "skip the five training runs")
    boolean skipTraining;


    @Override
    public Integer call() throws Exception {
        File out = outOption.dir();
        int epochs = epochsOption.epochs();
        long seed = seedOption.seed();
        long start = System.nanoTime();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "dl4jc terngrad --epochs " + epochs + " --train-limit " + trainLimit + " --workers " + workers
                + " --batch " + batch + " --lr " + lr + " --eval-examples " + evalExamples + " --codec-sizes " + codecSizes
                + " --codec-seconds " + codecSeconds + " --seed " + seed + dataOption.echo()
                + (skipCodec ? " --skip-codec" : "") + (skipTraining ? " --skip-training" : ""));
        json.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        json.put("availableProcessors", Runtime.getRuntime().availableProcessors());

        if (!skipCodec) {
            log.info("Step 1/2: codec throughput on {} elements", codecSizes);
            json.put("loadAverageBefore", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            CodecThroughput bench = new CodecThroughput(codecSeconds, seed);
            List<CodecResult> results = new ArrayList<>();
            for (int n : CodecThroughput.sizes(codecSizes)) {
                results.addAll(bench.measureAll(n));
            }
            System.out.print(CodecThroughput.describe(results));
            json.put("loadAverageAfter", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            json.put("codec", results);
            json.put("codecNote", "MB/s = MB (1e6 bytes) of fp32 gradient per second, median call by wall clock (encodeMBps, "
                    + "decodeMBps) and by the calling thread's CPU time (encodeCpuMBps, decodeCpuMBps); terngrad encode includes reading "
                    + "the INDArray buffer and serialization (encodeToBytes), decode includes validation; DL4J inputs are restored between "
                    + "calls outside the timed region; the codecs run interleaved (one call of each per round), encodeSpeedupVsThreshold "
                    + "= median over rounds of threshold encode time / this encode time");
        }

        MultiLayerNetwork lenet = new MultiLayerNetwork(LeNet.configuration(seed, new Sgd(lr)));
        lenet.init();
        SegmentLayout layout = SegmentLayout.perParameter(lenet);
        List<Map<String, Object>> model = new ArrayList<>();
        for (int i = 0; i < layout.count(); i++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("param", layout.name(i));
            entry.put("elements", layout.length(i));
            model.add(entry);
        }
        long n = layout.totalLength();
        json.put("workers", workers);
        json.put("model", model);
        json.put("parameters", n);

        if (!skipTraining) {
            FashionMnist fm = dataOption.load();
            DataSet train = fm.train();
            if (trainLimit > 0 && trainLimit < train.numExamples()) {
                train = (DataSet) train.getRange(0, trainLimit);
            }
            DataSet test = fm.test();
            DataSet evaluationSubset = (DataSet) test.getRange(0, Math.min(evalExamples, test.numExamples()));
            ConvergenceExperiment experiment = new ConvergenceExperiment(train, test, evaluationSubset, epochs, batch, workers, lr,
                    seed, out);
            Map<String, VariantOutcome> outcomes = new LinkedHashMap<>();
            int k = 0;
            for (Variant v : Variant.values()) {
                log.info("Step 2/2: training run {}/{}: {} ({} s elapsed)", ++k, Variant.values().length, v.key,
                        Math.round((System.nanoTime() - start) / 1e9));
                outcomes.put(v.key, experiment.run(v));
            }
            Map<String, Object> bytes = new LinkedHashMap<>();
            bytes.put("fp32", 4 * n);
            bytes.put("threshold", Math.round(outcomes.get(Variant.THRESHOLD.key).bytesPerWorkerIteration()));
            bytes.put("terngradGlobal", Math.round(outcomes.get(Variant.TERNGRAD_GLOBAL.key).bytesPerWorkerIteration()));
            bytes.put("terngradPerLayer", Math.round(outcomes.get(Variant.TERNGRAD_PER_LAYER.key).bytesPerWorkerIteration()));
            json.put("bytesPerIteration", bytes);
            json.put("bytesPerIterationNote", "bytes one worker sends per iteration, mean over the run, counted from the messages "
                    + "handed to the accumulator; fp32 = 4N; TernGrad per-layer message = 20 + 8L + ceil(N/4) = "
                    + TernaryMessage.sizeInBytes(layout.count(), n) + " with L = " + layout.count());
            Map<String, Object> ratio = new LinkedHashMap<>();
            bytes.forEach((key, b) -> ratio.put(key, ((Number) b).doubleValue() == 0 ? null : 4.0 * n / ((Number) b).doubleValue()));
            json.put("compressionVsFp32", ratio);
            Map<String, Object> accuracy = new LinkedHashMap<>();
            Map<String, Object> wall = new LinkedHashMap<>();
            Map<String, Object> rates = new LinkedHashMap<>();
            Map<String, List<double[]>> curves = new LinkedHashMap<>();
            outcomes.forEach((key, o) -> {
                accuracy.put(key, o.accuracy());
                wall.put(key, Math.round(o.wallSeconds() * 10) / 10.0);
                rates.put(key, o.learningRate());
                curves.put(key, o.curve());
            });
            json.put("accuracy", accuracy);
            json.put("wallSeconds", wall);
            json.put("wallSecondsNote", "recorded, not claimed: on " + Runtime.getRuntime().availableProcessors()
                    + " vCPUs ParallelWrapper's workers share the cores and cannot beat one thread");
            json.put("learningRates", rates);
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("data", fm.source());
            training.put("trainExamples", train.numExamples());
            training.put("trainSubset", trainLimit > 0 && trainLimit < fm.train().numExamples()
                    ? "first " + trainLimit + " of " + fm.train().numExamples() + " training examples (to finish in about 10 minutes on 2 vCPUs)"
                    : "all " + fm.train().numExamples());
            training.put("testExamples", test.numExamples());
            training.put("curveEvaluationExamples", evaluationSubset.numExamples());
            training.put("epochs", epochs);
            training.put("batchPerWorker", batch);
            training.put("updater", "Sgd; single and averaging use lr, gradient-sharing variants lr/workers because DL4J sums "
                    + "the workers' updates");
            training.put("seed", seed);
            json.put("training", training);
            File png = new File(out, "terngrad-accuracy.png");
            Charts.line(png, "LeNet / Fashion-MNIST: test accuracy (" + evaluationSubset.numExamples() + " examples) vs mini-batches",
                    "mini-batches processed (all workers)", "accuracy", curves);
            json.put("accuracyPng", png.getName());
            System.out.printf("%-18s %9s %10s %12s%n", "variant", "accuracy", "wall s", "bytes/iter");
            outcomes.forEach((key, o) -> System.out.printf("%-18s %9.4f %10.1f %12.0f%n", key, o.accuracy(), o.wallSeconds(),
                    key.equals("single") || key.equals("averaging") ? 4.0 * n : o.bytesPerWorkerIteration()));
        }
        json.put("totalSeconds", Math.round((System.nanoTime() - start) / 1e9));
        File file = new File(out, "terngrad.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file, json);
        log.info("Wrote {} after {} s", file, Math.round((System.nanoTime() - start) / 1e9));
        return 0;
    }
}
