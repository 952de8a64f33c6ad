package io.github.dl4jcompress.truenorth;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Vectorized Binomial draws: for an array of probabilities {@code p} (each in [0, 1]) and a number of trials
 * {@code n}, the count {@code Σ_{t=1..n} [u_t < p]} with {@code u_t ~ U[0, 1)} independent per element and trial —
 * i.e. {@code Binomial(n, p)} element-wise. {@code p = 0} always gives 0 and {@code p = 1} always gives {@code n}.
 * One uniform array per trial, so memory stays at the size of {@code p}.
 */
final class BernoulliCounts {

    private BernoulliCounts() {
    }

    /** Element-wise {@code Binomial(trials, p)} counts, as a new array of {@code p}'s shape and data type. */
    static INDArray count(INDArray p, int trials, Random rng) {
        INDArray counts = Nd4j.zeros(p.dataType(), p.shape());
        INDArray u = Nd4j.createUninitialized(p.dataType(), p.shape());
        for (int t = 0; t < trials; t++) {
            Nd4j.rand(u, rng);
            counts.addi(u.lt(p).castTo(p.dataType()));
        }
        return counts;
    }
}
