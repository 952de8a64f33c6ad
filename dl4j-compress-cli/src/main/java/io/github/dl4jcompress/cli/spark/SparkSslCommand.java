package io.github.dl4jcompress.cli.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dl4jc spark-ssl}: LeNet with Group Lasso (conv filters/channels, fc1 units/inputs, output inputs) trained on
 * Spark — parameter averaging (zeroing listener on the executors) and threshold-encoded gradient sharing — then
 * zeroed (groups below {@code --zero-threshold} of the layer's largest), pruned and saved on the driver. Writes
 * {@code results/spark.json} and {@code results/spark/spark-ssl-<mode>-pruned.zip}.
 */
@Command(name = "spark-ssl", mixinStandardHelpOptions = true,
        description = "Structured sparsity on Spark: SSL LeNet with parameter averaging and shared training, pruned and saved.")
public final class SparkSslCommand implements Callable<Integer> {

    @Mixin
    SparkJobOptions options;

    @Option(names = "--strength", description = "Group Lasso strength of conv2 (conv1: 0.4x, fc1/out: 0.1x) (default ${DEFAULT-VALUE})",
            defaultValue = "0.04")
    double strength;

    @Option(names = "--zero-threshold", defaultValue = "1e-2")
    double zeroThreshold;

    @Option(names = "--lr", defaultValue = "0.01")
    double lr;

    @Option(names = "--modes", split = ",", description = "averaging,threshold,terngradGlobal,terngradPerLayer (default ${DEFAULT-VALUE})", defaultValue = "averaging,threshold")
    List<String> modes;

    MultiLayerConfiguration configuration() {
        MultiLayerConfiguration conf = LeNet.configuration(options.seed.seed(), lr);
        StructuredSparsity.builder().layers("conv1").filters(0.4 * strength).channels(0.4 * strength).build().applyTo(conf);
        StructuredSparsity.builder().layers("conv2").filters(strength).channels(strength).build().applyTo(conf);
        StructuredSparsity.builder().layers("fc1").filters(0.1 * strength).channels(0.1 * strength).build().applyTo(conf);
        StructuredSparsity.builder().layers("out").channels(0.1 * strength).build().applyTo(conf);
        return conf;
    }

    @Override
    public Integer call() throws Exception {
        SparkJobRunner runner = new SparkJobRunner(options, "spark-ssl");
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String m : modes) {
            SparkJobRunner.Mode mode = switch (m.trim()) {
                case "averaging" -> SparkJobRunner.Mode.AVERAGING;
                case "threshold" -> SparkJobRunner.Mode.THRESHOLD;
                case "terngradGlobal" -> SparkJobRunner.Mode.TERNGRAD_GLOBAL;
                case "terngradPerLayer" -> SparkJobRunner.Mode.TERNGRAD_PER_LAYER;
                default -> throw new IllegalArgumentException("--modes: unknown mode '" + m
                        + "' (averaging, threshold, terngradGlobal, terngradPerLayer)");
            };
            runs.add(runner.run(mode, configuration(), true, zeroThreshold));
        }
        System.out.println("wrote " + runner.write(runs, "dl4jc spark-ssl" + options.echo() + " --strength " + strength
                + " --zero-threshold " + zeroThreshold + " --lr " + lr + " --modes " + String.join(",", modes)));
        return 0;
    }
}
