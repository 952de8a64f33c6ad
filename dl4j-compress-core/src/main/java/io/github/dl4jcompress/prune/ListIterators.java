package io.github.dl4jcompress.prune;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.List;

/** One pass over a fixed list of mini-batches, as the iterator kind each network's {@code fit} wants. */
final class ListIterators {

    private ListIterators() {
    }

    /** Single-input, single-output batches as DataSets (for a MultiLayerNetwork). */
    static final class OfDataSets implements DataSetIterator {
        private final List<MultiDataSet> batches;
        private int cursor;

        OfDataSets(List<MultiDataSet> batches) {
            this.batches = batches;
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public DataSet next() {
            MultiDataSet m = batches.get(cursor++);
            return new DataSet(m.getFeatures(0), m.getLabels(0), m.getFeaturesMaskArray(0), m.getLabelsMaskArray(0));
        }

        @Override
        public boolean hasNext() {
            return cursor < batches.size();
        }

        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public int inputColumns() {
            return (int) batches.get(0).getFeatures(0).size(1);
        }

        @Override
        public int totalOutcomes() {
            return (int) batches.get(0).getLabels(0).size(1);
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
            return (int) batches.get(0).getFeatures(0).size(0);
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException("batches are materialized; preprocess before passing them");
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }
    }

    /** Batches as MultiDataSets (for a ComputationGraph). */
    static final class OfMultiDataSets implements MultiDataSetIterator {
        private final List<MultiDataSet> batches;
        private int cursor;

        OfMultiDataSets(List<MultiDataSet> batches) {
            this.batches = batches;
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public MultiDataSet next() {
            return batches.get(cursor++);
        }

        @Override
        public boolean hasNext() {
            return cursor < batches.size();
        }

        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException("batches are materialized; preprocess before passing them");
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }
    }
}
