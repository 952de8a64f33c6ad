package io.github.dl4jcompress.cli.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

/** Mini-batches over an in-memory {@link DataSet}, reshuffled (seeded) at every reset, i.e. every epoch. */
public final class ShuffledBatches implements DataSetIterator {

    private final DataSet all;
    private final int batch;
    private final Random random;
    private final boolean shuffle;
    private int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public ShuffledBatches(DataSet all, int batch, long seed, boolean shuffle) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        this.all = all;
        this.batch = batch;
        this.random = new Random(seed);
        this.shuffle = shuffle;
        reset();
    }

    @Override
    public DataSet next(int num) {
        int end = Math.min(cursor + num, order.length);
        int[] idx = java.util.Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        DataSet ds = new DataSet(Nd4j.pullRows(all.getFeatures(), 1, idx), Nd4j.pullRows(all.getLabels(), 1, idx));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batch);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public void reset() {
        int n = all.numExamples();
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        cursor = 0;
    }

    /** Number of mini-batches per epoch. */
    public int batchesPerEpoch() {
        return (all.numExamples() + batch - 1) / batch;
    }

    @Override
    public int inputColumns() {
        return (int) all.getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) all.getLabels().size(1);
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
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    @Override
    public void remove() {
        throw new UnsupportedOperationException();
    }
}
