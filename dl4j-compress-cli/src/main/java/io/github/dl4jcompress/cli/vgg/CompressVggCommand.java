package io.github.dl4jcompress.cli.vgg;

import io.github.dl4jcompress.cli.compress.BenchmarkJob;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.models.SmallVgg;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc compress-vgg}: a VGG-style network (6 conv + batch norm) trained on Fashion-MNIST, then compressed by
 * SslCompression (filter groups through the batch norms, channel groups) to a MAC budget. Writes
 * results/compress-vgg.json, .png and .html ({@code blocks}: convolution layers kept).
 */
@Command(name = "compress-vgg", mixinStandardHelpOptions = true,
        description = "A 6-conv VGG-style net with batch norm on Fashion-MNIST, compressed with SSL to a MAC budget.")
public final class CompressVggCommand implements Callable<Integer> {

    @Option(names = "--data", description = "full Fashion-MNIST IDX directory (default: the bundled subset)")
    File data;

    @Option(names = "--out", defaultValue = "results", description = "output directory (default ${DEFAULT-VALUE})")
    File out;

    @Option(names = "--width", defaultValue = "8", description = "filters of the first stage (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--epochs", defaultValue = "6", description = "baseline epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--ssl-epochs", defaultValue = "6", description = "Group Lasso epochs (default ${DEFAULT-VALUE})")
    int sslEpochs;

    @Option(names = "--finetune-epochs", defaultValue = "4", description = "fine-tuning epochs (default ${DEFAULT-VALUE})")
    int finetuneEpochs;

    @Option(names = "--target-macs", defaultValue = "0.25", description = "MAC budget, fraction of the dense network (default ${DEFAULT-VALUE})")
    double targetMacs;

    @Option(names = "--max-drop", defaultValue = "0.005", description = "maximum validation accuracy drop, fraction (default ${DEFAULT-VALUE})")
    double maxDrop;

    @Option(names = "--lr", defaultValue = "0.05", description = "learning rate, Nesterov momentum 0.9 (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--train-limit", defaultValue = "0", description = "use only the first N training examples (0 = all)")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0", description = "use only the first N test examples (0 = all)")
    int testLimit;

    @Option(names = "--resume", description = "resume from <out>/compress-vgg-checkpoints")
    boolean resume;

    @Option(names = "--seed", defaultValue = "12345")
    long seed;

    @Override
    public Integer call() throws Exception {
        BenchmarkJob.Settings s = new BenchmarkJob.Settings();
        s.name = "compress-vgg";
        s.model = "VGG-style 6 conv + BN, width " + width;
        s.seed = seed;
        s.baselineEpochs = epochs;
        s.sslEpochs = sslEpochs;
        s.finetuneEpochs = finetuneEpochs;
        s.targetMacs = targetMacs;
        s.maxDrop = maxDrop;
        s.trainLimit = trainLimit;
        s.testLimit = testLimit;
        s.resume = resume;
        s.outputDir = out;
        s.groups = List.of(GroupKind.FILTER, GroupKind.CHANNEL);
        s.blocks = "conv layers";
        MultiLayerNetwork net = new MultiLayerNetwork(SmallVgg.configuration(seed, width, lr));
        net.init();
        BenchmarkJob.run(s, net, SmallVgg.INPUT, data == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(data));
        return 0;
    }
}
