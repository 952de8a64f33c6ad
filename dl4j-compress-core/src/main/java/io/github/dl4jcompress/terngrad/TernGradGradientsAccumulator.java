package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-layer TernGrad for DL4J's gradient sharing: every worker sends a {@link TernaryMessage} with one scaler
 * per segment (by default one per parameter-table entry, see {@link SegmentLayout#perParameter(Model)}), and
 * every worker applies the sum of all workers' decoded messages, {@code Δ = Σ_w t_w}, through the model's
 * step function, so replicas stay identical.
 *
 * <p>Reuses {@link EncodedGradientsAccumulator}'s residual accumulation, per-worker queues/workspaces and
 * barrier; the sender is a {@link TernGradMessageHandler} and only {@code applyUpdate} is replaced, to decode
 * TernGrad messages (each validated before it is added) instead of DL4J's bitmap/threshold format. Needs
 * nothing from ParallelWrapper at compile time. Use it with
 * {@code new ParallelWrapper.Builder<>(model).workers(n).trainingMode(TrainingMode.CUSTOM)
 * .gradientsAccumulator(TernGradGradientsAccumulator.forModel(model, n, seed))}, and fit all epochs in one
 * {@code fit(..)} call. As in DL4J's own sharing, what is shared is the post-updater update (use {@code Sgd}
 * for paper-faithful TernGrad) and workers' contributions are summed, not averaged.
 */
public class TernGradGradientsAccumulator extends EncodedGradientsAccumulator {

    private static final long serialVersionUID = 1L;

    private final SegmentLayout layout;
    private final TernGradMessageHandler sender;

    /**
     * @param workers    number of training threads (ParallelWrapper workers)
     * @param layout     segments of the flattened update vector, one scaler each
     * @param clipFactor {@code c} of the clip bound {@code c·σ}
     * @param seed       base seed; worker {@code k} uses {@code seed ⊕ (k·0x9E3779B97F4A7C15)}
     */
    public TernGradGradientsAccumulator(int workers, SegmentLayout layout, double clipFactor, long seed) {
        this(workers, new TernGradMessageHandler(layout, clipFactor, seed), layout);
    }

    private TernGradGradientsAccumulator(int workers, TernGradMessageHandler sender, SegmentLayout layout) {
        super(workers, sender, workspaceBytes(workers, layout), queueSize(workers), Integer.MAX_VALUE, false);
        this.layout = layout;
        this.sender = sender;
    }

    /** One scaler per parameter-table entry of {@code model}, clip factor 2.5. */
    public static TernGradGradientsAccumulator forModel(Model model, int workers, long seed) {
        return new TernGradGradientsAccumulator(workers, SegmentLayout.perParameter(model),
                Ternarizer.DEFAULT_CLIP_FACTOR, seed);
    }

    /**
     * Reports every message this accumulator's workers send to {@code observer} (null: none); not serialized.
     *
     * @return this
     */
    public TernGradGradientsAccumulator observer(TernGradObserver observer) {
        sender.observer(observer);
        return this;
    }

    /** The segment layout messages are built with. */
    public SegmentLayout layout() {
        return layout;
    }

    private static int queueSize(int workers) {
        return workers + 2;
    }

    /** Each worker's circular workspace must hold a full queue of messages, with slack for alignment. */
    private static long workspaceBytes(int workers, SegmentLayout layout) {
        long messageBytes = TernaryMessage.sizeInBytes(layout.count(), layout.totalLength()) + 1024;
        return Math.max(1L << 20, 2 * (queueSize(workers) + 2) * messageBytes);
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, boolean isFinalStep) {
        try {
            int received = sumReceivedMessagesInto(updates);
            if (isFinalStep) {
                synchronize(currentConsumers.get(), true);
            }
            if (received > 0) {
                function.step(params, updates);
            }
        } catch (RuntimeException e) {
            throwable.setIfFirst(e);
            throw e;
        }
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, double alpha) {
        try {
            int received = sumReceivedMessagesInto(updates);
            synchronize(currentConsumers.get(), true);
            if (received > 0) {
                function.step(params, updates, alpha);
            }
        } catch (RuntimeException e) {
            throwable.setIfFirst(e);
            throw e;
        }
    }

    /**
     * Overwrites {@code updates} with the sum of all queued messages for this worker; returns how many. The messages
     * are added in the order of their bytes, not of their arrival: float addition is not associative, and with three
     * or more workers the arrival order would otherwise change the sum from run to run.
     */
    private int sumReceivedMessagesInto(INDArray updates) {
        if (updates.length() != layout.totalLength()) {
            throw new IllegalStateException("Update vector has " + updates.length() + " elements but the TernGrad "
                    + "layout covers " + layout.totalLength());
        }
        List<byte[]> received = new ArrayList<>();
        BlockingQueue<INDArray> queue = messages.get(index.get());
        INDArray message;
        while ((message = queue.poll()) != null) {
            received.add(message.data().asBytes());
        }
        received.sort(Arrays::compare);
        float[] sum = new float[layout.totalLength()];
        for (byte[] bytes : received) {
            TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(bytes), sum, layout);
        }
        Ternarizer.copyInto(sum, updates);
        int count = received.size();
        if (externalSource != null && externalSource.hasAnything()) {
            externalSource.drainTo(updates);
            count++;
        }
        return count;
    }
}
