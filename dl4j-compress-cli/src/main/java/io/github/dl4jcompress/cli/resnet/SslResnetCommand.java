package io.github.dl4jcompress.cli.resnet;

import io.github.dl4jcompress.cli.compress.BenchmarkJob;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.models.ResNet20;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc ssl-resnet}: the SSL paper's depth experiment — ResNet-20 (3 stages × 3 basic blocks, batch norm,
 * identity shortcuts) on Fashion-MNIST compressed by SslCompression with DEPTH groups on the residual branches and
 * filter groups; zeroed blocks are removed by the pruner. Writes results/ssl-resnet.json, .png and .html.
 */
@Command(name = "ssl-resnet", mixinStandardHelpOptions = true,
        description = "ResNet-20 on Fashion-MNIST, compressed with DEPTH (residual blocks) + filter Group Lasso to a MAC budget.")
public final class SslResnetCommand implements Callable<Integer> {

    @Option(names = "--data", description = "full Fashion-MNIST IDX directory (default: the bundled subset)")
    File data;

    @Option(names = "--out", defaultValue = "results", description = "output directory (default ${DEFAULT-VALUE})")
    File out;

    @Option(names = "--width", defaultValue = "4",
            description = "base width (16 in the paper; default ${DEFAULT-VALUE} so a run takes tens of minutes on 2 shared cores)")
    int width;

    @Option(names = "--blocks-per-stage", defaultValue = "3", description = "3 = ResNet-20, 5 = ResNet-32 (default ${DEFAULT-VALUE})")
    int blocksPerStage;

    @Option(names = "--epochs", defaultValue = "6", description = "baseline epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--ssl-epochs", defaultValue = "6", description = "Group Lasso epochs (default ${DEFAULT-VALUE})")
    int sslEpochs;

    @Option(names = "--finetune-epochs", defaultValue = "4", description = "fine-tuning epochs (default ${DEFAULT-VALUE})")
    int finetuneEpochs;

    @Option(names = "--target-macs", defaultValue = "0.6", description = "MAC budget, fraction of the dense network (default ${DEFAULT-VALUE})")
    double targetMacs;

    @Option(names = "--max-drop", defaultValue = "0.005", description = "maximum validation accuracy drop, fraction (default ${DEFAULT-VALUE})")
    double maxDrop;

    @Option(names = "--lr", defaultValue = "0.05", description = "learning rate, Nesterov momentum 0.9 (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--train-limit", defaultValue = "0", description = "use only the first N training examples (0 = all)")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0", description = "use only the first N test examples (0 = all)")
    int testLimit;

    @Option(names = "--resume", description = "resume from <out>/ssl-resnet-checkpoints")
    boolean resume;

    @Option(names = "--seed", defaultValue = "12345")
    long seed;

    @Override
    public Integer call() throws Exception {
        BenchmarkJob.Settings s = new BenchmarkJob.Settings();
        s.name = "ssl-resnet";
        s.model = "ResNet-" + (6 * blocksPerStage + 2) + " width " + width;
        s.seed = seed;
        s.baselineEpochs = epochs;
        s.sslEpochs = sslEpochs;
        s.finetuneEpochs = finetuneEpochs;
        s.targetMacs = targetMacs;
        s.maxDrop = maxDrop;
        s.trainLimit = trainLimit;
        s.testLimit = testLimit;
        s.nchw = true;
        s.resume = resume;
        s.outputDir = out;
        s.groups = List.of(GroupKind.FILTER, GroupKind.DEPTH);
        s.blocks = "residual blocks";
        ComputationGraph net = new ComputationGraph(ResNet20.configuration(seed, width, blocksPerStage,
                new org.nd4j.linalg.learning.config.Nesterovs(lr, 0.9)));
        net.init();
        BenchmarkJob.run(s, net, ResNet20.INPUT, data == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(data));
        return 0;
    }
}
