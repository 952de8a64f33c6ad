package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.IndexedTail;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradients accumulator of one Spark executor in per-layer TernGrad: DL4J's optimizer hands it the worker's
 * post-updater update {@code g}; it sends {@code t = ternarize(g)} with one scaler per {@link SegmentLayout} segment
 * ({@code t_i = s_l·sign(g_i)} w.p. {@code |f(g_i)|/s_l}, {@code f} clipping at {@code c·σ_l}, {@code s_l = max|f(g)|}
 * over segment {@code l}) to every other node, and then steps the model by its own {@code t} plus every message
 * received since the last step: {@code Δ = t_self + Σ_remote t_w}. The driver applies the same messages
 * ({@link TernGradDriverApplier}), so replicas differ only by messages still in flight.
 *
 * <p>A non-finite update is refused before anything is sent ({@code NonFiniteGradientException} names the
 * parameter, index and value) and fails the task. One training thread per executor JVM (the Spark job's invariant,
 * see {@link SafeSharedTrainingMaster}); not for {@code ParallelWrapper}, whose per-thread form is the core's
 * {@code TernGradGradientsAccumulator}.
 */
final class TernGradSparkAccumulator implements GradientsAccumulator {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(TernGradSparkAccumulator.class);

    /** Where this executor's messages go: DL4J's parameter server in a Spark job, a list in tests. */
    @FunctionalInterface
    interface Outbox {
        void send(TernaryMessage message, int iteration, int epoch);
    }

    private final SegmentLayout layout;
    private final transient Ternarizer ternarizer;
    private final transient Outbox outbox;
    private final transient TernaryInbox inbox;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong encodeNanos = new AtomicLong();
    private final AtomicLong sendNanos = new AtomicLong();
    private final AtomicLong applyNanos = new AtomicLong();
    private final transient List<TernaryMessage> own = new ArrayList<>();
    private transient float[] sum;

    TernGradSparkAccumulator(SegmentLayout layout, Ternarizer ternarizer, Outbox outbox, TernaryInbox inbox) {
        this.layout = layout;
        this.ternarizer = ternarizer;
        this.outbox = outbox;
        this.inbox = inbox;
    }

    @Override
    public void storeUpdate(INDArray update, int iterationNumber, int epochNumber) {
        long t0 = System.nanoTime();
        TernaryMessage message = ternarizer.encode(update, layout); // throws on NaN/Inf: nothing is sent
        long t1 = System.nanoTime();
        encodeNanos.addAndGet(t1 - t0);
        outbox.send(message, iterationNumber, epochNumber);
        sent.incrementAndGet();
        bytesSent.addAndGet(message.sizeInBytes());
        if (log.isDebugEnabled()) {
            log.debug("Iteration {}: sent {} bytes, {}", iterationNumber, message.sizeInBytes(), ternarizer.lastStatistics());
        }
        own.add(message);
        sendNanos.addAndGet(System.nanoTime() - t1);
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, boolean isFinalStep) {
        if (collectInto(updates)) {
            function.step(params, updates);
        }
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, double alpha) {
        if (collectInto(updates)) {
            function.step(params, updates, alpha);
        }
    }

    /** Overwrites {@code updates} with this executor's pending messages plus all received ones; false if none. */
    private boolean collectInto(INDArray updates) {
        long t0 = System.nanoTime();
        try {
            return sumPending(updates);
        } finally {
            applyNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private boolean sumPending(INDArray updates) {
        if (updates.length() != layout.totalLength()) {
            throw new IllegalStateException("Update vector has " + updates.length() + " elements but the TernGrad "
                    + "layout covers " + layout.totalLength());
        }
        float[] total = sumBuffer();
        Arrays.fill(total, 0f);
        int count = 0;
        for (TernaryMessage m : own) {
            m.addTo(total, 0);
            count++;
        }
        own.clear();
        for (TernaryMessage m : inbox.drain()) {
            m.addTo(total, 0);
            count++;
        }
        if (count == 0) {
            return false;
        }
        Ternarizer.copyInto(total, updates);
        return true;
    }

    private float[] sumBuffer() {
        if (sum == null || sum.length != layout.totalLength()) {
            sum = new float[layout.totalLength()];
        }
        return sum;
    }

    @Override
    public void receiveUpdate(INDArray array) {
        inbox.onNext(array);
    }

    @Override
    public boolean hasAnything() {
        return !own.isEmpty() || inbox.hasAnything();
    }

    /** Messages this executor sent. */
    long sent() {
        return sent.get();
    }

    /** Wall seconds spent ternarizing this executor's updates. */
    double encodeSeconds() {
        return encodeNanos.get() / 1e9;
    }

    /** Wall seconds spent handing this executor's messages to the outbox (sealing and the transport's send). */
    double sendSeconds() {
        return sendNanos.get() / 1e9;
    }

    /** Wall seconds spent summing this executor's own and the received messages into its updates. */
    double applySeconds() {
        return applyNanos.get() / 1e9;
    }

    /** Bytes of the TernGrad messages this executor sent (payload, before transport framing). */
    long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public void setExternalSource(IndexedTail source) {
        throw new UnsupportedOperationException("Per-layer TernGrad receives through its own TernaryInbox, "
                + "not DL4J's IndexedTail (which decodes only DL4J's threshold/bitmap encodings)");
    }

    @Override
    public IndexedTail getExternalSource() {
        return null;
    }

    @Override
    public void markExternalUpdates(boolean updatesAvailable) {
        // received messages are always applied at the next step
    }

    @Override
    public void reset() {
        own.clear();
    }

    @Override
    public void touch() {
        // single training thread: nothing to register
    }
}
