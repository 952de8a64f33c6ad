package io.github.dl4jcompress.spark;

import java.io.File;
import java.util.Random;
import java.util.function.UnaryOperator;

import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Data, networks and Spark contexts shared by the Spark tests. */
final class SparkTestSupport {

    static final int FEATURES = 12;
    static final int CLASSES = 4;
    /** Inputs 8..11 are always 0: only the regularizers move their weight rows (plain SGD leaves them at their initial values). */
    static final int INFORMATIVE = 8;

    private SparkTestSupport() {
    }

    /** Four Gaussian blobs (σ = 0.5) in the first 8 inputs; inputs 8..11 are exactly 0. */
    static DataSet blobs(int samples, long seed) {
        Random r = new Random(seed);
        Random c = new Random(99);
        double[][] centres = new double[CLASSES][INFORMATIVE];
        for (double[] row : centres) {
            for (int f = 0; f < INFORMATIVE; f++) {
                row[f] = 1.5 * c.nextGaussian();
            }
        }
        INDArray x = Nd4j.create(DataType.FLOAT, samples, FEATURES);
        INDArray y = Nd4j.zeros(DataType.FLOAT, samples, CLASSES);
        for (int i = 0; i < samples; i++) {
            int k = i % CLASSES;
            for (int f = 0; f < FEATURES; f++) {
                double v = f < INFORMATIVE ? centres[k][f] + 0.5 * r.nextGaussian() : 0.0;
                x.putScalar(i, f, v);
            }
            y.putScalar(i, k, 1.0);
        }
        return new DataSet(x, y);
    }

    private static NeuralNetConfiguration.Builder base(long seed, boolean sgd) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).updater(sgd ? new Sgd(0.1) : new Nesterovs(0.05, 0.9));
    }

    /** 12-16-16-4 MLP named in0/h1/out; with Group Lasso (CHANNEL, FILTER) and binary push when {@code ssl}. */
    static MultiLayerConfiguration mlp(long seed, boolean ssl, boolean sgd) {
        MultiLayerConfiguration conf = base(seed, sgd).list()
                .layer(new DenseLayer.Builder().name("in0").nOut(16).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("h1").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(FEATURES)).build();
        if (ssl) {
            sparsity().applyTo(conf);
        }
        return conf;
    }

    /** The same network as a graph. */
    static ComputationGraphConfiguration graph(long seed, boolean ssl) {
        ComputationGraphConfiguration conf = base(seed, false).graphBuilder().addInputs("x")
                .addLayer("in0", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "x")
                .addLayer("h1", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "in0")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "h1")
                .setOutputs("out").setInputTypes(InputType.feedForward(FEATURES)).build();
        if (ssl) {
            sparsity().applyTo(conf);
        }
        return conf;
    }

    static StructuredSparsity sparsity() {
        return StructuredSparsity.builder().channels(1e-2).filters(1e-3).binaryPush(1e-5).build();
    }

    /** {@code local[n]} on loopback. */
    static JavaSparkContext local(int threads, String name) {
        SparkConf conf = SparkSettings.loopback(new SparkConf().setMaster("local[" + threads + "]").setAppName(name))
                .set("spark.default.parallelism", Integer.toString(threads));
        return new JavaSparkContext(conf);
    }

    /** {@code local-cluster[executors,1,1536]}: separate executor JVMs over loopback, test classpath. */
    static JavaSparkContext localCluster(int executors, String name, String classpath) {
        return localCluster(executors, name, classpath, 4);
    }

    /** As above with {@code spark.task.maxFailures}. */
    static JavaSparkContext localCluster(int executors, String name, String classpath, int maxFailures) {
        return localCluster(executors, name, classpath, maxFailures, conf -> conf);
    }

    /** As above, with further settings (e.g. the serializer). */
    static JavaSparkContext localCluster(int executors, String name, String classpath, int maxFailures,
                                         UnaryOperator<SparkConf> more) {
        File home = new File(System.getProperty("spark.home.dir", "target/spark-home"));
        SparkConf conf = SparkSettings.localCluster(new SparkConf().setAppName(name), executors, 1536, home, classpath)
                .set("spark.default.parallelism", Integer.toString(executors))
                .set("spark.task.maxFailures", Integer.toString(maxFailures))
                .set("spark.executor.extraJavaOptions", SparkSettings.executorJavaOptions(
                        "-Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        return new JavaSparkContext(more.apply(conf));
    }

    /** Waits (at most 120 s) until {@code n} executors have registered, so that jobs spread over all of them. */
    static void awaitExecutors(JavaSparkContext sc, int n) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (sc.sc().getExecutorIds().size() < n && System.currentTimeMillis() < deadline) {
            sleep(200);
        }
        if (sc.sc().getExecutorIds().size() < n) {
            throw new IllegalStateException("executors registered: " + sc.sc().getExecutorIds() + ", expected " + n);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The test JVM's classpath (surefire's real one, not its manifest jar). */
    static String testClasspath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
