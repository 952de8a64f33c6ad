package io.github.dl4jcompress.regularization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FiniteValuesTest {

    @Test
    void findsTheFirstNanOrInfinityWhereverItIsAndNothingInFiniteArrays() {
        Random rnd = new Random(3);
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (int trial = 0; trial < 30; trial++) {
                int n = 1 + rnd.nextInt(5000);
                INDArray a = Nd4j.rand(type, n).subi(0.5);
                assertEquals(-1, FiniteValues.firstNonFinite(a), "finite " + type);
                int first = rnd.nextInt(n);
                a.putScalar(first, bad[trial % 3]);
                if (first + 1 < n) {
                    a.putScalar(first + 1 + rnd.nextInt(n - first - 1), bad[(trial + 1) % 3]);   // a later one, maybe cancelling
                }
                assertEquals(first, FiniteValues.firstNonFinite(a), type + " trial " + trial);
            }
        }
    }

    @Test
    void finiteValuesWhoseSumOverflowsAreFinite() {
        INDArray huge = Nd4j.valueArrayOf(new long[]{1000}, Float.MAX_VALUE / 2, DataType.FLOAT);
        assertEquals(-1, FiniteValues.firstNonFinite(huge));
        INDArray mixed = Nd4j.createFromArray(Float.MAX_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE);
        assertEquals(-1, FiniteValues.firstNonFinite(mixed));
        mixed.putScalar(2, Float.NaN);
        assertEquals(2, FiniteValues.firstNonFinite(mixed));
    }

    @Test
    void viewsAreSearchedInTheirOwnOrder() {
        INDArray m = Nd4j.rand(DataType.FLOAT, 6, 4);
        INDArray column = m.getColumn(2);
        m.putScalar(4, 2, Float.POSITIVE_INFINITY);
        m.putScalar(1, 3, Float.NaN);                      // outside the view
        assertEquals(4, FiniteValues.firstNonFinite(column));
    }
}
