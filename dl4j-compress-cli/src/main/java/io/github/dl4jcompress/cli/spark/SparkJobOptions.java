package io.github.dl4jcompress.cli.spark;

import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.EpochsOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import picocli.CommandLine.Mixin;
import java.io.File;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/** Options shared by {@code spark-ssl} and {@code spark-terngrad}. */
public final class SparkJobOptions {

    @Option(names = "--master", description = "Spark master; default: spark-submit's --master if submitted, else local-cluster with --executors "
            + "executor JVMs on loopback",
            defaultValue = "")
    String master;

    @Option(names = "--executors", description = "executor JVMs for the default local-cluster master (default ${DEFAULT-VALUE})",
            defaultValue = "2")
    int executors;

    @Option(names = "--executor-memory-mb", description = "worker memory of the local-cluster master, MB (default ${DEFAULT-VALUE})",
            defaultValue = "1536")
    int executorMemoryMb;

    @Option(names = "--controller", description = "driver IP as seen by executors for shared training (default: 127.0.0.1 for local masters, "
            + "else spark.driver.host, or DL4J's discovery when --network-mask is given)")
    String controller;

    @Option(names = "--network-mask", description = "network mask DL4J uses to pick each node's IP on a real cluster, e.g. 10.0.0.0/16")
    String networkMask;


    @Option(names = "--train-size", description = "training examples (default ${DEFAULT-VALUE}; 0: all)", defaultValue = "4000")
    int trainSize;

    @Option(names = "--test-size", description = "test examples (default ${DEFAULT-VALUE}; 0: all)", defaultValue = "2000")
    int testSize;

    @Option(names = "--batch", description = "minibatch per worker; the RDD holds minibatches of this size (default ${DEFAULT-VALUE})",
            defaultValue = "32")
    int batch;



    @Mixin
    EpochsOption epochs = new EpochsOption(2);

    @Mixin
    SeedOption seed = new SeedOption(42);

    @Mixin
    DataOption data;

    @Mixin
    OutputDirOption out;

    @Option(names = "--count-interfaces", split = ",", description = "network interfaces whose byte counters are "
            + "recorded over the fits (e.g. the root-side veths of namespace hosts)")
    List<String> countInterfaces = new ArrayList<>();

    @Option(names = "--averaging-frequency", description = "parameter averaging every this many minibatches per worker "
            + "(mode averaging; default ${DEFAULT-VALUE})", defaultValue = "5")
    int averagingFrequency;

    @Option(names = "--checkpoint-dir", description = "after every epoch, save the driver's model (atomically) and the "
            + "progress here: <dir>/<job>-<mode>.zip and .json (default: none)")
    File checkpointDir;

    @Option(names = "--resume", description = "continue from the last epoch checkpoint in --checkpoint-dir (same settings)")
    boolean resume;

    @Option(names = "--epoch-timeout", description = "seconds one epoch's fit may take; beyond it the job logs an error, "
            + "keeps the last checkpoint and exits with status 3 instead of hanging (default ${DEFAULT-VALUE}: none)",
            defaultValue = "0")
    int epochTimeout;

    /** Command-line echo of these options. */
    String echo() {
        return (master.isEmpty() ? "" : " --master " + master) + " --executors " + executors + " --epochs " + epochs.epochs()
                + " --train-size " + trainSize + " --test-size " + testSize + " --batch " + batch
                + (averagingFrequency == 5 ? "" : " --averaging-frequency " + averagingFrequency)
                + data.echo() + " --seed " + seed.seed()
                + (checkpointDir == null ? "" : " --checkpoint-dir " + checkpointDir) + (resume ? " --resume" : "")
                + (epochTimeout == 0 ? "" : " --epoch-timeout " + epochTimeout);
    }
}
