package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.listeners.compress.EpochTrainer;
import io.github.dl4jcompress.prune.AnyNetwork;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code SslCompression} on Spark: an {@link EpochTrainer} that trains each averaging round of an epoch
 * ({@code workers × averagingFrequency} mini-batches, one DL4J {@link ParameterAveragingTrainingMaster} fit) on the
 * executors, then, on the driver, copies the averaged parameters into the procedure's network and runs its listeners
 * for the round's iterations — the budget controller, the budgeted zeroing, the batch-norm group steps, keep-zeros and
 * progress — and at the epoch's end the epoch listeners (checkpoints). The Group Lasso regularizers travel with the
 * configuration; each round's fit sends the current λ (the controller's scale) to the executors.
 *
 * <p>Driver-side listeners act once per round instead of between the executors' steps: a zeroed group may move off
 * zero on an executor within a round and is zeroed again at its end; the batch-norm groups' proximal steps of a round
 * are applied together at its end.
 */
public final class SparkEpochTrainer implements EpochTrainer {

    private static final Logger log = LoggerFactory.getLogger(SparkEpochTrainer.class);

    private final transient JavaSparkContext sc;
    private final int workers;
    private final int averagingFrequency;
    private final long seed;
    private int rounds;

    /**
     * @param sc                 the Spark context
     * @param workers            partitions per round (executors × cores)
     * @param averagingFrequency mini-batches each worker fits between two averagings (one round)
     * @param seed               the training master's seed
     */
    public SparkEpochTrainer(JavaSparkContext sc, int workers, int averagingFrequency, long seed) {
        if (sc == null || workers < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("SparkEpochTrainer: need a Spark context, workers >= 1 and averagingFrequency >= 1, got "
                    + workers + ", " + averagingFrequency);
        }
        this.sc = sc;
        this.workers = workers;
        this.averagingFrequency = averagingFrequency;
        this.seed = seed;
    }

    /** Averaging rounds trained so far. */
    public int rounds() {
        return rounds;
    }

    @Override
    public void fitEpoch(AnyNetwork net, List<MultiDataSet> batches) {
        List<TrainingListener> listeners = net.listeners();
        net.setListeners(List.of());   // the procedure's listeners run here, on the driver
        try {
            int epoch = net.epochCount();
            int perRound = workers * averagingFrequency;
            for (int start = 0; start < batches.size(); start += perRound) {
                List<DataSet> round = new ArrayList<>();
                for (MultiDataSet m : batches.subList(start, Math.min(batches.size(), start + perRound))) {
                    round.add(new DataSet(m.getFeatures(0), m.getLabels(0), m.getFeaturesMaskArray(0), m.getLabelsMaskArray(0)));
                }
                int before = net.iterationCount();
                fitRound(net, sc.parallelize(round, Math.min(workers, round.size())), (int) round.get(0).getFeatures().size(0));
                net.setCounts(before + round.size(), epoch);
                for (int i = 0; i < round.size(); i++) {
                    for (TrainingListener l : listeners) {
                        l.iterationDone(net.model(), before + i, epoch);
                    }
                }
                rounds++;
            }
            for (TrainingListener l : listeners) {
                l.onEpochEnd(net.model());
            }
            net.setCounts(net.iterationCount(), epoch + 1);
            log.debug("epoch {}: {} mini-batches in rounds of {} on Spark", epoch, batches.size(), perRound);
        } finally {
            net.setListeners(listeners);
        }
    }

    /** One parameter-averaging fit of {@code rdd}; the averaged parameters and updater state end up in {@code net}. */
    private void fitRound(AnyNetwork net, JavaRDD<DataSet> rdd, int batchSize) {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(batchSize).batchSizePerWorker(batchSize)
                .averagingFrequency(averagingFrequency).workerPrefetchNumBatches(0).rngSeed(seed + rounds)
                .rddTrainingApproach(RDDTrainingApproach.Direct)   // Export needs a shared file system off local[*]
                .build();
        Model trained;
        if (net.isGraph()) {
            SparkComputationGraph spark = new SparkComputationGraph(sc, (ComputationGraph) net.model(), tm);
            spark.fit(rdd);
            trained = spark.getNetwork();
        } else {
            SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, (MultiLayerNetwork) net.model(), tm);
            spark.fit(rdd);
            trained = spark.getNetwork();
        }
        if (trained != net.model()) {
            net.model().setParams(trained.params());
            INDArray state = AnyNetwork.of(trained).updaterState();
            if (state != null && net.updaterState() != null) {
                net.updaterState().assign(state);
            }
        }
    }
}
