package io.github.dl4jcompress.spark;

import java.util.concurrent.TimeUnit;

import io.github.dl4jcompress.regularization.GroupLasso;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SharedTrainingMaster (threshold encoding and global TernGrad) built by {@link SafeSharedTrainingMaster}, in
 * local[1] (driver and the one executor share a JVM and DL4J's parameter server): SSL networks learn, the regularizers
 * act on the executor, and the TernGrad reducer's result is what the master keeps.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SharedTrainingLocalTest {

    private static JavaSparkContext sc;
    private static final DataSet TRAIN = SparkTestSupport.blobs(1024, 1);
    private static final DataSet TEST = SparkTestSupport.blobs(512, 2);

    @BeforeAll
    static void start() {
        sc = SparkTestSupport.local(1, "shared-local");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void thresholdSharingTrainsAnSslMultiLayerNetwork() {
        SharedTrainingMaster tm = SafeSharedTrainingMaster.builder(32).controllerAddress("127.0.0.1").build(sc.getConf());
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, SparkTestSupport.mlp(5, true, false), tm);
        spark.setListeners(ParameterAveragingSslTest.zeroing());
        double before = ParameterAveragingSslTest.deadInputRowNorm(spark.getNetwork().getLayer(0).getParam("W"));
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 1);
        for (int epoch = 0; epoch < 4; epoch++) {
            spark.fit(train);
        }
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 1)).accuracy();
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        double after = ParameterAveragingSslTest.deadInputRowNorm(spark.getNetwork().getLayer(0).getParam("W"));
        assertTrue(after < 0.95 * before, "zero-input rows: mean norm " + before + " -> " + after);
        assertInstanceOf(GroupLasso.class, ((BaseLayer) spark.getNetwork().getLayer(0).conf().getLayer()).getRegularization().get(0));
    }

    @Test
    void perLayerTernGradTrainsAnSslNetwork() {
        SharedTrainingMaster tm = SafeSharedTrainingMaster.builder(32).controllerAddress("127.0.0.1")
                .ternGradPerLayer(2.5, 13).build(sc.getConf());
        PerLayerTernGradTrainingMaster perLayer = assertInstanceOf(PerLayerTernGradTrainingMaster.class, tm);
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, SparkTestSupport.mlp(5, true, true), tm);
        INDArray before = spark.getNetwork().params().dup();
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 1);
        for (int epoch = 0; epoch < 4; epoch++) {
            spark.fit(train);
        }
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 1)).accuracy();
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);
        // one message per minibatch (1024/32 per epoch), all applied by the driver
        assertEquals(4 * 32, perLayer.messagesReceivedByDriver());
        assertTrue(spark.getNetwork().params().distance2(before) > 0);
        TernGradExecutorTrainer.Traffic traffic = TernGradExecutorTrainer.traffic();
        assertEquals(4 * 32, traffic.sent());
        assertEquals(4 * 32, traffic.minibatches());
    }

    @Test
    void perLayerTernGradTrainsAGraph() {
        SharedTrainingMaster tm = SafeSharedTrainingMaster.builder(32).controllerAddress("127.0.0.1")
                .ternGradPerLayer(2.5, 17).build(sc.getConf());
        SparkComputationGraph spark = new SparkComputationGraph(sc, SparkTestSupport.graph(5, true), tm);
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 1);
        for (int epoch = 0; epoch < 4; epoch++) {
            spark.fit(train);
        }
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 1)).accuracy();
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);
        assertEquals(4 * 32, ((PerLayerTernGradTrainingMaster) tm).messagesReceivedByDriver());
    }

    @Test
    void globalTernGradTrainsAnSslGraph() {
        SharedTrainingMaster tm = SafeSharedTrainingMaster.builder(32).controllerAddress("127.0.0.1").ternGrad(2.5, 11)
                .build(sc.getConf());
        SparkComputationGraph spark = new SparkComputationGraph(sc, SparkTestSupport.graph(5, true), tm);
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 1);
        for (int epoch = 0; epoch < 4; epoch++) {
            spark.fit(train);
        }
        double accuracy = spark.evaluate(Batches.of(sc, TEST, 64, 1)).accuracy();
        assertTrue(accuracy > 0.85, "accuracy " + accuracy);
        // the driver keeps the reducer's result: our class with our parameters
        ExecutorSeededTernGrad kept = assertInstanceOf(ExecutorSeededTernGrad.class, tm.getThresholdAlgorithm());
        assertEquals(2.5, kept.getClipFactor());
    }
}
