package io.github.dl4jcompress.cli.spark;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.github.dl4jcompress.cli.ssl.LeNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A spark-terngrad job on {@code local[1]} (parameter averaging, 200 examples) stopped after one epoch and resumed
 * with {@code --resume} for a second: the resumed job starts from the first one's checkpoint (its epoch-1 accuracy
 * and fit time carried over, not recomputed) and leaves a checkpoint that {@link EpochCheckpoint#verify} accepts.
 * The driver kill itself is exercised on the namespace cluster ({@code cluster.sh FAULT=killdriver}).
 */
class SparkResumeTest {

    private static SparkJobOptions options(File out, File ckpt, String... extra) {
        SparkJobOptions o = new SparkJobOptions();
        List<String> args = new java.util.ArrayList<>(List.of("--master", "local[1]", "--out", out.getPath(),
                "--train-size", "200", "--test-size", "100", "--averaging-frequency", "1", "--checkpoint-dir", ckpt.getPath()));
        args.addAll(List.of(extra));
        new CommandLine(o).parseArgs(args.toArray(new String[0]));
        return o;
    }

    @Test
    void aStoppedJobResumesFromItsLastEpochCheckpoint(@TempDir Path dir) throws Exception {
        File ckpt = new File(dir.toFile(), "ckpt");
        Map<String, Object> first = new SparkJobRunner(options(dir.toFile(), ckpt, "--epochs", "1"), "spark-terngrad")
                .run(SparkJobRunner.Mode.AVERAGING, LeNet.configuration(42, new Sgd(0.02)), false, 0);
        assertNull(first.get("resumedAfterEpoch"));
        Map<String, Object> resumed = new SparkJobRunner(options(dir.toFile(), ckpt, "--epochs", "2", "--resume"), "spark-terngrad")
                .run(SparkJobRunner.Mode.AVERAGING, LeNet.configuration(42, new Sgd(0.02)), false, 0);
        assertEquals(1, resumed.get("resumedAfterEpoch"));
        List<?> acc = (List<?>) resumed.get("accuracyByEpoch");
        List<?> fit = (List<?>) resumed.get("fitSecondsByEpoch");
        assertEquals(2, acc.size());
        assertEquals(((List<?>) first.get("accuracyByEpoch")).get(0), acc.get(0));
        assertEquals(((List<?>) first.get("fitSecondsByEpoch")).get(0), fit.get(0));
        Map<String, Object> check = EpochCheckpoint.verify(new File(ckpt, "spark-terngrad-averaging.json"),
                new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(LeNet.configuration(42, new Sgd(0.02))).numParams(),
                io.github.dl4jcompress.cli.data.FashionMnist.bundled().test());
        assertEquals(true, check.get("valid"), check.toString());
        assertEquals(2, check.get("epochsDone"));
    }
}
