package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.prune.AnyNetwork;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import io.github.dl4jcompress.terngrad.MessageSealer;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import org.apache.spark.SparkEnv;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.core.storage.listener.RoutingIterationListener;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.parameterserver.conf.SharedTrainingConfiguration;
import org.deeplearning4j.spark.parameterserver.networking.v2.ModelParamsConsumer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingWorker;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.util.NetworkOrganizer;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.nd4j.parameterserver.distributed.v2.transport.impl.AeronUdpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-layer TernGrad's replacement for DL4J's {@code SharedTrainingWrapper} on a Spark executor: one model per
 * executor JVM and training session, trained by one thread with a {@link TernGradSparkAccumulator} that sends this
 * executor's ternarized updates through DL4J's {@code ModelParameterServer} (Aeron UDP) and applies the others'
 * from a {@link TernaryInbox}.
 *
 * <p>DL4J's wrapper builds its encoding handler, accumulator and updates consumer inside one method, all for its
 * one-threshold message format, so per-layer scalers cannot be plugged into it. This class keeps what that wrapper
 * does for one worker per JVM (the only safe setting, see {@link SafeSharedTrainingMaster}): model from the
 * broadcast, listeners, transport start-up and introduction to the driver, late-joiner parameters, iteration and
 * epoch counters, and the {@code SharedTrainingResult} the driver aggregates. In Spark local mode the driver's
 * parameter server is reused and messages are delivered locally, as DL4J does.
 */
final class TernGradExecutorTrainer {

    private static final Logger log = LoggerFactory.getLogger(TernGradExecutorTrainer.class);
    private static final long INTRODUCTION_TIMEOUT_MS = 120_000;

    private static TernGradExecutorTrainer current;

    private final long instanceId;
    private Model model;
    private TernaryInbox inbox;
    private TernGradSparkAccumulator accumulator;
    private AuthenticatedUpdates verified;
    private int minibatches;
    private long fitNanos;
    private long sealNanos;

    private TernGradExecutorTrainer(long instanceId) {
        this.instanceId = instanceId;
    }

    /** The trainer of the given training master in this JVM; a new master replaces (and closes) the previous one. */
    static synchronized TernGradExecutorTrainer forMaster(long instanceId) {
        if (current == null || current.instanceId != instanceId) {
            if (current != null && current.inbox != null) {
                current.inbox.close();
            }
            current = new TernGradExecutorTrainer(instanceId);
        }
        return current;
    }

    /** What this JVM's trainer has sent and received so far (zeros if it has not trained). */
    static synchronized Traffic traffic() {
        String executor = SparkUtils.getSparkExecutorId();
        if (current == null || current.accumulator == null) {
            return new Traffic(executor, 0, 0, 0, 0, 0, new double[6]);
        }
        TernGradExecutorTrainer t = current;
        return new Traffic(executor, t.accumulator.sent(), t.accumulator.bytesSent(), t.inbox.received(), t.minibatches,
                t.verified.verifier().rejected(), new double[] {t.fitNanos / 1e9, t.accumulator.encodeSeconds(),
                        t.sealNanos / 1e9, t.accumulator.sendSeconds() - t.sealNanos / 1e9, t.accumulator.applySeconds(),
                        t.verified.openSeconds()});
    }

    synchronized SharedTrainingResult fit(SharedTrainingWorker worker, PerLayerTernGradSettings settings,
                                          Iterator<DataSet> partition) {
        setUp(worker, settings);
        CountingIterator<DataSet> counted = new CountingIterator<>(partition);
        ExistingDataSetIterator data = new ExistingDataSetIterator(counted);
        long t0 = System.nanoTime();
        AnyNetwork.of(model).fit(data);
        fitNanos += System.nanoTime() - t0;
        return result(counted.count);
    }

