package io.github.dl4jcompress.regularization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BinaryPushGradientTest {

    @Test
    void fixedFullScaleGradientMatchesFiniteDifferencesOnBothSidesOfFullScale() {
        Nd4j.getRandom().setSeed(11);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 6, 5).dup('f'); // |w| spans below and above c = 1
        BinaryPush bp = BinaryPush.of(0.4).withFullScale(1.0);
        FiniteDifferences.check(bp, w, 'f', 1e-6, 1e-5);
    }

    @Test
    void layerMaxGradientMatchesFiniteDifferencesExceptTheMaxItself() {
        Nd4j.getRandom().setSeed(12);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 2, 2, 2);
        BinaryPush bp = BinaryPush.of(0.9);
        INDArray flat = Nd4j.toFlattened('c', w);
        long argmax = 0;
        for (long i = 1; i < flat.length(); i++) {
            if (Math.abs(flat.getDouble(i)) > Math.abs(flat.getDouble(argmax))) {
                argmax = i;
            }
        }
        FiniteDifferences.check(bp, w, 'c', 1e-6, 1e-5, argmax);
    }

    @Test
    void penaltyIsTheSynapseVarianceZeroAtTheEndsAndLargestAtHalf() {
        BinaryPush bp = BinaryPush.of(1.0).withFullScale(2.0);
        INDArray w = Nd4j.createFromArray(0.0, 2.0, -2.0, 1.0, -1.0, 0.5);
        // p = 0, 1, 1, 0.5, 0.5, 0.25 -> variance 0,0,0,0.25,0.25,0.1875
        assertEquals(0.6875, bp.score(w, 0, 0), 1e-12);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, 6);
        bp.apply(w, grad, 0.1, 0, 0);
        assertEquals(0.0, grad.getDouble(0), 0);
        assertEquals(0.0, grad.getDouble(1), 0);
        assertEquals(0.0, grad.getDouble(3), 1e-12); // the top of the parabola
        // p = 0.25 < 0.5: pushed toward 0 (gradient has the sign of w)
        assertTrue(grad.getDouble(5) > 0);
    }

    @Test
    void badStrengthIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BinaryPush.of(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BinaryPush.of(-0.1));
        assertThrows(IllegalArgumentException.class, () -> BinaryPush.of(0.1).withFullScale(0));
    }
}
