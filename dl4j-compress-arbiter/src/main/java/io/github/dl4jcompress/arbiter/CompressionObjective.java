package io.github.dl4jcompress.arbiter;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;

/**
 * The single number Arbiter maximizes for a compressed candidate, from its accuracy {@code a} (in [0,1]) and the MACs
 * {@code m} of its pruned network:
 * <ul>
 *   <li>{@link #macBudget(long) MAC budget} B: {@code a} if {@code m ≤ B}, else {@code −m/B} — every candidate within
 *       budget beats every candidate over it, and among those over it the cheaper wins;</li>
 *   <li>{@link #logMacs(double, long) log trade-off}: {@code a − α·ln(m / m_ref)}, with {@code m_ref} e.g. the dense
 *       network's MACs; halving the MACs is worth {@code α·ln 2} of accuracy.</li>
 * </ul>
 */
public final class CompressionObjective implements Serializable {

    /** Which scalarization. */
    public enum Type { MAC_BUDGET, LOG_MACS }

    private final Type type;
    private final long budget;
    private final double alpha;
    private final long referenceMacs;

    @JsonCreator
    public CompressionObjective(@JsonProperty("type") Type type, @JsonProperty("budget") long budget,
                                @JsonProperty("alpha") double alpha, @JsonProperty("referenceMacs") long referenceMacs) {
        if (type == null) {
            throw new IllegalArgumentException("CompressionObjective: type must not be null");
        }
        if (type == Type.MAC_BUDGET && budget <= 0) {
            throw new IllegalArgumentException("CompressionObjective: the MAC budget must be > 0, got " + budget);
        }
        if (type == Type.LOG_MACS) {
            if (Double.isNaN(alpha) || Double.isInfinite(alpha) || alpha < 0) {
                throw new IllegalArgumentException("CompressionObjective: alpha must be finite and >= 0, got " + alpha);
            }
            if (referenceMacs <= 0) {
                throw new IllegalArgumentException("CompressionObjective: referenceMacs must be > 0, got " + referenceMacs);
            }
        }
        this.type = type;
        this.budget = budget;
        this.alpha = alpha;
        this.referenceMacs = referenceMacs;
    }

    /** Accuracy subject to {@code MACs ≤ budget}. */
    public static CompressionObjective macBudget(long budget) {
        return new CompressionObjective(Type.MAC_BUDGET, budget, 0, 0);
    }

    /** {@code accuracy − α·ln(MACs / referenceMacs)}. */
    public static CompressionObjective logMacs(double alpha, long referenceMacs) {
        return new CompressionObjective(Type.LOG_MACS, 0, alpha, referenceMacs);
    }

    /** The objective value (to maximize). */
    public double value(double accuracy, long macs) {
        if (macs < 0) {
            throw new IllegalArgumentException("CompressionObjective: MACs must be >= 0, got " + macs);
        }
        if (type == Type.MAC_BUDGET) {
            return macs <= budget ? accuracy : -(double) macs / budget;
        }
        return accuracy - alpha * Math.log(Math.max(1, macs) / (double) referenceMacs);
    }

    @JsonProperty("type") public Type getType() { return type; }
    @JsonProperty("budget") public long getBudget() { return budget; }
    @JsonProperty("alpha") public double getAlpha() { return alpha; }
    @JsonProperty("referenceMacs") public long getReferenceMacs() { return referenceMacs; }

    @Override
    public String toString() {
        return type == Type.MAC_BUDGET ? "accuracy s.t. MACs <= " + budget : "accuracy - " + alpha + " ln(MACs/" + referenceMacs + ")";
    }
}
