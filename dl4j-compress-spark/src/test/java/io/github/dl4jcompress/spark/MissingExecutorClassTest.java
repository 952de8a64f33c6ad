package io.github.dl4jcompress.spark;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.learning.regularization.Regularization;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One executor JVM whose classpath lacks the test classes: a configuration with a test-only regularizer fails with an
 * error that names the class — at once from {@link ExecutorClasspathCheck}, and from Spark itself if training is
 * started anyway. Configurations using only this project's regularizers pass the check.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MissingExecutorClassTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        String testClasses = new File("target/test-classes").getAbsolutePath();
        List<String> cp = new ArrayList<>();
        for (String e : SparkTestSupport.testClasspath().split(File.pathSeparator)) {
            if (!new File(e).getAbsolutePath().equals(testClasses)) {
                cp.add(e);
            }
        }
        sc = SparkTestSupport.localCluster(1, "missing-class", String.join(File.pathSeparator, cp), 1);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static MultiLayerConfiguration withTestOnlyRegularizer() {
        MultiLayerConfiguration conf = SparkTestSupport.mlp(1, true, false);
        BaseLayer layer = (BaseLayer) conf.getConf(1).getLayer();
        List<Regularization> regs = new ArrayList<>(layer.getRegularization());
        regs.add(new TestOnlyL2(1e-4));
        layer.setRegularization(regs);
        return conf;
    }

    @Test
    void checkNamesTheMissingRegularizerAndItsLayer() {
        ExecutorClasspathCheck.verify(sc, SparkTestSupport.mlp(1, true, false)); // ours only: passes
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ExecutorClasspathCheck.verify(sc, withTestOnlyRegularizer()));
        assertTrue(e.getMessage().contains(TestOnlyL2.class.getName() + " (layer 'h1' regularizer"), e.getMessage());
    }

    @Test
    void trainingWithoutTheCheckFailsWithTheClassName() {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(32).batchSizePerWorker(32)
                .averagingFrequency(4).workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Direct).build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, withTestOnlyRegularizer(), tm);
        Exception e = assertThrows(Exception.class,
                () -> spark.fit(Batches.of(sc, SparkTestSupport.blobs(128, 1), 32, 1)));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        assertTrue(chain.toString().contains("ClassNotFoundException: " + TestOnlyL2.class.getName()), chain.toString());
    }
}
