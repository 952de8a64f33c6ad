package io.github.dl4jcompress.arbiter;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** 8x8 one-channel images of 3 classes: class c has bright rows in band c, plus noise. */
final class TinyProblem {

    static final InputType INPUT = InputType.convolutionalFlat(8, 8, 1);

    private TinyProblem() {
    }

    static DataSet data(int n, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.create(DataType.FLOAT, n, 64);
        INDArray y = Nd4j.create(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int p = 0; p < 64; p++) {
                int row = p / 8;
                double v = 0.2 * r.nextGaussian() + (row >= c * 3 && row < c * 3 + 2 ? 1.0 : 0.0);
                x.putScalar(i, p, v);
            }
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }
}
