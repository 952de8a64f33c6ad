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
        description = "ResNet-20 on Fashion-MNIST, compressed with DEPTH Group Lasso (residual blocks; --filters: filters too) to a MAC budget.")
public final class SslResnetCommand implements Callable<Integer> {

    @Mixin
    BenchmarkJobOptions job;

    @Option(names = "--width", defaultValue = "4",
            description = "base width (16 in the paper; default ${DEFAULT-VALUE} so a run takes tens of minutes on 2 shared cores)")
    int width;

    @Option(names = "--blocks-per-stage", defaultValue = "3", description = "3 = ResNet-20, 5 = ResNet-32 (default ${DEFAULT-VALUE})")
    int blocksPerStage;

    @Option(names = "--target-macs", defaultValue = "0.7",
            description = "MAC budget, fraction of the dense network (default ${DEFAULT-VALUE}: each of the 9 blocks of ResNet-20 holds about 11%, "
                    + "the first of stages 2 and 3 about 8.5%: 3 blocks removed leave 67-75%; 70% with its 5% slack accepts up to 73.5%)")
    double targetMacs;

    @Option(names = "--filters", description = "sparsify the first convolution's filters of each block too (FILTER + DEPTH); "
            + "default DEPTH only, as in the paper's ResNet-20 depth experiment")
    boolean filters;

    @Option(names = "--lowering", description = "lower the result's convolutions where faster; default off, so the JSON speedup "
            + "compares the result and the dense baseline both on DL4J's layers")
    boolean lowering;

    @Option(names = "--measure-overhead", description = "measure the listeners' overhead by interleaved training blocks "
            + "(10 controller periods of training; default: from the phases' times per iteration)")
    boolean measureOverhead;

    @Option(names = "--norm-groups-at-weight-rate", description = "the batch-norm (branch) groups shrink at the weight groups' rate "
            + "(SslCompression.Builder#normGroupsAtWeightRate; compress-vgg sets it)")
    boolean normGroupsAtWeightRate;

    @Override
    public Integer call() throws Exception {
        BenchmarkJob.Settings s = job.settings("ssl-resnet", "ResNet-" + (6 * blocksPerStage + 2) + " width " + width, targetMacs);
        s.nchw = true;
        s.groups = filters ? List.of(GroupKind.FILTER, GroupKind.DEPTH) : List.of(GroupKind.DEPTH);
        s.blocks = "residual blocks";
        s.lowering = lowering;
        s.measureOverhead = measureOverhead;
        s.normGroupsAtWeightRate = normGroupsAtWeightRate;
        ComputationGraph net = new ComputationGraph(ResNet20.configuration(job.seed(), width, blocksPerStage,
                new org.nd4j.linalg.learning.config.Nesterovs(job.lr, 0.9)));
        net.init();
        BenchmarkJob.run(s, net, ResNet20.INPUT, job.data.load());
        return 0;
    }
}