    synchronized SharedTrainingResult fitMulti(SharedTrainingWorker worker, PerLayerTernGradSettings settings,
                                               Iterator<MultiDataSet> partition) {
        setUp(worker, settings);
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalStateException("MultiDataSet training needs a ComputationGraph, got "
                    + model.getClass().getSimpleName());
        }
        CountingIterator<MultiDataSet> counted = new CountingIterator<>(partition);
        long t0 = System.nanoTime();
        ((ComputationGraph) model).fit(new PartitionMultiDataSetIterator(counted));
        fitNanos += System.nanoTime() - t0;
        return result(counted.count);
    }

    private void setUp(SharedTrainingWorker worker, PerLayerTernGradSettings settings) {
        if (model != null) {
            return;
        }
        Model m = worker.getInitialModel();
        if (m == null) {
            m = worker.getInitialModelGraph();
        }
        if (m == null) {
            throw new IllegalStateException("Per-layer TernGrad: the broadcast holds neither a MultiLayerNetwork "
                    + "nor a ComputationGraph configuration");
        }
        attachListeners(m, worker.getListeners(), worker.getRouter());
        SharedTrainingConfiguration conf = worker.getBroadcastConfiguration().getValue();
        INDArray params = m.params();
        SegmentLayout layout = SegmentLayout.perParameter(m);
        TernaryInbox box = new TernaryInbox(params, layout);
        String executorId = SparkUtils.getSparkExecutorId();
        MessageAuthenticator authenticator = settings.authenticator();
        MessageSealer sealer = new MessageSealer(authenticator);
        AuthenticatedUpdates verifiedBox = new AuthenticatedUpdates(
                new MessageVerifier(authenticator, "executor " + executorId, sealer), box);
        ModelParameterServer server = ModelParameterServer.getInstance();
        if (inDriverJvm()) {
            // Spark local mode: the driver's parameter server runs in this JVM and delivers our messages locally
            log.info("Per-layer TernGrad in Spark local mode: using the driver's parameter server");
        } else {
            startTransport(server, conf.getVoidConfiguration(), m, verifiedBox);
        }
        int[] position = {server.getStartPosition().getFirst(), server.getStartPosition().getSecond()};
        Ternarizer ternarizer = new Ternarizer(settings.clipFactor(),
                ExecutorSeededTernGrad.executorSeed(settings.seed(), executorId));
        TernGradSparkAccumulator acc = new TernGradSparkAccumulator(layout, ternarizer,
                (message, iteration, epoch) -> {
                    long t0 = System.nanoTime();
                    INDArray envelope = AuthenticatedUpdates.seal(sealer, message);
                    sealNanos += System.nanoTime() - t0;
                    server.sendUpdate(envelope, iteration, epoch);
                }, box);
        AnyNetwork net = AnyNetwork.of(m);
        net.setCounts(position[0], position[1]);
        net.setGradientsAccumulator(acc);
        log.info("Per-layer TernGrad on executor {}: {} parameters in {} segments, clip {}·σ",
                executorId, layout.totalLength(), layout.count(), settings.clipFactor());
        this.model = m;
        this.inbox = box;
        this.accumulator = acc;
        this.verified = verifiedBox;
    }

    /** Spark local mode: this task runs in the driver's JVM. */
    private static boolean inDriverJvm() {
        SparkEnv env = SparkEnv.get();
        return env != null && "driver".equals(env.executorId()); // SparkContext.DRIVER_IDENTIFIER
    }

    private static void attachListeners(Model m, List<TrainingListener> listeners, StatsStorageRouter router) {
        if (listeners == null) {
            return;
        }
        m.setListeners(listeners);
        if (router != null) {
            for (TrainingListener l : listeners) {
                if (l instanceof RoutingIterationListener) {
                    ((RoutingIterationListener) l).setStorageRouter(router);
                }
            }
        }
    }

    private static void startTransport(ModelParameterServer server, VoidConfiguration vc, Model m, UpdatesHandler box) {
        if (server.isInitialized()) {
            // an earlier training session in this executor JVM: its transport points at the old driver port
            log.info("Per-layer TernGrad: restarting this executor's parameter-server client for the new session");
            server.shutdown();
        }
        String localIp = localAddress(vc);
        int port = vc.getPortSupplier().getPort();
        log.info("Per-layer TernGrad: transport {}:{} -> driver {}:{}", localIp, port, vc.getControllerAddress(),
                vc.getUnicastControllerPort());
        AeronUdpTransport transport = new AeronUdpTransport(localIp, port, vc.getControllerAddress(),
                vc.getUnicastControllerPort(), vc);
        ModelParamsConsumer lateJoinerParams = new ModelParamsConsumer();
        server.configure(vc, transport, () -> updaterStateCopy(m));
        server.addUpdatesSubscriber(box);
        server.addModelParamsSubscriber(lateJoinerParams);
        server.launch();
        long deadline = System.currentTimeMillis() + INTRODUCTION_TIMEOUT_MS;
        while (!server.getTransport().isIntroduced()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Per-layer TernGrad: executor transport " + localIp + ":" + port
                        + " was not introduced to the driver " + vc.getControllerAddress() + ":"
                        + vc.getUnicastControllerPort() + " within " + INTRODUCTION_TIMEOUT_MS / 1000
                        + " s (UDP blocked, or wrong controllerAddress/networkMask?)");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the driver's introduction", e);
            }
        }
        INDArray fresh = lateJoinerParams.get();
        if (fresh != null) {
            log.info("Per-layer TernGrad: joined late, taking the driver's current parameters");
            m.params().assign(fresh);
        }
    }

    private static String localAddress(VoidConfiguration vc) {
        if (vc.getNetworkMask() != null) {
            String ip = new NetworkOrganizer(vc.getNetworkMask()).getMatchingAddress();
            if (ip != null) {
                return ip;
            }
        }
        String env = System.getenv("DL4J_VOID_IP");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        log.warn("Per-layer TernGrad: no networkMask or DL4J_VOID_IP; binding the executor transport to 127.0.0.1");
        return "127.0.0.1";
    }

    /** The model's updater state (a view; null for a stateless updater such as SGD). */
    private static INDArray updaterStateView(Model m) {
        return AnyNetwork.of(m).updaterState();
    }

    private static INDArray updaterStateCopy(Model m) {
        INDArray state = updaterStateView(m);
        return state == null ? null : state.dup();
    }

    private SharedTrainingResult result(int batches) {
        minibatches += batches;
        return SharedTrainingResult.builder().aggregationsCount(1).scoreSum(model.score())
                .updaterStateArray(updaterStateView(model))
                .listenerMetaData(new ArrayList<>()).listenerStaticInfo(new ArrayList<>())
                .listenerUpdates(new ArrayList<>())
                .minibatchesPerExecutor(Collections.singletonMap(SparkUtils.getSparkExecutorId(), batches))
                .build();
    }

    /**
     * Messages and bytes one executor JVM's trainer sent, messages it accepted, minibatches it trained, received
     * messages it refused (unauthenticated, replayed, malformed envelopes), and wall seconds: in {@code fit} (the
     * training thread: forward, backward, the accumulator's work), of which ternarizing ({@code encodeSeconds}),
     * sealing ({@code sealSeconds}), DL4J's {@code sendUpdate} ({@code transportSendSeconds}) and summing own and
     * received messages into the update ({@code applySeconds}); plus checking received envelopes on
     * the transport's thread ({@code openSeconds}). A plain class,
     * not a record: Spark 3.1's Kryo cannot serialize records, and job results go through {@code spark.serializer}.
     */
    static final class Traffic implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String executorId;
        private final long sent;
        private final long bytesSent;
        private final long received;
        private final long minibatches;
        private final long refused;
        private final double[] seconds;

        Traffic(String executorId, long sent, long bytesSent, long received, long minibatches, long refused,
                double[] seconds) {
            this.executorId = executorId;
            this.sent = sent;
            this.bytesSent = bytesSent;
            this.received = received;
            this.minibatches = minibatches;
            this.refused = refused;
            this.seconds = seconds.clone();
        }

        /** The counts and wall seconds by name, for a job's JSON. */
        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("bytesSent", bytesSent);
            m.put("received", received);
            m.put("minibatches", minibatches);
            m.put("refused", refused);
            m.put("fitSeconds", seconds[0]);
            m.put("encodeSeconds", seconds[1]);
            m.put("sealSeconds", seconds[2]);
            m.put("transportSendSeconds", seconds[3]);
            m.put("applySeconds", seconds[4]);
            m.put("openSeconds", seconds[5]);
            return m;
        }

        long refused() {
            return refused;
        }

        String executorId() {
            return executorId;
        }

        long sent() {
            return sent;
        }

        long bytesSent() {
            return bytesSent;
        }

        long received() {
            return received;
        }

        long minibatches() {
            return minibatches;
        }

        @Override
        public String toString() {
            return executorId + ": " + asMap();
        }
    }

    private static final class CountingIterator<T> implements Iterator<T> {
        private final Iterator<T> in;
        private int count;

        CountingIterator(Iterator<T> in) {
            this.in = in;
        }

        @Override
        public boolean hasNext() {
            return in.hasNext();
        }

        @Override
        public T next() {
            T t = in.next();
            count++;
            return t;
        }
    }

    /** The partition's pre-batched MultiDataSets, one pass, as DL4J's iterator type. */
    private static final class PartitionMultiDataSetIterator implements MultiDataSetIterator {
        private final Iterator<MultiDataSet> in;
        private MultiDataSetPreProcessor preProcessor;

        PartitionMultiDataSetIterator(Iterator<MultiDataSet> in) {
            this.in = in;
        }

        @Override
        public MultiDataSet next(int num) {
            throw new UnsupportedOperationException("The partition is pre-batched");
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            this.preProcessor = preProcessor;
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return preProcessor;
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("A Spark partition is read once");
        }

        @Override
        public boolean hasNext() {
            return in.hasNext();
        }

        @Override
        public MultiDataSet next() {
            if (!in.hasNext()) {
                throw new NoSuchElementException();
            }
            MultiDataSet m = in.next();
            if (preProcessor != null) {
                preProcessor.preProcess(m);
            }
            return m;
        }
    }
}
