package io.github.dl4jcompress.listeners.compress;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * What the compressed network must fit in: a fraction of the dense network's MACs or parameters (in (0, 1]), or a
 * measured inference latency in milliseconds for a mini-batch of a given size on this machine.
 */
public final class CompressionBudget {

    /** The budgeted quantity. */
    public enum Kind { MAC_FRACTION, PARAM_FRACTION, LATENCY_MS }

    private final Kind kind;
    private final double value;
    private final int batch;

    @JsonCreator
    public CompressionBudget(@JsonProperty("kind") Kind kind, @JsonProperty("value") double value, @JsonProperty("batch") int batch) {
        if (kind == null) {
            throw new IllegalArgumentException("CompressionBudget: kind must not be null");
        }
        if (kind == Kind.LATENCY_MS) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("CompressionBudget: latency target must be a finite number of milliseconds > 0, got " + value);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("CompressionBudget: latency batch size must be >= 1, got " + batch);
            }
        } else if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException("CompressionBudget: " + (kind == Kind.MAC_FRACTION ? "MAC" : "parameter")
                    + " fraction must be in (0, 1], got " + value);
        }
        this.kind = kind;
        this.value = value;
        this.batch = batch;
    }

    public static CompressionBudget macFraction(double fraction) {
        return new CompressionBudget(Kind.MAC_FRACTION, fraction, 0);
    }

    public static CompressionBudget paramFraction(double fraction) {
        return new CompressionBudget(Kind.PARAM_FRACTION, fraction, 0);
    }

    public static CompressionBudget latencyMs(double milliseconds, int batch) {
        return new CompressionBudget(Kind.LATENCY_MS, milliseconds, batch);
    }

    @JsonProperty("kind") public Kind getKind() { return kind; }
    @JsonProperty("value") public double getValue() { return value; }
    @JsonProperty("batch") public int getBatch() { return batch; }

    @Override
    public String toString() {
        switch (kind) {
            case MAC_FRACTION: return String.format("%.1f%% of the MACs", 100 * value);
            case PARAM_FRACTION: return String.format("%.1f%% of the parameters", 100 * value);
            default: return String.format("%.3g ms per batch of %d", value, batch);
        }
    }
}
