package io.github.dl4jcompress.prune;

/**
 * Whether one shape-sparse convolution was swapped for a {@link io.github.dl4jcompress.layers.LoweredConvolution}.
 *
 * @param layer             layer name
 * @param keptPositions     kernel positions {@code (c, ky, kx)} with a non-zero weight in some filter
 * @param totalPositions    {@code nIn * kH * kW}
 * @param convolutionMicros measured forward time of DL4J's ConvolutionLayer (µs per call on the timing input), NaN if not timed
 * @param loweredMicros     measured forward time of the lowered layer, NaN if not timed
 * @param lowered           true if the pruned network uses the lowered layer
 */
public record LoweringDecision(String layer, int keptPositions, int totalPositions, double convolutionMicros,
                               double loweredMicros, boolean lowered) {

    @Override
    public String toString() {
        return String.format("%s: %d/%d kernel positions, DL4J conv %.1f us, lowered %.1f us -> %s", layer, keptPositions,
                totalPositions, convolutionMicros, loweredMicros, lowered ? "lowered" : "kept DL4J conv");
    }
}
