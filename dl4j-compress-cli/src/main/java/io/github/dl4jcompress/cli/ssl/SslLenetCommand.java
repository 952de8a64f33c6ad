package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.EpochsOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.concurrent.Callable;

/** {@code dl4jc ssl-lenet}: the main job — SSL on LeNet / Fashion-MNIST, the paper-style table, results/ssl-lenet.json. */
@Command(name = "ssl-lenet", mixinStandardHelpOptions = true,
        description = "Train LeNet on Fashion-MNIST, then compress it with SslCompression to a MAC budget within a maximum accuracy drop; print what it keeps.")
public final class SslLenetCommand implements Callable<Integer> {

    @Mixin
    DataOption data;

    @Mixin
    OutputDirOption out;

    @Mixin
    EpochsOption epochs = new EpochsOption(8);

    @Mixin
    SeedOption seed = new SeedOption(12345);

    @Option(names = "--ssl-epochs", description = "epochs with Group Lasso on (default ${DEFAULT-VALUE})", defaultValue = "6")
    int sslEpochs;

    @Option(names = "--finetune-epochs", description = "epochs fine-tuning the pruned network (default ${DEFAULT-VALUE})", defaultValue = "10")
    int finetuneEpochs;

    @Option(names = "--target-macs", description = "MAC budget as a fraction of the dense LeNet (default ${DEFAULT-VALUE})", defaultValue = "0.15")
    double targetMacs;

    @Option(names = "--max-drop", description = "largest validation accuracy drop below the better of baseline and control, "
            + "as a fraction (default ${DEFAULT-VALUE} = 0.5 points)", defaultValue = "0.005")
    double maxDrop;

    @Option(names = "--initial-strength", description = "Group Lasso strength λ0 the controller starts from (default: "
            + "SslCompression's; with more iterations per epoch, e.g. the full data, a smaller λ0 acts as long)")
    Double initialStrength;

    @Option(names = "--conv1-scale", description = "factor on conv1's Group Lasso strengths (SSL's LeNet recipe uses a smaller one "
            + "for the first convolution, e.g. 0.3; default 1)")
    Double conv1Scale;

    @Option(names = "--ranked-max-scale", description = "largest factor λ may grow over λ0 in the ranked zeroing (default: "
            + "SslCompression's, 1 = never above λ0; < 1 lowers it)")
    Double rankedMaxScale;

    @Option(names = "--shapes", description = "also run the filters+channels+shapes variant")
    boolean shapes;

    @Option(names = "--resume", description = "resume an interrupted run from <out>/ssl-lenet-*-checkpoints (same settings)")
    boolean resume;

    @Option(names = "--lr", description = "learning rate, Nesterov momentum 0.9 (default ${DEFAULT-VALUE})", defaultValue = "0.01")
    double lr;

    @Option(names = "--batch", description = "mini-batch size (default ${DEFAULT-VALUE})", defaultValue = "64")
    int batch;

    @Option(names = "--train-limit", description = "use only the first N training examples (0 = all)", defaultValue = "0")
    int trainLimit;

    @Option(names = "--baseline", description = "reuse a baseline saved by an earlier run (results/ssl-lenet-baseline.zip) instead of training one")
    File baselineModel;

    @Option(names = "--baseline-only", description = "only train the dense baseline and save <out>/ssl-lenet-baseline.zip (e.g. a model for `dl4jc compress`)")
    boolean baselineOnly;

    @Option(names = "--replot", description = "only redraw <out>/ssl-lenet.png from an existing <out>/ssl-lenet.json")
    boolean replot;

    @Override
    public Integer call() throws Exception {
        if (replot) {
            SslLenetJob.chart(new File(out.dir(), "ssl-lenet.json"), new File(out.dir(), "ssl-lenet.png"));
            return 0;
        }
        SslLenetJob.Settings s = new SslLenetJob.Settings();
        s.outputDir = out.dir();
        s.baselineEpochs = epochs.epochs();
        s.sslEpochs = sslEpochs;
        s.finetuneEpochs = finetuneEpochs;
        s.targetMacs = targetMacs;
        s.maxDrop = maxDrop;
        s.initialStrength = initialStrength;
        s.conv1Scale = conv1Scale;
        s.rankedMaxScale = rankedMaxScale;
        s.resume = resume;
        s.learningRate = lr;
        s.batch = batch;
        s.trainLimit = trainLimit;
        s.seed = seed.seed();
        s.shapesVariant = shapes;
        s.baselineModel = baselineModel;
        s.baselineOnly = baselineOnly;
        new SslLenetJob(s, data.load()).run();
        return 0;
    }
}
