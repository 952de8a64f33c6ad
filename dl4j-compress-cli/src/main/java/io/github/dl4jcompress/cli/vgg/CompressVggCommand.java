package io.github.dl4jcompress.cli.vgg;

import io.github.dl4jcompress.cli.compress.BenchmarkJob;
import io.github.dl4jcompress.cli.models.SmallVgg;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.github.dl4jcompress.cli.compress.BenchmarkJobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Mixin
    BenchmarkJobOptions job;

    @Option(names = "--width", defaultValue = "8", description = "filters of the first stage (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--target-macs", defaultValue = "0.25", description = "MAC budget, fraction of the dense network (default ${DEFAULT-VALUE})")
    double targetMacs;

    @Override
    public Integer call() throws Exception {
        BenchmarkJob.Settings s = job.settings("compress-vgg", "VGG-style 6 conv + BN, width " + width, targetMacs);
        s.groups = List.of(GroupKind.FILTER, GroupKind.CHANNEL);
        s.blocks = "conv layers";
        s.normGroupsAtWeightRate = true;   // the default rate crushed the deep layers' norms (docs/compress.md, session 22)
        MultiLayerNetwork net = new MultiLayerNetwork(SmallVgg.configuration(job.seed(), width, job.lr));
        net.init();
        BenchmarkJob.run(s, net, SmallVgg.INPUT, job.data.load());
        return 0;
    }
}
