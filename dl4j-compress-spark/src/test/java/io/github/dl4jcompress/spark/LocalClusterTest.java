package io.github.dl4jcompress.spark;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.spark.util.SparkUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real distribution: {@code local-cluster[2,1,1536]} starts two executor JVMs that talk to the driver over loopback
 * (Spark RPC, and Aeron UDP for shared training).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LocalClusterTest {

    private static JavaSparkContext sc;
    private static final ExecutorTasks TASKS = new ExecutorTasks();
    private static final DataSet TRAIN = SparkTestSupport.blobs(1024, 1);
    private static final DataSet TEST = SparkTestSupport.blobs(512, 2);

    @BeforeAll
    static void start() {
        sc = SparkTestSupport.localCluster(2, "local-cluster", SparkTestSupport.testClasspath());
        sc.sc().addSparkListener(TASKS);
        // wait for both executors to register, so that the first job is spread over two JVMs
        SparkTestSupport.awaitExecutors(sc, 2);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void globalTernGradSharedTrainingAcrossTwoExecutorJvms() {
        TASKS.succeeded.clear();
        SharedTrainingMaster tm = SafeSharedTrainingMaster.builder(32).controllerAddress("127.0.0.1").ternGrad(2.5, 5)
                .build(sc.getConf());
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, SparkTestSupport.mlp(5, true, true), tm);
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 2);
        for (int epoch = 0; epoch < 3; epoch++) {
            spark.fit(train);
        }
        assertTrue(TASKS.succeeded.size() >= 2, "tasks per executor " + TASKS.succeeded);
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 2)).accuracy();
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);

        // every executor JVM chose its own Aeron port (DL4J's static supplier would have given both 49876)
        List<String> ports = sc.parallelize(List.of(0, 1, 2, 3), 4)
                .map(i -> SparkUtils.getSparkExecutorId() + ":" + JvmFreePortSupplier.portOfThisJvm()).distinct().collect();
        long executorsWithPort = ports.stream().filter(s -> !s.endsWith(":null")).map(s -> s.split(":")[0]).distinct().count();
        assertTrue(executorsWithPort >= 2, "executor:port " + ports);
        assertEquals(ports.stream().map(s -> s.split(":")[1]).distinct().count(), ports.size(), "ports " + ports);
    }

    @Test
    void parameterAveragingSurvivesAKilledExecutor(@TempDir Path dir) {
        File marker = dir.resolve("executor-killed").toFile();
        TASKS.failed.set(0);
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(32).batchSizePerWorker(32)
                .averagingFrequency(16).workerPrefetchNumBatches(0).rngSeed(7)
                .rddTrainingApproach(RDDTrainingApproach.Direct).build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, SparkTestSupport.mlp(3, true, false), tm);
        spark.setListeners(ExecutorListener.of(() -> new HaltOnceListener(marker, 5)));
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 2);
        for (int epoch = 0; epoch < 3; epoch++) {
            spark.fit(train);
        }
        assertTrue(marker.exists(), "an executor was killed");
        assertTrue(TASKS.failed.get() >= 1, "failed tasks " + TASKS.failed.get());
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 2)).accuracy();
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);
        assertNotNull(spark.getNetwork().params());
        assertNotEquals(0, spark.getNetwork().params().norm2Number().doubleValue());
    }
}
