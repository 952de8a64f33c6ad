package io.github.dl4jcompress.cli.resnet;

import io.github.dl4jcompress.cli.compress.BenchmarkJob;
import io.github.dl4jcompress.cli.models.ResNet20;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.graph.ComputationGraph;
import io.github.dl4jcompress.cli.compress.BenchmarkJobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Mixin
    BenchmarkJobOptions job;

    @Option(names = "--width", defaultValue = "4",
            description = "base width (16 in the paper; default ${DEFAULT-VALUE} so a run takes tens of minutes on 2 shared cores)")
    int width;

    @Option(names = "--blocks-per-stage", defaultValue = "3", description = "3 = ResNet-20, 5 = ResNet-32 (default ${DEFAULT-VALUE})")
    int blocksPerStage;

    @Option(names = "--target-macs", defaultValue = "0.6", description = "MAC budget, fraction of the dense network (default ${DEFAULT-VALUE})")
    double targetMacs;

    @Override
    public Integer call() throws Exception {
        BenchmarkJob.Settings s = job.settings("ssl-resnet", "ResNet-" + (6 * blocksPerStage + 2) + " width " + width, targetMacs);
        s.nchw = true;
        s.groups = List.of(GroupKind.FILTER, GroupKind.DEPTH);
        s.blocks = "residual blocks";
        ComputationGraph net = new ComputationGraph(ResNet20.configuration(job.seed(), width, blocksPerStage,
                new org.nd4j.linalg.learning.config.Nesterovs(job.lr, 0.9)));
        net.init();
        BenchmarkJob.run(s, net, ResNet20.INPUT, job.data.load());
        return 0;
    }
}
