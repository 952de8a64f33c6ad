package io.github.dl4jcompress.arbiter;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * An Arbiter {@link DataProvider} that hands each candidate a fresh training and test iterator from two factories
 * (e.g. in-memory shuffled mini-batches), so candidates never share iterator state.
 */
public final class IteratorDataProvider implements DataProvider {

    /** Creates a new iterator on each call. */
    @FunctionalInterface
    public interface Factory extends Serializable {
        DataSetIterator create();
    }

    private final Factory train;
    private final Factory test;

    public IteratorDataProvider(Factory train, Factory test) {
        this.train = Objects.requireNonNull(train, "train iterator factory");
        this.test = Objects.requireNonNull(test, "test iterator factory");
    }

    @Override
    public Object trainData(Map<String, Object> dataParameters) {
        return train.create();
    }

    @Override
    public Object testData(Map<String, Object> dataParameters) {
        return test.create();
    }

    @Override
    public Class<?> getDataType() {
        return DataSetIterator.class;
    }
}
