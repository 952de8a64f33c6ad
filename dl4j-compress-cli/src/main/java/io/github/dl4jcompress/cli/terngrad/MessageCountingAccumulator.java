package io.github.dl4jcompress.cli.terngrad;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.concurrent.atomic.AtomicLong;

/**
 * DL4J's own gradient-sharing accumulator, built exactly as {@code ParallelWrapper} builds it for
 * {@code SHARED_GRADIENTS} (an {@link EncodingHandler} with boundary {@code N/16 + 5}, workspace
 * {@code 4·(N/16 + 5)·(W + 3)} bytes, queues of {@code W + 2}), that also counts what is sent: every encoded message a
 * worker hands to {@link #receiveUpdate} adds its buffer size ({@code length × element width}) to {@link #bytesSent()},
 * and every worker step ({@link #storeUpdate}) to {@link #updatesStored()}. Use with {@code TrainingMode.CUSTOM}.
 * Bytes per worker and iteration = {@code bytesSent / updatesStored} (iterations where DL4J sends nothing count as 0).
 */
public final class MessageCountingAccumulator extends EncodedGradientsAccumulator {

    private static final long serialVersionUID = 1L;

    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong stores = new AtomicLong();

    private MessageCountingAccumulator(int workers, EncodingHandler handler, long memory) {
        super(workers, handler, memory, workers + 2, Integer.MAX_VALUE, false);
    }

    /** Same configuration as ParallelWrapper's SHARED_GRADIENTS for {@code model}, {@code workers} workers. */
    public static MessageCountingAccumulator forModel(Model model, int workers, ThresholdAlgorithm algorithm,
                                                      ResidualPostProcessor postProcessor) {
        int maxUpdate = (int) (model.numParams() / 16 + 5);
        long memory = (long) maxUpdate * 4 * (workers + 3);
        return new MessageCountingAccumulator(workers, new EncodingHandler(algorithm, postProcessor, maxUpdate, false), memory);
    }

    @Override
    public void storeUpdate(INDArray array, int iterationNumber, int epochNumber) {
        stores.incrementAndGet();
        super.storeUpdate(array, iterationNumber, epochNumber);
    }

    @Override
    public void receiveUpdate(INDArray array) {
        bytes.addAndGet(array.length() * array.dataType().width());
        messages.incrementAndGet();
        super.receiveUpdate(array);
    }

    /** Total bytes of all messages sent. */
    public long bytesSent() {
        return bytes.get();
    }

    /** Number of messages sent. */
    public long messagesSent() {
        return messages.get();
    }

    /** Number of worker steps (each may or may not send a message). */
    public long updatesStored() {
        return stores.get();
    }

    /** {@code bytesSent / updatesStored}: mean bytes one worker sends per iteration. */
    public double bytesPerWorkerIteration() {
        long s = stores.get();
        return s == 0 ? 0 : bytes.get() / (double) s;
    }
}
