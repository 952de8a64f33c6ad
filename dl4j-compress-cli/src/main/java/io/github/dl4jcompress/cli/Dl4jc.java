package io.github.dl4jcompress.cli;

import io.github.dl4jcompress.cli.ssl.SslLenetCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dl4jc} command line: one subcommand per example job. */
@Command(name = "dl4jc", mixinStandardHelpOptions = true, version = "dl4j-compress 0.1.0",
        description = "Structured sparsity, pruning and low-precision training for Deeplearning4j.",
        subcommands = {SslLenetCommand.class, ReportCommand.class, io.github.dl4jcompress.cli.bench.LenetThroughputCommand.class,
                io.github.dl4jcompress.cli.terngrad.TernGradCommand.class, io.github.dl4jcompress.cli.terngrad.TernGradModelCommand.class,
                io.github.dl4jcompress.cli.prune.PruneCommand.class,
                io.github.dl4jcompress.cli.compress.CompressCommand.class,
                io.github.dl4jcompress.cli.resnet.SslResnetCommand.class,
                io.github.dl4jcompress.cli.vgg.CompressVggCommand.class,
                io.github.dl4jcompress.cli.zoo.PruneZooCommand.class,
                io.github.dl4jcompress.cli.truenorth.TrueNorthCommand.class,
                io.github.dl4jcompress.cli.spark.SparkSslCommand.class,
                io.github.dl4jcompress.cli.spark.SparkTernGradCommand.class,
                io.github.dl4jcompress.cli.arbiter.ArbiterSearchCommand.class,
                io.github.dl4jcompress.cli.speed.PruneBenchCommand.class,
                io.github.dl4jcompress.cli.results.ResultsPageCommand.class,
                io.github.dl4jcompress.cli.speed.TrainProfileCommand.class,
                io.github.dl4jcompress.cli.bench.VsPytorchCommand.class,
                io.github.dl4jcompress.cli.cluster.MacCostCommand.class,
                io.github.dl4jcompress.cli.cluster.ClusterReportCommand.class,
                io.github.dl4jcompress.cli.cluster.RogueCommand.class})
public final class Dl4jc implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new Dl4jc()).execute(args));
    }
}
