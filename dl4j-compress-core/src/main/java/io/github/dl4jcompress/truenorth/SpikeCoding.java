package io.github.dl4jcompress.truenorth;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Stochastic rate coding of values in [0, 1] into {@code s} spikes per frame: at each of the {@code s} ticks an axon
 * spikes with probability equal to its value, and the decoded value is the fraction of ticks that spiked:
 * <pre>
 *   x̂ = (1/s) Σ_{t=1..s} B_t,   B_t ~ Bernoulli(x)     E[x̂] = x,   Var[x̂] = x(1 − x) / s
 * </pre>
 * Values outside [0, 1] are clipped first (a rate cannot be negative or exceed one spike per tick); values in
 * {0, 1} are coded exactly.
 */
public final class SpikeCoding {

    private SpikeCoding() {
    }

    /** The decoded spike rates {@code x̂} of {@code clip(values, 0, 1)} with {@code spikes} ticks, as a new array. */
    public static INDArray encode(INDArray values, int spikes, Random rng) {
        if (spikes < 1) {
            throw new IllegalArgumentException("SpikeCoding: spikes must be >= 1, got " + spikes);
        }
        INDArray rate = clip01(values);
        return BernoulliCounts.count(rate, spikes, rng).divi(spikes);
    }

    /** {@code min(1, max(0, values))} as a new array. */
    public static INDArray clip01(INDArray values) {
        return Transforms.min(Transforms.max(values, 0.0, true), 1.0, false);
    }
}
