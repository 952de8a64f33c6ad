package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.terngrad.TernaryMessage;

/**
 * One network's training step in {@link PerformanceModel}: {@code N} parameters in {@code L} TernGrad segments
 * (one scaler each) and {@code T_c}, the seconds one worker computes per iteration (forward + backward of its
 * mini-batch).
 */
public record Workload(String name, long params, int segments, double computeSeconds) {

    public Workload {
        if (params < 1 || segments < 1 || segments > params || !(computeSeconds >= 0)) {
            throw new IllegalArgumentException("Workload " + name + ": need params >= segments >= 1 and compute >= 0, got "
                    + params + ", " + segments + ", " + computeSeconds);
        }
    }

    /** {@code M₃₂ = 4N}: bytes of an fp32 gradient. */
    public long fp32Bytes() {
        return 4 * params;
    }

    /** {@code M_t = 20 + 8L + ⌈N/4⌉}: bytes of a TernGrad message. */
    public long ternaryBytes() {
        return TernaryMessage.sizeInBytes(segments, params);
    }
}
