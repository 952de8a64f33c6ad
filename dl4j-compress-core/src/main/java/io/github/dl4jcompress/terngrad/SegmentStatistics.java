package io.github.dl4jcompress.terngrad;

/**
 * What {@link Ternarizer} did to one segment: σ (population standard deviation of the raw values), the clip
 * bound {@code c·σ} (infinite when σ = 0, i.e. no clipping), the scaler {@code s = max|clip(g)|}, how many
 * values were clipped ({@code |g| > c·σ}) and how many came out non-zero.
 */
public record SegmentStatistics(String name, int length, double sigma, double clipBound, float scaler,
                                int clippedCount, int nonZeroCount) {

    /** Fraction of the segment's values that were clipped. */
    public double clippedFraction() {
        return clippedCount / (double) length;
    }

    /** Fraction of the segment's values sent as ±s. */
    public double density() {
        return nonZeroCount / (double) length;
    }
}
