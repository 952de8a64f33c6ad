package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.regularization.GroupKind;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compression procedure with its training phases on Spark (local[2], parameter averaging): the same phases as a
 * local run, every averaging round trained on the executors, the budget controller and zeroing on the driver.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SparkCompressionTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestSupport.local(2, "spark-compression");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void theProceduresTrainingPhasesRunOnSparkAndReachTheBudget() {
        DataSet train = SparkTestSupport.blobs(640, 1);
        DataSet validation = SparkTestSupport.blobs(160, 2);
        MultiLayerNetwork net = new MultiLayerNetwork(SparkTestSupport.mlp(3, false, false));
        net.init();
        net.fit(new ListDataSetIterator<>(train.batchBy(32)), 3);          // the baseline
        INDArray before = net.params().dup();

        SparkEpochTrainer spark = new SparkEpochTrainer(sc, 2, 2, 7);
        InputType input = InputType.feedForward(SparkTestSupport.FEATURES);
        CompressionResult<MultiLayerNetwork> r = SslCompression.builder().targetMacFraction(0.5).maxAccuracyDrop(0.05)
                .groups(GroupKind.FILTER, GroupKind.CHANNEL).sslEpochs(3).finetuneEpochs(1).maxBackoffs(0).frequency(4)
                .measureOverhead(false).lowerTraining(false).lowering(false).latencyRepeats(3).inputTypes(input).seed(5)
                .trainer(spark).build()
                .compress(net, new ListDataSetIterator<>(train.batchBy(32), 1), new ListDataSetIterator<>(validation.batchBy(80), 1));
        CompressionReport report = r.report();

        assertEquals(before, net.params(), "the input network is not modified");
        assertTrue(report.completed.containsAll(List.of("baseline", "control", "sparsify-1", "prune-1", "finetune", "final")),
                report.completed.toString());
        // control 4 epochs + sparsify 3 + fine-tune 1; 640 training examples = 20 mini-batches = 5 rounds of 2 workers x 2
        // mini-batches per epoch
        assertEquals((4 + 3 + 1) * 5, spark.rounds(), "every training epoch ran in averaging rounds on Spark");
        assertTrue(!report.history.isEmpty(), "the budget controller ran on the driver");
        CompressionReport.Round round = report.rounds.get(0);
        assertTrue(round.groupsZeroed > 0, "the driver's budgeted zeroing zeroed groups");
        assertTrue(round.macFraction <= 0.5 * 1.05, "MAC fraction after sparsify " + round.macFraction);
        long macs = new CostModel().of(r.network(), input).getMacs();
        assertEquals(report.result.macs, macs);
        assertTrue(report.result.accuracy > 0.8, "validation accuracy " + report.result.accuracy);
    }
}
