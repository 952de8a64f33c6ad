package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Pre-batched training RDDs. DL4J's Spark masters fit one minibatch per RDD element (SharedTrainingMaster's
 * {@code rddDataSetNumExamples} must equal the element size): an RDD of single-example DataSets means one
 * iteration per example. These helpers build RDDs whose elements are minibatches of a fixed size.
 */
public final class Batches {

    /** DL4J's default evaluation batch size of {@code SparkDl4jMultiLayer} and {@code SparkComputationGraph}. */
    public static final int EVALUATION_BATCH = 64;

    private Batches() {
    }

    /** Splits {@code data} into minibatches of {@code batchSize} (the last one may be smaller) and parallelizes them. */
    public static JavaRDD<DataSet> of(JavaSparkContext sc, DataSet data, int batchSize, int partitions) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("Batches: batchSize must be >= 1, got " + batchSize);
        }
        List<DataSet> list = new ArrayList<>(data.batchBy(batchSize));
        return sc.parallelize(list, Math.max(1, partitions));
    }

    /**
     * Minibatches for Spark evaluation ({@code SparkDl4jMultiLayer.evaluate(rdd)}, {@code SparkComputationGraph
     * .evaluate(rdd)}): exactly DL4J's default evaluation batch size, {@value #EVALUATION_BATCH} examples. DL4J re-batches
     * each partition with {@code IteratorDataSetIterator}, which (1.0.0-M2.1) drops the tail of a partition and emits an
     * empty batch when the partition's last element holds more than one but not a whole number of evaluation batches —
     * e.g. 9×256 + 136 examples give 2,432 evaluated and a failing empty batch ("Invalid input: length 0"); elements of
     * exactly the evaluation batch size pass through unchanged.
     */
    public static JavaRDD<DataSet> forEvaluation(JavaSparkContext sc, DataSet data, int partitions) {
        return of(sc, data, EVALUATION_BATCH, partitions);
    }

    /** Collects the minibatches of {@code iterator} (one element per {@code next()}) and parallelizes them. */
    public static JavaRDD<DataSet> of(JavaSparkContext sc, DataSetIterator iterator, int partitions) {
        List<DataSet> list = new ArrayList<>();
        iterator.reset();
        while (iterator.hasNext()) {
            list.add(iterator.next());
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("Batches: the iterator returned no data");
        }
        return sc.parallelize(list, Math.max(1, partitions));
    }
}
