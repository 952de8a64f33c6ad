package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.spark.Batches;
import io.github.dl4jcompress.spark.ExecutorListener;
import io.github.dl4jcompress.spark.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Structured Sparsity Learning on Spark: the Group Lasso configured on the network trains on the executors, SSL's
 * zeroing runs there as an {@link ExecutorListener}, and the driver prunes the result. Runs in {@code local[2]};
 * give {@code spark-submit} a real master instead. On Java 17, Spark needs the JVM options of
 * {@link SparkSettings#java17Flags()}.
 */
public final class SparkSslTraining {
    private SparkSslTraining() {
    }

    /** Trains with parameter averaging on two local Spark threads; returns the pruned network. */
    public static PruneResult<MultiLayerNetwork> run(DataSet train, DataSet test, int side, int epochs) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(5e-3))
                .list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward((long) side * side))
                .build();
        StructuredSparsity.builder().filters(0.04).channels(0.04).build().applyTo(conf);   // travels with the config

        SparkConf spark = SparkSettings.loopback(new SparkConf().setMaster("local[2]").setAppName("ssl-on-spark"));
        try (JavaSparkContext sc = new JavaSparkContext(spark)) {
            ParameterAveragingTrainingMaster averaging = new ParameterAveragingTrainingMaster.Builder(32)
                    .batchSizePerWorker(32).averagingFrequency(4).workerPrefetchNumBatches(0).rngSeed(7).build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, averaging);
            // a factory, so that every executor makes its own listener
            sparkNet.setListeners(ExecutorListener.of(() -> ZeroingListener.builder().threshold(0.1).keepZero(true).build()));
            for (int e = 0; e < epochs; e++) {
                sparkNet.fit(Batches.of(sc, train, 32, 2));        // an RDD of 32-example minibatches, 2 partitions
            }
            double accuracy = sparkNet.evaluate(Batches.forEvaluation(sc, test, 2)).accuracy();

            PruneResult<MultiLayerNetwork> small = StructuredPruner.builder().build().prune(sparkNet.getNetwork());
            System.out.printf("Spark local[2], %d epochs: test accuracy %.3f, parameters %d -> %d%n", epochs, accuracy,
                    small.report().paramsBefore(), small.report().paramsAfter());
            return small;
        }
    }

    public static void main(String[] args) {
        run(ToyImages.make(1024, 12, 1), ToyImages.make(256, 12, 2), 12, 4);
    }
}
