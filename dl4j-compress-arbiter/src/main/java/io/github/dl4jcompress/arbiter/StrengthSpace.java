package io.github.dl4jcompress.arbiter;

import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;

/**
 * Arbiter parameter spaces for regularization strengths and thresholds, as Arbiter's own
 * {@link ContinuousParameterSpace} (so they serialize with Arbiter's JSON like its {@code l2(...)} spaces).
 *
 * <p>{@link #logUniform}: λ = exp(U(ln min, ln max)), the usual prior for a strength that matters by its order of
 * magnitude (Group Lasso λ spanning 1e-4..1e-1 needs as many samples per decade).
 */
public final class StrengthSpace {

    private StrengthSpace() {
    }

    /** Log-uniform λ in [min, max]; {@code 0 < min <= max}, both finite. */
    public static ContinuousParameterSpace logUniform(double min, double max) {
        check("min", min);
        check("max", max);
        if (!(min > 0) || max < min) {
            throw new IllegalArgumentException("StrengthSpace.logUniform: need 0 < min <= max, got min=" + min + ", max=" + max);
        }
        if (min == max) {
            return new ContinuousParameterSpace(min, max);
        }
        return new ContinuousParameterSpace(new LogUniformDistribution(min, max));
    }

    /** Uniform value in [min, max], e.g. the relative zeroing threshold in [0, 0.05]. */
    public static ContinuousParameterSpace uniform(double min, double max) {
        check("min", min);
        check("max", max);
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("StrengthSpace.uniform: need 0 <= min <= max, got min=" + min + ", max=" + max);
        }
        return new ContinuousParameterSpace(min, max);
    }

    private static void check(String what, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("StrengthSpace: " + what + " must be finite, got " + v);
        }
    }
}
