package io.github.dl4jcompress.cli.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * {@code epochs} passes over a {@link ShuffledBatches} (reshuffled at each pass) as one iterator, so that a trainer
 * that must be fitted once — ParallelWrapper in gradient-sharing mode — sees all epochs in one {@code fit} call.
 * {@link #reset()} starts again from the first pass.
 */
public final class RepeatedEpochs implements DataSetIterator {

    private final ShuffledBatches batches;
    private final int epochs;
    private int epoch;

    public RepeatedEpochs(ShuffledBatches batches, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        this.batches = batches;
        this.epochs = epochs;
    }

    /** Mini-batches over all epochs. */
    public long totalBatches() {
        return (long) epochs * batches.batchesPerEpoch();
    }

    @Override
    public boolean hasNext() {
        if (batches.hasNext()) {
            return true;
        }
        if (epoch + 1 < epochs) {
            epoch++;
            batches.reset();
            return batches.hasNext();
        }
        return false;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException("all " + epochs + " epochs consumed");
        }
        return batches.next();
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException("all " + epochs + " epochs consumed");
        }
        return batches.next(num);
    }

    @Override
    public void reset() {
        epoch = 0;
        batches.reset();
    }

    @Override
    public int inputColumns() {
        return batches.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return batches.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int batch() {
        return batches.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        batches.setPreProcessor(preProcessor);
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return batches.getPreProcessor();
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
