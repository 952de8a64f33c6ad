package io.github.dl4jcompress.truenorth;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynapseMappingTest {

    /**
     * Over 400 draws with k = 4, every element's mean is within 4.5 standard errors of w
     * ({@code se = c·sqrt(p(1−p)/(k·400))}), and the pooled variance is within 15% of {@code c²·mean p(1−p)/k}.
     */
    @Test
    void deploymentIsUnbiasedWithBernoulliVariance() throws Exception {
        INDArray w = Nd4j.createFromArray(new double[][] {{0.5, -1.0, 0.25, 0.0}, {-0.75, 0.1, 2.0, -0.3}});
        double c = 2.0;
        int k = 4;
        int draws = 400;
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, 2, 4);
        INDArray sumSq = Nd4j.zeros(DataType.DOUBLE, 2, 4);
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(17)) {
            for (int i = 0; i < draws; i++) {
                INDArray d = SynapseMapping.deploy(w, k, rng);
                sum.addi(d);
                sumSq.addi(d.mul(d));
            }
        }
        INDArray mean = sum.div(draws);
        INDArray p = SynapseMapping.probabilities(w);
        for (int i = 0; i < w.length(); i++) {
            double pi = p.getDouble(i);
            double se = c * Math.sqrt(pi * (1 - pi) / (k * draws));
            assertEquals(w.getDouble(i), mean.getDouble(i), 4.5 * se + 1e-12, "element " + i);
        }
        double empiricalVar = sumSq.div(draws).sub(mean.mul(mean)).meanNumber().doubleValue();
        double expectedVar = c * c * SynapseMapping.meanMappingVariance(w) / k;
        assertEquals(expectedVar, empiricalVar, 0.15 * expectedVar);
    }

    @Test
    void meanMappingVarianceByHand() {
        // p = {0.5, 1, 0.25, 0}: p(1-p) = {0.25, 0, 0.1875, 0}, mean 0.109375
        INDArray w = Nd4j.createFromArray(1.0, -2.0, 0.5, 0.0);
        assertEquals(0.109375, SynapseMapping.meanMappingVariance(w), 1e-12);
        assertEquals(0.0, SynapseMapping.meanMappingVariance(Nd4j.createFromArray(-3.0, 0.0, 3.0)), 0.0);
    }

    @Test
    void badCopiesRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SynapseMapping.deploy(Nd4j.ones(2), 0, null));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }

    /** Spike coding: clipped, exact on {0, 1}, mean ≈ value (4.5 standard errors) over 2000 ticks. */
    @Test
    void spikeCodingIsClippedAndUnbiased() throws Exception {
        INDArray x = Nd4j.createFromArray(-0.5, 0.0, 0.3, 0.8, 1.0, 1.7);
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(5)) {
            INDArray r = SpikeCoding.encode(x, 2000, rng);
            double[] expected = {0, 0, 0.3, 0.8, 1, 1};
            for (int i = 0; i < expected.length; i++) {
                double se = Math.sqrt(expected[i] * (1 - expected[i]) / 2000);
                assertEquals(expected[i], r.getDouble(i), 4.5 * se, "element " + i);
            }
            assertEquals(0.0, r.getDouble(0), 0.0);
            assertEquals(1.0, r.getDouble(5), 0.0);
        }
    }
}
