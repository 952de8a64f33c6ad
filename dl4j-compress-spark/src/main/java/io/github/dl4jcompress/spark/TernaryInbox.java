package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.dl4jcompress.terngrad.MalformedTernaryMessageException;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executor side of per-layer TernGrad on Spark: receives the other executors' TernGrad messages from DL4J's
 * {@code ModelParameterServer} (Aeron transport) and queues them (validated, still 2-bit packed) for
 * {@link TernGradSparkAccumulator} to decode and apply before the next step.
 *
 * <p>Each message is validated on arrival (magic, version, per-layer lengths = the model's layout). A message that
 * fails is not queued: the first failure is kept and thrown on the training thread by {@link #drain()}, so the task
 * fails with the reason instead of the transport's thread dying. Also answers the transport's model-parameter
 * requests (a node joining late) with a copy of this executor's parameters.
 */
final class TernaryInbox implements UpdatesHandler {

    private static final Logger log = LoggerFactory.getLogger(TernaryInbox.class);

    private final INDArray params;
    private final SegmentLayout layout;
    private final ConcurrentLinkedQueue<TernaryMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean closed;

    /** @param layout the model's per-parameter layout ({@link SegmentLayout#perParameter}), covering {@code params} */
    TernaryInbox(INDArray params, SegmentLayout layout) {
        if (layout.totalLength() != params.length()) {
            throw new IllegalArgumentException("Per-layer TernGrad: layout " + layout + " covers " + layout.totalLength()
                    + " parameters but the model has " + params.length());
        }
        this.params = params;
        this.layout = layout;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        // nothing to request: the transport pushes
    }

    @Override
    public void onNext(INDArray array) {
        if (closed) {
            return;
        }
        try {
            queue.add(TernGradWire.decode(array, layout));
            received.incrementAndGet();
        } catch (RuntimeException e) {
            if (firstFailure.compareAndSet(null, e)) {
                log.error("Per-layer TernGrad: refused a received message: {}", e.getMessage());
            }
        }
    }

    /** All queued messages, oldest first; throws the first refused message's error, if any. */
    List<TernaryMessage> drain() {
        RuntimeException failure = firstFailure.get();
        if (failure != null) {
            throw new MalformedTernaryMessageException("Per-layer TernGrad received a message it cannot apply: "
                    + failure.getMessage());
        }
        List<TernaryMessage> out = new ArrayList<>();
        TernaryMessage m;
        while ((m = queue.poll()) != null) {
            out.add(m);
        }
        return out;
    }

    boolean hasAnything() {
        return !queue.isEmpty();
    }

    /** Messages accepted so far. */
    long received() {
        return received.get();
    }

    /** Stops queueing (a later training session replaced this one); later messages are dropped. */
    void close() {
        closed = true;
        queue.clear();
    }

    @Override
    public void onError(Throwable throwable) {
        log.error("Per-layer TernGrad: transport error", throwable);
    }

    @Override
    public void onComplete() {
        // nothing to release
    }

    @Override
    public INDArray getParametersArray() {
        synchronized (params) {
            return params.dup(params.ordering());
        }
    }

}
