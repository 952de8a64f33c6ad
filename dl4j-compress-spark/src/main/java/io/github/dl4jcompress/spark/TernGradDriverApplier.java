package io.github.dl4jcompress.spark;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.deeplearning4j.optimize.api.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver side of per-layer TernGrad on Spark: the driver trains nothing but keeps the job's model current by
 * applying every executor's TernGrad message, {@code θ ← step(θ, Σ_w t_w)}, with the model's own step function
 * (for DL4J's SGD family {@code θ ← θ − Σ t}). Messages are decoded into a pending sum as they arrive and applied
 * every {@value #APPLY_EVERY} messages and when training ends ({@link #flush()}), as DL4J's own driver does for
 * its threshold messages.
 *
 * <p>A message that fails validation is not applied; the first such error is kept and thrown by {@link #flush()},
 * so {@code fit} fails with the reason.
 */
final class TernGradDriverApplier implements UpdatesHandler {

    static final int APPLY_EVERY = 32;
    private static final Logger log = LoggerFactory.getLogger(TernGradDriverApplier.class);

    private final INDArray params;
    private final StepFunction stepFunction;
    private final SegmentLayout layout;
    private final float[] pending;
    private final INDArray update;
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
    private int pendingCount;

    /** @param layout the model's per-parameter layout ({@link SegmentLayout#perParameter}), covering {@code params} */
    TernGradDriverApplier(INDArray params, SegmentLayout layout, StepFunction stepFunction) {
        if (layout.totalLength() != params.length()) {
            throw new IllegalArgumentException("Per-layer TernGrad driver: layout " + layout + " covers "
                    + layout.totalLength() + " parameters but the model has " + params.length());
        }
        this.params = params;
        this.layout = layout;
        this.stepFunction = stepFunction;
        this.pending = new float[Math.toIntExact(params.length())];
        this.update = Nd4j.create(params.dataType(), params.shape());
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        // the transport pushes
    }

    @Override
    public void onNext(INDArray array) {
        TernaryMessage message;
        try {
            message = TernGradWire.decode(array, layout);
        } catch (RuntimeException e) {
            if (firstFailure.compareAndSet(null, e)) {
                log.error("Per-layer TernGrad driver: refused a received message: {}", e.getMessage());
            }
            return;
        }
        synchronized (this) {
            message.addTo(pending, 0);
            pendingCount++;
            received.incrementAndGet();
            if (pendingCount >= APPLY_EVERY) {
                applyPending();
            }
        }
    }

    /** Applies the messages not applied yet; throws the first refused message's error, if any. */
    synchronized void flush() {
        applyPending();
        RuntimeException failure = firstFailure.getAndSet(null);
        if (failure != null) {
            throw new IllegalStateException("Per-layer TernGrad: the driver refused a message from an executor: "
                    + failure.getMessage(), failure);
        }
    }

    private void applyPending() {
        if (pendingCount == 0) {
            return;
        }
        Ternarizer.copyInto(pending, update);
        synchronized (params) {
            stepFunction.step(params, update);
        }
        Arrays.fill(pending, 0f);
        pendingCount = 0;
    }

    /** Messages applied or pending so far. */
    long received() {
        return received.get();
    }

    @Override
    public void onError(Throwable throwable) {
        log.error("Per-layer TernGrad driver: transport error", throwable);
    }

    @Override
    public void onComplete() {
        // nothing to release
    }

    @Override
    public synchronized INDArray getParametersArray() {
        applyPending();
        synchronized (params) {
            return params.dup(params.ordering());
        }
    }
}
