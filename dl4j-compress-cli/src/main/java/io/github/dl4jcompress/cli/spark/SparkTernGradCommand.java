package io.github.dl4jcompress.cli.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.github.dl4jcompress.cli.ssl.LeNet;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dl4jc spark-terngrad}: LeNet with plain SGD on Spark's SharedTrainingMaster, DL4J's adaptive threshold
 * encoding versus global-scaler TernGrad ({@code ExecutorSeededTernGrad} + zero residual through DL4J's
 * {@code thresholdAlgorithm}/{@code residualPostProcessor} hooks). Writes {@code results/spark.json}.
 * Per-layer TernGrad ({@code terngradPerLayer}: one scaler per parameter array) runs through
 * {@code PerLayerTernGradTrainingMaster}, which replaces DL4J's executor wrapper and encoders.
 */
@Command(name = "spark-terngrad", mixinStandardHelpOptions = true,
        description = "TernGrad on Spark shared training (global and per-layer scalers) vs DL4J's threshold encoding, LeNet/Fashion-MNIST.")
public final class SparkTernGradCommand implements Callable<Integer> {

    @Mixin
    SparkJobOptions options;

    @Option(names = "--lr", defaultValue = "0.02")
    double lr;

    @Option(names = "--modes", split = ",", description = "threshold,terngradGlobal,terngradPerLayer,averaging (default ${DEFAULT-VALUE})",
            defaultValue = "threshold,terngradGlobal,terngradPerLayer")
    List<String> modes;

    @Override
    public Integer call() throws Exception {
        SparkJobRunner runner = new SparkJobRunner(options, "spark-terngrad");
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String m : modes) {
            SparkJobRunner.Mode mode = switch (m.trim()) {
                case "threshold" -> SparkJobRunner.Mode.THRESHOLD;
                case "terngradGlobal" -> SparkJobRunner.Mode.TERNGRAD_GLOBAL;
                case "averaging" -> SparkJobRunner.Mode.AVERAGING;
                case "terngradPerLayer" -> SparkJobRunner.Mode.TERNGRAD_PER_LAYER;
                default -> throw new IllegalArgumentException("--modes: unknown mode '" + m
                        + "' (threshold, terngradGlobal, terngradPerLayer, averaging)");
            };
            runs.add(runner.run(mode, LeNet.configuration(options.seed.seed(), new Sgd(lr)), false, 0));
        }
        System.out.println("wrote " + runner.write(runs, "dl4jc spark-terngrad" + options.echo() + " --lr " + lr
                + " --modes " + String.join(",", modes)));
        return 0;
    }
}
