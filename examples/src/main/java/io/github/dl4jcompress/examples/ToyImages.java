package io.github.dl4jcompress.examples;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Tiny synthetic images so that the examples run anywhere without a download: a {@code side x side} grey image
 * (flattened, values in [0, 1]) of noise with one bright square in one of four quadrants; the label is the
 * quadrant. Replace it with your own {@link DataSetIterator} (e.g. DL4J's {@code MnistDataSetIterator}).
 */
public final class ToyImages {
    public static final int CLASSES = 4;

    private ToyImages() {
    }

    /** {@code n} examples as one {@link DataSet}: features {@code [n, side*side]}, one-hot labels {@code [n, 4]}. */
    public static DataSet make(int n, int side, long seed) {
        Random random = new Random(seed);
        INDArray features = Nd4j.zeros(n, side * side);
        INDArray labels = Nd4j.zeros(n, CLASSES);
        int half = side / 2, box = Math.max(2, side / 4);
        for (int i = 0; i < n; i++) {
            int quadrant = random.nextInt(CLASSES);
            int top = (quadrant / 2) * half + random.nextInt(half - box + 1);
            int left = (quadrant % 2) * half + random.nextInt(half - box + 1);
            for (int p = 0; p < side * side; p++) {
                int row = p / side, col = p % side;
                boolean inBox = row >= top && row < top + box && col >= left && col < left + box;
                features.putScalar(i, p, inBox ? 0.8 + 0.2 * random.nextDouble() : 0.3 * random.nextDouble());
            }
            labels.putScalar(i, quadrant, 1.0);
        }
        return new DataSet(features, labels);
    }

    /** The same data as minibatches of {@code batch}. */
    public static DataSetIterator iterator(int n, int side, int batch, long seed) {
        return iterator(make(n, side, seed), batch);
    }

    /** {@code data} as minibatches of {@code batch}. */
    public static DataSetIterator iterator(DataSet data, int batch) {
        return new ListDataSetIterator<>(data.asList(), batch);
    }
}
