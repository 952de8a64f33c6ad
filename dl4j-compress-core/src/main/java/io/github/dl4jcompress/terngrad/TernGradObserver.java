package io.github.dl4jcompress.terngrad;

import java.util.List;

/**
 * Told about every vector a TernGrad sender ternarizes, on the sending worker's thread (several workers may call
 * one observer concurrently: implementations must be thread-safe and quick).
 *
 * <p>{@code messageBytes} is the size of what the codec hands over for transmission: for
 * {@link TernGradGradientsAccumulator} the exact {@link TernaryMessage} size {@code 20 + 8L + ⌈N/4⌉}; for
 * {@link TernGradThresholdAlgorithm} (DL4J encodes the ternarized vector itself) the size of DL4J's dense bitmap
 * message {@code 4·(⌊N/16⌋ + 5)}, which is what DL4J sends for any update with at least N/32 non-zeros.
 * {@code segments} holds σ, the clip bound, the scaler and the clipped/non-zero counts of every segment.
 */
@FunctionalInterface
public interface TernGradObserver {

    /**
     * @param iteration    the sending worker's iteration number
     * @param epoch        the sending worker's epoch number
     * @param messageBytes bytes of the message carrying the ternarized vector
     * @param segments     per-segment statistics, in layout order
     */
    void ternarized(int iteration, int epoch, long messageBytes, List<SegmentStatistics> segments);
}
