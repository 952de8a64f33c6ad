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
 * {@code dl4jc spark-ssl}: Structured Sparsity Learning on Spark. Mode {@code procedure} (the default) is the one SSL
 * path, {@code SslCompression}: a plain LeNet trained with parameter averaging, then compressed to {@code --target-macs}
 * with its training phases on the executors, one averaging round at a time, the budget controller and zeroing on the
 * driver ({@code results/spark/spark-ssl-procedure.zip}). The shared-training modes (threshold, TernGrad) keep a
 * fixed-strength Group Lasso with SSL's zeroing at the end: the procedure steers λ between rounds, and each round of
 * DL4J's shared training would start a new Aeron mesh (tens of seconds); mode {@code averaging} is that fixed recipe
 * with parameter averaging, for comparison. Writes {@code results/spark.json}.
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

    @Option(names = "--modes", split = ",", description = "procedure,averaging,threshold,terngradGlobal,terngradPerLayer (default ${DEFAULT-VALUE})",
            defaultValue = "procedure")
    List<String> modes;

    @Option(names = "--target-macs", description = "mode procedure: MAC budget, fraction of the dense LeNet (default ${DEFAULT-VALUE})",
            defaultValue = "0.15")
    double targetMacs;

    @Option(names = "--max-drop", description = "mode procedure: largest validation accuracy drop below the better of "
            + "baseline and control, fraction (default ${DEFAULT-VALUE})", defaultValue = "0.005")
    double maxDrop;

    @Option(names = "--ssl-epochs", description = "mode procedure: Group Lasso epochs (default ${DEFAULT-VALUE})", defaultValue = "4")
    int sslEpochs;

    @Option(names = "--finetune-epochs", description = "mode procedure: fine-tuning epochs (default ${DEFAULT-VALUE})", defaultValue = "4")
    int finetuneEpochs;

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
            if (m.trim().equals("procedure")) {
                runs.add(runner.runProcedure(LeNet.configuration(options.seed.seed(), lr), targetMacs, maxDrop, sslEpochs, finetuneEpochs));
                continue;
            }
            SparkJobRunner.Mode mode = switch (m.trim()) {
                case "averaging" -> SparkJobRunner.Mode.AVERAGING;
                case "threshold" -> SparkJobRunner.Mode.THRESHOLD;
                case "terngradGlobal" -> SparkJobRunner.Mode.TERNGRAD_GLOBAL;
                case "terngradPerLayer" -> SparkJobRunner.Mode.TERNGRAD_PER_LAYER;
                default -> throw new IllegalArgumentException("--modes: unknown mode '" + m
                        + "' (procedure, averaging, threshold, terngradGlobal, terngradPerLayer)");
            };
            runs.add(runner.run(mode, configuration(), true, zeroThreshold));
        }
        System.out.println("wrote " + runner.write(runs, "dl4jc spark-ssl" + options.echo() + " --strength " + strength
                + " --zero-threshold " + zeroThreshold + " --lr " + lr + " --modes " + String.join(",", modes)
                + " --target-macs " + targetMacs + " --max-drop " + maxDrop + " --ssl-epochs " + sslEpochs
                + " --finetune-epochs " + finetuneEpochs));
        return 0;
    }
}
