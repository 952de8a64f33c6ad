package io.github.dl4jcompress.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.BinaryPush;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.regularization.Regularization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group Lasso + binary push + executor-side zeroing under ParameterAveragingTrainingMaster in local[2]: the
 * configuration travels to the workers by Java serialization (fit) and as JSON (Spark evaluation), the model learns,
 * the weight rows of the always-zero inputs (moved by the regularizers only) shrink, and the result is pruned and saved.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ParameterAveragingSslTest {

    private static JavaSparkContext sc;
    private static final DataSet TRAIN = SparkTestSupport.blobs(1024, 1);
    private static final DataSet TEST = SparkTestSupport.blobs(512, 2);

    @BeforeAll
    static void start() {
        sc = SparkTestSupport.local(2, "paramavg-ssl");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static ParameterAveragingTrainingMaster averaging() {
        return new ParameterAveragingTrainingMaster.Builder(32).batchSizePerWorker(32).averagingFrequency(16)
                .workerPrefetchNumBatches(0).rngSeed(7).build();
    }

    static ExecutorListener zeroing() {
        return ExecutorListener.of(() -> ZeroingListener.builder().threshold(0.05).keepZero(true).build());
    }

    @Test
    void configurationSurvivesJavaSerializationAndJson() throws Exception {
        MultiLayerConfiguration conf = SparkTestSupport.mlp(3, true, false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        MultiLayerConfiguration viaJava;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            viaJava = (MultiLayerConfiguration) in.readObject();
        }
        MultiLayerConfiguration viaJson = MultiLayerConfiguration.fromJson(conf.toJson());
        for (MultiLayerConfiguration c : List.of(viaJava, viaJson)) {
            assertEquals(conf, c);
            for (int i = 0; i < 3; i++) {
                assertEquals(((BaseLayer) conf.getConf(i).getLayer()).getRegularization(),
                        ((BaseLayer) c.getConf(i).getLayer()).getRegularization());
            }
        }
        ComputationGraphConfiguration g = SparkTestSupport.graph(3, true);
        assertEquals(g, ComputationGraphConfiguration.fromJson(g.toJson()));
    }

    @Test
    void multiLayerTrainsShrinksNoiseInputsPrunesAndSaves(@TempDir Path dir) throws Exception {
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, SparkTestSupport.mlp(3, true, false), averaging());
        double before = deadInputRowNorm(spark.getNetwork().getLayer(0).getParam("W"));
        spark.setListeners(zeroing());
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 2);
        for (int epoch = 0; epoch < 6; epoch++) {
            spark.fit(train);
        }
        MultiLayerNetwork net = spark.getNetwork();
        // the regularizers are still ours after the round trips through the workers
        List<Regularization> regs = ((BaseLayer) net.getLayer(0).conf().getLayer()).getRegularization();
        assertTrue(regs.stream().anyMatch(r -> r instanceof GroupLasso), regs.toString());
        assertTrue(regs.stream().anyMatch(r -> r instanceof BinaryPush), regs.toString());

        Evaluation eval = spark.evaluate(Batches.of(sc, TEST, 64, 2)); // Spark evaluation: configuration as JSON
        double sparkAccuracy = eval.accuracy();
        assertTrue(sparkAccuracy > 0.9, "accuracy " + sparkAccuracy);
        Evaluation local = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(TEST.batchBy(64)));
        assertEquals(local.accuracy(), sparkAccuracy, 1e-9);

        // those rows get no data gradient: without the regularizers running on the workers they would stay as initialized
        double after = deadInputRowNorm(net.getLayer(0).getParam("W"));
        assertTrue(after < 0.9 * before, "zero-input rows: mean norm " + before + " -> " + after);

        prunedAndSaved(net, dir.resolve("mln.zip").toFile());
    }

    @Test
    void computationGraphTrainsPrunesAndSaves(@TempDir Path dir) throws Exception {
        SparkComputationGraph spark = new SparkComputationGraph(sc, SparkTestSupport.graph(3, true), averaging());
        double before = deadInputRowNorm(spark.getNetwork().getLayer("in0").getParam("W"));
        spark.setListeners(zeroing());
        JavaRDD<DataSet> train = Batches.of(sc, TRAIN, 32, 2);
        for (int epoch = 0; epoch < 6; epoch++) {
            spark.fit(train);
        }
        ComputationGraph net = spark.getNetwork();
        Evaluation eval = spark.evaluate(Batches.of(sc, TEST, 64, 2));
        assertTrue(eval.accuracy() > 0.9, "accuracy " + eval.accuracy());
        assertInstanceOf(GroupLasso.class, ((BaseLayer) net.getLayer("in0").conf().getLayer()).getRegularization().get(0));
        double after = deadInputRowNorm(net.getLayer("in0").getParam("W"));
        assertTrue(after < 0.9 * before, "zero-input rows: mean norm " + before + " -> " + after);

        ZeroingListener.builder().threshold(0.05).build().iterationDone(net, 0, 0);
        PruneResult<ComputationGraph> pruned = StructuredPruner.builder().verifyOn(1e-4, TEST.getFeatures()).build().prune(net);
        File file = dir.resolve("cg.zip").toFile();
        ModelSerializer.writeModel(pruned.network(), file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(pruned.network().outputSingle(TEST.getFeatures()), restored.outputSingle(TEST.getFeatures()));
        System.out.println("CG pruned: " + pruned.report().paramsBefore() + " -> " + pruned.report().paramsAfter());
    }

    private static void prunedAndSaved(MultiLayerNetwork net, File file) throws Exception {
        ZeroingListener.builder().threshold(0.05).build().iterationDone(net, 0, 0);
        PruneResult<MultiLayerNetwork> pruned = StructuredPruner.builder().verifyOn(1e-4, TEST.getFeatures()).build().prune(net);
        assertTrue(pruned.report().paramsAfter() <= pruned.report().paramsBefore());
        ModelSerializer.writeModel(pruned.network(), file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(pruned.network().output(TEST.getFeatures()), restored.output(TEST.getFeatures()));
        assertEquals(net.output(TEST.getFeatures()).argMax(1), restored.output(TEST.getFeatures()).argMax(1));
        System.out.println("MLN pruned: " + pruned.report().paramsBefore() + " -> " + pruned.report().paramsAfter());
    }

    /** Mean L2 norm of the rows of {@code W[nIn, nOut]} that belong to the always-zero inputs. */
    static double deadInputRowNorm(INDArray w) {
        INDArray norms = w.dup().norm2(1);
        double sum = 0;
        for (int i = SparkTestSupport.INFORMATIVE; i < SparkTestSupport.FEATURES; i++) {
            sum += norms.getDouble(i);
        }
        return sum / (SparkTestSupport.FEATURES - SparkTestSupport.INFORMATIVE);
    }
}
