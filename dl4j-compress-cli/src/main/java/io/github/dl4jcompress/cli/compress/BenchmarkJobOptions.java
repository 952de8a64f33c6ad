package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;

/**
 * The options {@code ssl-resnet} and {@code compress-vgg} share (everything but the architecture and the MAC
 * budget, whose default differs per network), each default written once; {@link #settings} fills a
 * {@link BenchmarkJob.Settings} from them.
 */
public final class BenchmarkJobOptions {

    @Mixin
    public DataOption data;

    @Mixin
    OutputDirOption out;

    @Mixin
    SeedOption seed = new SeedOption(12345);

    @Option(names = "--epochs", defaultValue = "6", description = "baseline epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--ssl-epochs", defaultValue = "6", description = "Group Lasso epochs (default ${DEFAULT-VALUE})")
    int sslEpochs;

    @Option(names = "--finetune-epochs", defaultValue = "4", description = "fine-tuning epochs (default ${DEFAULT-VALUE})")
    int finetuneEpochs;

    @Option(names = "--max-drop", defaultValue = "0.005", description = "maximum validation accuracy drop, fraction (default ${DEFAULT-VALUE})")
    double maxDrop;

    @Option(names = "--lr", defaultValue = "0.05", description = "learning rate, Nesterov momentum 0.9 (default ${DEFAULT-VALUE})")
    public double lr;

    @Option(names = "--initial-strength", description = "Group Lasso strength λ0 the controller starts from (default: SslCompression's; "
            + "for ssl-resnet's DEPTH-only run the residual branches' λ0)")
    Double initialStrength;

    @Option(names = "--train-limit", defaultValue = "0", description = "use only the first N training examples (0 = all)")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0", description = "use only the first N test examples (0 = all)")
    int testLimit;

    @Option(names = "--resume", description = "resume from <out>/<job>-checkpoints")
    boolean resume;

    @Option(names = "--baseline", description = "reuse a baseline saved by an earlier run (<out>/<job>-baseline.zip) instead of training one")
    File baselineModel;

    @Option(names = "--baseline-decay", description = "train the baseline with a cosine learning-rate decay to 1% over its epochs (converged)")
    boolean baselineDecay;

    @Option(names = "--baseline-only", description = "only train the dense baseline and save <out>/<job>-baseline.zip")
    boolean baselineOnly;

    /** The seed given (or the default 12345). */
    public long seed() {
        return seed.seed();
    }

    /** Settings of job {@code name} on {@code model} with MAC budget {@code targetMacs}, from these options. */
    public BenchmarkJob.Settings settings(String name, String model, double targetMacs) {
        BenchmarkJob.Settings s = new BenchmarkJob.Settings();
        s.name = name;
        s.model = model;
        s.seed = seed.seed();
        s.baselineEpochs = epochs;
        s.sslEpochs = sslEpochs;
        s.finetuneEpochs = finetuneEpochs;
        s.targetMacs = targetMacs;
        s.maxDrop = maxDrop;
        s.trainLimit = trainLimit;
        s.testLimit = testLimit;
        s.resume = resume;
        s.outputDir = out.dir();
        s.baselineModel = baselineModel;
        s.baselineOnly = baselineOnly;
        s.baselineDecay = baselineDecay;
        s.initialStrength = initialStrength;
        return s;
    }
}
