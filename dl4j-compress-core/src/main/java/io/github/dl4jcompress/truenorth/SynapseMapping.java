package io.github.dl4jcompress.truenorth;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Stochastic mapping of a float weight array onto TrueNorth's ternary synapses (Wen et al., DAC 2016).
 *
 * <p>With the layer's full-scale weight {@code c = max|W|} and {@code p = |w| / c} (the same normalization as
 * {@link io.github.dl4jcompress.regularization.BinaryPush}), each weight is deployed as {@code k} independent synapse
 * copies, each ON with probability {@code p}, averaged:
 * <pre>
 *   ŵ = sign(w) · c · (1/k) Σ_{j=1..k} B_j,    B_j ~ Bernoulli(p)
 *   E[ŵ] = w,    Var[ŵ] = c² · p(1 − p) / k
 * </pre>
 * A weight with {@code p ∈ {0, 1}} (i.e. {@code w ∈ {−c, 0, +c}}) is deployed exactly, whatever {@code k}.
 */
public final class SynapseMapping {

    private SynapseMapping() {
    }

    /** The synapse probabilities {@code p = |w| / max|W|} as a new array (all zeros if {@code W} is all zero). */
    public static INDArray probabilities(INDArray weights) {
        double c = weights.amaxNumber().doubleValue();
        return c == 0 ? weights.like().assign(0) : Transforms.abs(weights, true).divi(c);
    }

    /**
     * The mean Bernoulli mapping variance {@code (1/N) Σ p_i (1 − p_i)} of one copy, in units of {@code c²}: 0 for a
     * ternary layer, at most 0.25.
     */
    public static double meanMappingVariance(INDArray weights) {
        if (weights.length() == 0) {
            throw new IllegalArgumentException("SynapseMapping: empty weight array");
        }
        INDArray p = probabilities(weights);
        return p.mul(p.rsub(1.0)).meanNumber().doubleValue();
    }

    /**
     * The {@code q}-quantile of {@code |w|} over the array (nearest rank: the {@code ⌈q·N⌉}-th smallest magnitude,
     * {@code 0 < q ≤ 1}; {@code q = 1} is {@code max|W|}) — a full scale {@code c} for weights clipped to
     * {@link FullScaleClip} that ignores the few largest outliers.
     */
    public static double magnitudeQuantile(INDArray weights, double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("SynapseMapping: quantile must be in (0, 1], got " + q);
        }
        if (weights.length() == 0) {
            throw new IllegalArgumentException("SynapseMapping: empty weight array");
        }
        double[] m = Transforms.abs(weights, true).reshape(weights.length()).toDoubleVector();
        java.util.Arrays.sort(m);
        int rank = (int) Math.ceil(q * m.length);
        return m[Math.max(0, rank - 1)];
    }

    /**
     * One deployment of {@code weights} with {@code copies} synapse copies per weight, drawn from {@code rng}: a new
     * array of the same shape and type, {@code ŵ = sign(w) · c · mean_k Bernoulli(p)}.
     */
    public static INDArray deploy(INDArray weights, int copies, Random rng) {
        if (copies < 1) {
            throw new IllegalArgumentException("SynapseMapping: copies must be >= 1, got " + copies);
        }
        double c = weights.amaxNumber().doubleValue();
        if (c == 0) {
            return weights.dup();
        }
        INDArray p = Transforms.abs(weights, true).divi(c);
        INDArray on = BernoulliCounts.count(p, copies, rng);
        return on.muli(c / copies).muli(Transforms.sign(weights, true));
    }
}
