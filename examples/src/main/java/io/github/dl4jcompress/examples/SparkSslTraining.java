package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.spark.Batches;
import io.github.dl4jcompress.spark.SparkEpochTrainer;
import io.github.dl4jcompress.spark.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
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
 * Structured Sparsity Learning on Spark: a network trained with parameter averaging, then compressed to a MAC budget by
 * the SSL procedure with its training phases (control, Group Lasso, fine-tuning) on the executors
 * ({@link SparkEpochTrainer}: one averaging round at a time, the budget controller and the zeroing on the driver).
 * Runs in {@code local[2]}; give {@code spark-submit} a real master instead. On Java 17, Spark needs the JVM options of
 * {@link SparkSettings#java17Flags()}.
 */
public final class SparkSslTraining {
    private SparkSslTraining() {
    }

    /** Trains with parameter averaging on two local Spark threads, compresses to half the MACs; returns the result. */
    public static CompressionResult<MultiLayerNetwork> run(DataSet train, DataSet test, int side, int epochs) {
        InputType input = InputType.feedForward((long) side * side);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(5e-3))
                .list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(input)
                .build();

        SparkConf spark = SparkSettings.loopback(new SparkConf().setMaster("local[2]").setAppName("ssl-on-spark"));
        try (JavaSparkContext sc = new JavaSparkContext(spark)) {
            ParameterAveragingTrainingMaster averaging = new ParameterAveragingTrainingMaster.Builder(32)
                    .batchSizePerWorker(32).averagingFrequency(4).workerPrefetchNumBatches(0).rngSeed(7).build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, averaging);
            for (int e = 0; e < epochs; e++) {
                sparkNet.fit(Batches.of(sc, train, 32, 2));        // an RDD of 32-example minibatches, 2 partitions
            }
            CompressionResult<MultiLayerNetwork> r = SslCompression.builder().targetMacFraction(0.5).maxAccuracyDrop(0.02)
                    .inputTypes(input).sslEpochs(3).finetuneEpochs(1).seed(7)
                    .trainer(new SparkEpochTrainer(sc, 2, 8, 7))             // training phases on the executors
                    .measureOverhead(false).lowerTraining(false)             // (these two time local training)
                    .build()
                    .compress(sparkNet.getNetwork(), new ListDataSetIterator<>(train.batchBy(32), 1), null,
                            new ListDataSetIterator<>(test.batchBy(64), 1));
            System.out.printf("Spark local[2]: %s; test accuracy %.3f -> %.3f, MACs %d -> %d%n", r.report().status,
                    r.report().baseline.testAccuracy, r.report().result.testAccuracy, r.report().baseline.macs, r.report().result.macs);
            return r;
        }
    }

    public static void main(String[] args) {
        run(ToyImages.make(1024, 12, 1), ToyImages.make(256, 12, 2), 12, 4);
    }
}
