package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * The "binary-push" penalty of TrueNorth-aware training (Wen et al., DAC 2016): it drives each weight's synapse
 * probability toward 0 or 1, where the chip's stochastic synapse mapping has no variance.
 *
 * <p>Mapping (ternary synapses, sign kept): {@code p = |w| / c}, where the full-scale weight {@code c} is either a fixed
 * value ({@link #withFullScale}) or, by default, the layer's current {@code max|w|} — the same normalization the
 * deployment uses. Penalty, the variance of the Bernoulli synapse, folded so weights beyond full scale are pulled
 * back to it:
 * <pre>
 *   R(w) = λ Σ_i |p_i (1 − p_i)|        dR/dw_i = λ sign(w_i) (1 − 2 p_i) / c   for p_i &lt; 1
 *                                                 λ sign(w_i) (2 p_i − 1) / c   for p_i &gt; 1
 * </pre>
 * largest (λ/4 per weight) at p = 0.5, zero at p = 0 and p = 1, where the gradient is taken as 0 (both are minima).
 * With the layer-max full scale, {@code c} is treated as a constant in the gradient (it moves only through the single
 * largest weight). Applied before the updater; λ is an {@link ISchedule}. Non-finite weights, or a gradient that
 * would become non-finite (e.g. an exploding schedule), are refused before the update ({@link NonFiniteValueException}).
 */
public class BinaryPush implements Regularization {

    private final ISchedule strength;
    /** Fixed full-scale weight c; 0 means "the layer's current max|w|". */
    private final double fullScale;

    public BinaryPush(@JsonProperty("strength") ISchedule strength, @JsonProperty("fullScale") double fullScale) {
        if (strength == null) {
            throw new IllegalArgumentException("BinaryPush: field 'strength' is missing; expected a strength schedule");
        }
        this.strength = strength;
        if (strength instanceof FixedSchedule) {
            Strengths.check("BinaryPush", null, strength.valueAt(0, 0));
        }
        if (Double.isNaN(fullScale) || Double.isInfinite(fullScale) || fullScale < 0) {
            throw new IllegalArgumentException("BinaryPush: fullScale must be finite and >= 0 (0 = layer max), got " + fullScale);
        }
        this.fullScale = fullScale;
    }

    /** Binary push with a fixed strength, normalizing by the layer's max|w|. */
    public static BinaryPush of(double strength) {
        return new BinaryPush(new FixedSchedule(Strengths.check("BinaryPush", null, strength)), 0);
    }

    /** Binary push with a scheduled strength, normalizing by the layer's max|w|. */
    public static BinaryPush of(ISchedule strength) {
        return new BinaryPush(strength, 0);
    }

    /** A copy that normalizes by a fixed full-scale weight {@code c > 0} instead of the layer max. */
    public BinaryPush withFullScale(double c) {
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("BinaryPush: full-scale weight must be finite and > 0, got " + c);
        }
        return new BinaryPush(strength.clone(), c);
    }

    @JsonProperty("strength")
    public ISchedule getStrength() { return strength; }
    @JsonProperty("fullScale")
    public double getFullScale() { return fullScale; }

    /** The synapse probabilities {@code p = |w| / c} of a weight array (any shape), as a new array. */
    public INDArray probabilities(INDArray weights) {
        double c = scaleOf(weights);
        return c == 0 ? weights.like() : Transforms.abs(weights, true).divi(c);
    }

    /** The full-scale weight {@code c} used for this array. */
    public double scaleOf(INDArray weights) {
        return fullScale > 0 ? fullScale : weights.amaxNumber().doubleValue();
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.BEFORE_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        double lambda = Strengths.valueAt("BinaryPush", null, strength, iteration, epoch);
        CheckedGradient.requireFiniteWeights("BinaryPush", null, param, iteration);
        double c = scaleOf(param);
        if (lambda == 0 || c == 0) {
            return;
        }
        INDArray p = Transforms.abs(param, true).divi(c);
        // slope = (1 - 2p) below full scale, (2p - 1) above it; 0 exactly at p = 0 and p = 1
        INDArray slope = p.mul(-2).addi(1);
        INDArray above = p.gt(1.0).castTo(param.dataType());
        slope.muli(above.mul(-2).addi(1));
        slope.muli(p.neq(1.0).castTo(param.dataType()));
        slope.muli(Transforms.sign(param, true)).muli(lambda / c);
        CheckedGradient.add("BinaryPush", null, lambda, gradView, slope.reshape(gradView.shape()), iteration);
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        double lambda = Strengths.valueAt("BinaryPush", null, strength, iteration, epoch);
        double c = scaleOf(param);
        if (lambda == 0 || c == 0) {
            return 0;
        }
        INDArray p = Transforms.abs(param.castTo(DataType.DOUBLE), true).divi(c);
        INDArray variance = Transforms.abs(p.mul(p.rsub(1.0)), false);
        return lambda * variance.sumNumber().doubleValue();
    }

    @Override
    public BinaryPush clone() {
        return new BinaryPush(strength.clone(), fullScale);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof BinaryPush)) return false;
        BinaryPush b = (BinaryPush) o;
        return Double.compare(fullScale, b.fullScale) == 0 && strength.equals(b.strength);
    }

    @Override
    public int hashCode() {
        return Objects.hash(strength, fullScale);
    }

    @Override
    public String toString() {
        return "BinaryPush{strength=" + strength + ", fullScale=" + (fullScale > 0 ? fullScale : "layer max") + "}";
    }
}
