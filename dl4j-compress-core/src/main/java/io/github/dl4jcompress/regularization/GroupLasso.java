package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Group Lasso over one kind of weight group of one layer (Structured Sparsity Learning, Wen et al., NIPS 2016):
 * <pre>
 *   R(W) = λ Σ_g ( sqrt(||w_g||² + ε²) − ε )          dR/dw_g = λ w_g / sqrt(||w_g||² + ε²)
 * </pre>
 * a Group Lasso {@code λ Σ_g ||w_g||₂} smoothed by ε (default 1e-8) so that it is differentiable everywhere: a group at
 * exactly zero gets gradient zero and penalty zero, and {@link #score} is the exact integral of {@link #apply}. The
 * smoothing only matters for groups whose norm is near ε; groups driven that small are set to exact zero by the
 * zeroing listener (SSL's rule) and removed by the pruner.
 *
 * <p>Applied before the updater, like DL4J's {@code L2Regularization}: {@code w -= updater(gradient + dR/dw)}. The
 * strength λ is an {@link ISchedule} of (iteration, epoch). Non-finite weights, or a gradient that would become
 * non-finite (e.g. an exploding schedule), are refused before the update (see {@link NonFiniteValueException}).
 *
 * <p>DL4J hands {@link #apply} a flat view of the weights, so each instance is bound to its layer's
 * {@link WeightLayout}. Build bound instances with {@link StructuredSparsity} (every eligible layer, or named ones) or
 * {@link #bind}; an unbound instance (e.g. one set on DL4J's global builder, which shares it across all layers)
 * refuses to run with a message that says so.
 */
public class GroupLasso implements Regularization {

    /** Default smoothing of the group norm. */
    public static final double DEFAULT_EPSILON = 1e-8;

    private final GroupKind kind;
    private final ISchedule strength;
    private final WeightLayout layout;
    private final double epsilon;

    /**
     * @param kind     which groups
     * @param strength λ as a schedule
     * @param layout   the layer's weight layout, or null for an unbound template (bind it before training)
     * @param epsilon  smoothing of the norm, finite and ≥ 0; null (a JSON entry without it) means
     *                 {@link #DEFAULT_EPSILON}
     */
    public GroupLasso(@JsonProperty("kind") GroupKind kind, @JsonProperty("strength") ISchedule strength,
                      @JsonProperty("layout") WeightLayout layout, @JsonProperty("epsilon") Double epsilon) {
        String layer = layout == null ? null : layout.getLayerName();
        if (kind == null || strength == null) {
            throw new IllegalArgumentException("GroupLasso" + (layer == null ? " (unbound)" : CheckedGradient.where(layout))
                    + ": field '" + (kind == null ? "kind" : "strength") + "' is missing; expected "
                    + (kind == null ? "one of " + java.util.Arrays.toString(GroupKind.values()) : "a strength schedule"));
        }
        this.kind = kind;
        this.strength = strength;
        this.layout = layout;
        if (epsilon == null) {
            epsilon = DEFAULT_EPSILON;
        }
        if (strength instanceof FixedSchedule) {
            Strengths.check("GroupLasso(" + kind + ")", layout, strength.valueAt(0, 0));
        }
        if (Double.isNaN(epsilon) || Double.isInfinite(epsilon) || epsilon < 0) {
            throw new IllegalArgumentException("GroupLasso(" + kind + ")" + CheckedGradient.where(layout)
                    + ": epsilon must be finite and >= 0, got " + epsilon);
        }
        this.epsilon = epsilon;
        if (layout != null) {
            layout.requireSupports(kind);
        }
    }

    /** An unbound Group Lasso with a fixed strength; bind it with {@link #bind} or {@link StructuredSparsity}. */
    public static GroupLasso of(GroupKind kind, double strength) {
        return new GroupLasso(kind, new FixedSchedule(Strengths.check("GroupLasso(" + kind + ")", null, strength)), null, DEFAULT_EPSILON);
    }

    /** An unbound Group Lasso with a scheduled strength. */
    public static GroupLasso of(GroupKind kind, ISchedule strength) {
        return new GroupLasso(kind, strength, null, DEFAULT_EPSILON);
    }

    /** A copy bound to a layer's weight layout. */
    public GroupLasso bind(WeightLayout layout) {
        return new GroupLasso(kind, strength.clone(), Objects.requireNonNull(layout, "layout"), epsilon);
    }

    /** A copy with another smoothing ε. */
    public GroupLasso withEpsilon(double epsilon) {
        return new GroupLasso(kind, strength.clone(), layout, epsilon);
    }

    @JsonProperty("kind")
    public GroupKind getKind() { return kind; }
    @JsonProperty("strength")
    public ISchedule getStrength() { return strength; }
    @JsonProperty("layout")
    public WeightLayout getLayout() { return layout; }
    @JsonProperty("epsilon")
    public double getEpsilon() { return epsilon; }

    @JsonIgnore
    public boolean isBound() {
        return layout != null;
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.BEFORE_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        WeightLayout l = requireLayout(param);
        WeightClaims.claim(describe(), l, param);
        double lambda = Strengths.valueAt(describe(), l, strength, iteration, epoch);
        if (lambda == 0) {
            return;
        }
        INDArray w = l.canonicalFlat(param);
        INDArray coeff = smoothedNorms(l.groupSquares(w, kind));
        Transforms.pow(coeff, -1, false).muli(lambda);
        // with ε = 0 a group at exactly zero has norm 0: its (sub)gradient is taken as 0
        BooleanIndexing.replaceWhere(coeff, 0.0, Conditions.isInfinite());
        INDArray grad = w.dup();
        l.scaleGroups(grad, kind, coeff);
        addChecked(l, lambda, gradView, inShapeOf(l, grad, gradView), w, iteration);
    }

    /**
     * {@code gradView += delta} through the non-finite guard. A NaN or infinite weight always makes its group's penalty
     * gradient NaN (its norm is NaN or ∞, so w·λ/‖w_g‖ is NaN·… or ∞·0), so the weights are scanned — to refuse them by
     * name, before the sum — only when the sum is refused: one pass over the weights less per step, the same errors.
     */
    private void addChecked(WeightLayout l, double lambda, INDArray gradView, INDArray delta, INDArray w, int iteration) {
        try {
            CheckedGradient.add(describe(), l, lambda, gradView, delta, iteration);
        } catch (NonFiniteValueException e) {
            CheckedGradient.requireFiniteWeights(describe(), l, w, iteration);
            throw e;
        }
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        WeightLayout l = requireLayout(param);
        double lambda = Strengths.valueAt(describe(), l, strength, iteration, epoch);
        if (lambda == 0) {
            return 0;
        }
        INDArray norms = smoothedNorms(l.groupSquares(l.canonicalFlat(param), kind).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        return lambda * (norms.sumNumber().doubleValue() - epsilon * norms.length());
    }

    /** {@code sqrt(||w_g||² + ε²)} for each group. */
    private INDArray smoothedNorms(INDArray squares) {
        return Transforms.sqrt(squares.add(epsilon * epsilon), false);
    }

    /** A canonical-order flat delta in the shape (and storage order) of DL4J's gradient array. */
    static INDArray inShapeOf(WeightLayout layout, INDArray canonicalDelta, INDArray gradView) {
        if (gradView.isVector() || gradView.isScalar()) {
            return canonicalDelta.reshape(gradView.shape());
        }
        return canonicalDelta.reshape(layout.storageOrder(), gradView.shape());
    }

    /** The bound layout, after checking that {@code param} is that layer's weight (not another layer's). */
    private WeightLayout requireLayout(INDArray param) {
        WeightLayout l = requireLayout();
        if (param.length() != l.length()) {
            throw new IllegalArgumentException(describe() + " bound to " + l.describeLayer() + ", parameter W " + l.describeShape()
                    + " (" + l.length() + " weights) was handed a weight of " + param.length() + " values, i.e. another "
                    + "layer's: one bound instance is shared by several layers (a regularizer set on the global "
                    + "NeuralNetConfiguration.Builder is given to every layer). Bind one instance per layer with "
                    + "StructuredSparsity...applyTo(conf) or GroupLasso.bind.");
        }
        return l;
    }

    private WeightLayout requireLayout() {
        if (layout == null) {
            throw new IllegalStateException(describe() + " is not bound to a layer's weight shape. DL4J hands regularizers a flat view "
                    + "of the weights, and a regularizer set on NeuralNetConfiguration.Builder is one instance shared by every layer "
                    + "(and added twice to each). Use StructuredSparsity.builder()...build().applyTo(conf) on the built configuration, "
                    + "or GroupLasso.of(kind, strength).bind(WeightLayout.of(name, layerConf)) on one layer.");
        }
        return layout;
    }

    private String describe() {
        return "GroupLasso(" + kind + ")";
    }

    @Override
    public GroupLasso clone() {
        return new GroupLasso(kind, strength.clone(), layout, epsilon);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof GroupLasso)) return false;
        GroupLasso g = (GroupLasso) o;
        return kind == g.kind && Double.compare(epsilon, g.epsilon) == 0 && strength.equals(g.strength) && Objects.equals(layout, g.layout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, strength, layout, epsilon);
    }

    @Override
    public String toString() {
        return describe() + "{strength=" + strength + ", layer=" + (layout == null ? "<unbound>" : layout) + ", epsilon=" + epsilon + "}";
    }
}
