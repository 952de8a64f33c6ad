package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.repartitioner.DefaultRepartitioner;
import org.deeplearning4j.spark.parameterserver.networking.v2.UpdatesConsumer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingWorker;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-layer TernGrad (one scaler {@code s_l} per parameter array, TernGrad's layer-wise ternarizing) in Spark
 * shared training: a {@link SharedTrainingMaster} whose executors run {@link TernGradExecutorTrainer} instead of
 * DL4J's {@code SharedTrainingWrapper}, and whose driver applies the executors' {@code TernaryMessage}s with a
 * {@link TernGradDriverApplier} instead of DL4J's threshold/bitmap decoder. Build it with
 * {@link SafeSharedTrainingMaster.Builder#ternGradPerLayer(double, long)}.
 *
 * <p>What is DL4J's and what is replaced: DL4J's data preparation (repartitioning), broadcast of model and
 * configuration ({@code SharedTrainingWorker}), driver set-up of the Aeron parameter server, result aggregation and
 * updater-state handling are used unchanged. Replaced: the executor wrapper, its encoding handler, accumulator and
 * updates consumer (one class each here), the flat-map functions that call the wrapper, and the driver's updates
 * consumer (DL4J's is kept subscribed, in bypass mode, only to answer late joiners' parameter requests). Each
 * executor message is {@code 20 + 8·L + ⌈N/4⌉} bytes for {@code N} parameters in {@code L} arrays, against
 * {@code 4·(⌊N/16⌋ + 5)} for DL4J's one-scaler bitmap.
 *
 * <p>After each {@code fit} the driver waits (at most {@value #DRAIN_TIMEOUT_MS} ms) until it has received as many
 * messages as the executors report sending, then applies them, so the returned model holds every update. Trains
 * from RDDs of pre-batched {@code DataSet}/{@code MultiDataSet} ({@code RDDTrainingApproach.Direct}); path-based
 * {@code fitPaths} is refused.
 *
 * <p>Every message travels in an HMAC-SHA256 envelope ({@link AuthenticatedUpdates}) under a per-job key that
 * reaches the executors only inside Spark's task closures; the executors and the driver drop (count, log) anything
 * unauthenticated or replayed. DL4J's own threshold/bitmap messages (other training masters) remain unauthenticated.
 */
public final class PerLayerTernGradTrainingMaster extends SharedTrainingMaster {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(PerLayerTernGradTrainingMaster.class);
    static final long DRAIN_TIMEOUT_MS = 30_000;

    private final PerLayerTernGradSettings settings;
    private transient TernGradDriverApplier applier;
    private transient AuthenticatedUpdates verifiedApplier;
    private transient UpdatesConsumer bypassed;
    private transient LongAccumulator sentThisFit;
    private transient long expectedReceived;

    PerLayerTernGradTrainingMaster(VoidConfiguration voidConfiguration, int batchSizePerWorker,
                                   boolean collectTrainingStats, PerLayerTernGradSettings settings) {
        super(voidConfiguration, null, RDDTrainingApproach.Direct, StorageLevel.MEMORY_ONLY_SER(), collectTrainingStats,
                RepartitionStrategy.Balanced, Repartition.Always, null, null, batchSizePerWorker, batchSizePerWorker,
                0L, 1, 2, new DefaultRepartitioner(), Boolean.TRUE, 5000, false);
        this.settings = settings;
    }

    /** The clip factor {@code c} (clipping at {@code c·σ_l}). */
    public double clipFactor() {
        return settings.clipFactor();
    }

    /** The base seed of the executors' random streams. */
    public long seed() {
        return settings.seed();
    }

    /** Executor messages the driver has received (and applied, after {@code fit} returns) in this session. */
    public long messagesReceivedByDriver() {
        return applier == null ? 0 : applier.received();
    }

    /** Messages the executors reported sending (one per minibatch) in the fits of this session that finished. */
    public long messagesSentByExecutors() {
        return expectedReceived;
    }

    /**
     * Received messages each executor JVM refused so far (executor id → count), from a small probe job of
     * {@code 4·tasks} tasks; an executor none of them reached is missing from the map.
     */
    public static Map<String, Long> messagesRefusedByExecutors(JavaSparkContext sc, int tasks) {
        Map<String, Long> out = new TreeMap<>();
        executorTraffic(sc, tasks).forEach((id, t) -> out.put(id, (Long) t.get("refused")));
        return out;
    }

    /**
     * What each executor JVM's trainer has done so far (executor id → sent, bytesSent, received, minibatches,
     * refused, and wall seconds fitSeconds, encodeSeconds, sealSeconds, transportSendSeconds, applySeconds,
     * openSeconds; see
     * {@code TernGradExecutorTrainer.Traffic}), from a small probe job of {@code 4·tasks} tasks; an executor none of
     * them reached is missing from the map.
     */
    public static Map<String, Map<String, Object>> executorTraffic(JavaSparkContext sc, int tasks) {
        int n = 4 * Math.max(1, tasks);
        Map<String, TernGradExecutorTrainer.Traffic> latest = new TreeMap<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(i);
        }
        for (TernGradExecutorTrainer.Traffic t : sc.parallelize(ids, n).map(i -> TernGradExecutorTrainer.traffic()).collect()) {
            latest.merge(t.executorId(), t, (a, b) -> a.minibatches() >= b.minibatches() ? a : b);
        }
        Map<String, Map<String, Object>> out = new TreeMap<>();
        latest.forEach((id, t) -> out.put(id, t.asMap()));
        return out;
    }

    /**
     * Received messages the driver dropped in this session: unauthenticated (forged, corrupted, another job's key),
     * replayed, or not an envelope at all. None of them touched a parameter.
     */
    public long messagesRefusedByDriver() {
        return verifiedApplier == null ? 0 : verifiedApplier.verifier().rejected();
    }

    @Override
    protected void prepareNetworkAndStuff(SparkDl4jMultiLayer network, SparkComputationGraph graph) {
        super.prepareNetworkAndStuff(network, graph);
        if (updatesConsumer != null && updatesConsumer != bypassed) {
            // a new parameter server session on the driver: DL4J's consumer would reject our INT8 messages
            updatesConsumer.bypassMode(true);
            Model model = network != null ? network.getNetwork() : graph.getNetwork();
            StepFunction step = network != null ? network.getNetwork().getOptimizer().getStepFunction()
                    : graph.getNetwork().getOptimizer().getStepFunction();
            applier = new TernGradDriverApplier(model.params(), SegmentLayout.perParameter(model), step);
            verifiedApplier = new AuthenticatedUpdates(new MessageVerifier(settings.authenticator(), "driver"), applier);
            ModelParameterServer.getInstance().addUpdatesSubscriber(verifiedApplier);
            bypassed = updatesConsumer;
            expectedReceived = 0;
            log.info("Per-layer TernGrad: driver applies executors' messages ({} parameters, clip {}·σ)",
                    model.params().length(), settings.clipFactor());
        }
    }

    @Override
    protected void doIteration(SparkDl4jMultiLayer network, JavaRDD<DataSet> split, int splitNum, int numSplits) {
        train(network, null, split, PerLayerTernGradFlatMap.dataSets(getWorkerInstance(network), settings));
    }

    @Override
    protected void doIteration(SparkComputationGraph graph, JavaRDD<DataSet> split, int splitNum, int numSplits) {
        train(null, graph, split, PerLayerTernGradFlatMap.dataSets(getWorkerInstance(graph), settings));
    }

    @Override
    protected void doIterationMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> split, int splitNum,
                                  int numSplits) {
        train(null, graph, split, PerLayerTernGradFlatMap.multiDataSets(getWorkerInstance(graph), settings));
    }

    /** Repartitions as DL4J does, runs the task on every partition and hands the results to DL4J's aggregation. */
    private <T> void train(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<T> split,
                           PerLayerTernGradFlatMap<T> task) {
        JavaSparkContext sc = network != null ? network.getSparkContext() : graph.getSparkContext();
        processResults(network, graph, repartitioned(split).mapPartitions(counted(sc, task)));
    }

    @Override
    protected void doIterationPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<String> data,
                                    int splitNum, int numSplits, DataSetLoader dsLoader, MultiDataSetLoader mdsLoader,
                                    int dataSetObjectNumExamples) {
        throw new UnsupportedOperationException("Per-layer TernGrad trains from RDDs of pre-batched DataSets or "
                + "MultiDataSets (fit(JavaRDD)), not from paths");
    }

    private <T> JavaRDD<T> repartitioned(JavaRDD<T> split) {
        int minPerWorker = Math.max(1, batchSizePerWorker / rddDataSetNumExamples);
        return repartitioner.repartition(split, minPerWorker, numWorkers);
    }

    /** Wraps the task so that the driver learns how many messages the executors sent (one per minibatch). */
    private <T> FlatMapFunction<Iterator<T>, SharedTrainingResult> counted(JavaSparkContext sc,
            FlatMapFunction<Iterator<T>, SharedTrainingResult> task) {
        sentThisFit = sc.sc().longAccumulator("per-layer TernGrad messages sent");
        LongAccumulator sent = sentThisFit;
        return partition -> {
            List<SharedTrainingResult> results = new ArrayList<>();
            task.call(partition).forEachRemaining(results::add);
            for (SharedTrainingResult r : results) {
                r.getMinibatchesPerExecutor().values().forEach(sent::add);
            }
            return results.iterator();
        };
    }

    @Override
    protected void finalizeTraining() {
        super.finalizeTraining();
        if (applier == null) {
            return;
        }
        if (sentThisFit != null) {
            expectedReceived += sentThisFit.value();
            sentThisFit = null;
        }
        long deadline = System.currentTimeMillis() + DRAIN_TIMEOUT_MS;
        while (applier.received() < expectedReceived && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (applier.received() < expectedReceived) {
            log.warn("Per-layer TernGrad: the driver received {} of the {} messages the executors sent within {} ms; "
                    + "the model misses the rest", applier.received(), expectedReceived, DRAIN_TIMEOUT_MS);
        }
        applier.flush();
        long refused = messagesRefusedByDriver();
        if (refused > 0) {
            log.warn("Per-layer TernGrad: the driver dropped {} unauthenticated, replayed or malformed messages in this "
                    + "session (none touched a parameter)", refused);
        }
    }
}
