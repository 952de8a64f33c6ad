package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cli.data.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.concurrent.Callable;

/** {@code dl4jc ssl-lenet}: the main job — SSL on LeNet / Fashion-MNIST, the paper-style table, results/ssl-lenet.json. */
@Command(name = "ssl-lenet", mixinStandardHelpOptions = true,
        description = "Train LeNet on Fashion-MNIST, then with Group Lasso (filters+channels, and +shapes); print what each keeps.")
public final class SslLenetCommand implements Callable<Integer> {

    @Option(names = "--data", description = "directory with the full Fashion-MNIST IDX files (e.g. /usr/share/datasets/fashion-mnist); default: the bundled subset")
    File data;

    @Option(names = "--out", description = "output directory (default ${DEFAULT-VALUE})", defaultValue = "results")
    File out;

    @Option(names = "--epochs", description = "baseline epochs (default ${DEFAULT-VALUE})", defaultValue = "8")
    int epochs;

    @Option(names = "--ssl-epochs", description = "epochs with Group Lasso on (default ${DEFAULT-VALUE})", defaultValue = "6")
    int sslEpochs;

    @Option(names = "--finetune-epochs", description = "epochs fine-tuning the pruned network, strength 0 (default ${DEFAULT-VALUE})", defaultValue = "6")
    int finetuneEpochs;

    @Option(names = "--filters", description = "Group Lasso strength on conv filters (default ${DEFAULT-VALUE})", defaultValue = "0.04")
    double filters;

    @Option(names = "--channels", description = "Group Lasso strength on conv channels (default ${DEFAULT-VALUE})", defaultValue = "0.04")
    double channels;

    @Option(names = "--shapes", description = "Group Lasso strength on conv shapes, second variant (default ${DEFAULT-VALUE})", defaultValue = "0.01")
    double shapes;

    @Option(names = "--dense", description = "Group Lasso strength on fc1 units and inputs and on the output layer's inputs (default ${DEFAULT-VALUE})", defaultValue = "0.004")
    double dense;

    @Option(names = "--conv1-scale", description = "conv1 gets this fraction of the conv strengths (default ${DEFAULT-VALUE})", defaultValue = "0.4")
    double conv1Scale;

    @Option(names = "--zero-threshold", description = "zeroing threshold relative to the layer's largest group (default ${DEFAULT-VALUE})", defaultValue = "1e-2")
    double zeroThreshold;

    @Option(names = "--lr", description = "learning rate, Nesterov momentum 0.9 (default ${DEFAULT-VALUE})", defaultValue = "0.01")
    double lr;

    @Option(names = "--batch", description = "mini-batch size (default ${DEFAULT-VALUE})", defaultValue = "64")
    int batch;

    @Option(names = "--train-limit", description = "use only the first N training examples (0 = all)", defaultValue = "0")
    int trainLimit;

    @Option(names = "--baseline", description = "reuse a baseline saved by an earlier run (results/ssl-lenet-baseline.zip) instead of training one")
    File baselineModel;

    @Option(names = "--no-shapes", description = "skip the filters+channels+shapes variant")
    boolean noShapes;

    @Option(names = "--seed", defaultValue = "12345")
    long seed;

    @Option(names = "--replot", description = "only redraw <out>/ssl-lenet.png from an existing <out>/ssl-lenet.json")
    boolean replot;

    @Override
    public Integer call() throws Exception {
        if (replot) {
            SslLenetJob.chart(new File(out, "ssl-lenet.json"), new File(out, "ssl-lenet.png"));
            return 0;
        }
        SslLenetJob.Settings s = new SslLenetJob.Settings();
        s.outputDir = out;
        s.baselineEpochs = epochs;
        s.sslEpochs = sslEpochs;
        s.finetuneEpochs = finetuneEpochs;
        s.filterStrength = filters;
        s.channelStrength = channels;
        s.shapeStrength = shapes;
        s.denseStrength = dense;
        s.conv1Scale = conv1Scale;
        s.zeroThreshold = zeroThreshold;
        s.learningRate = lr;
        s.batch = batch;
        s.trainLimit = trainLimit;
        s.seed = seed;
        s.shapesVariant = !noShapes;
        s.baselineModel = baselineModel;
        FashionMnist fm = data == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(data);
        new SslLenetJob(s, fm).run();
        return 0;
    }
}
