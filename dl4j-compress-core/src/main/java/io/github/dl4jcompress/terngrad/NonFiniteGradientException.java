package io.github.dl4jcompress.terngrad;

/**
 * Thrown when a gradient handed to TernGrad contains NaN or ±Infinity: such a vector is never encoded,
 * because its σ, clip bound and scaler would all be meaningless. Names the segment (layer/parameter) and
 * the index inside it.
 */
public class NonFiniteGradientException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int segment;
    private final String segmentName;
    private final int indexInSegment;
    private final float value;

    public NonFiniteGradientException(int segment, String segmentName, int indexInSegment, float value) {
        super("Gradient value " + value + " in segment " + segment + " (" + segmentName + ") at index "
                + indexInSegment + " is not finite; refusing to ternarize");
        this.segment = segment;
        this.segmentName = segmentName;
        this.indexInSegment = indexInSegment;
        this.value = value;
    }

    /** Index of the offending segment in its {@link SegmentLayout}. */
    public int segment() {
        return segment;
    }

    /** Name of the offending segment (parameter key for model layouts). */
    public String segmentName() {
        return segmentName;
    }

    /** Index of the offending value inside its segment. */
    public int indexInSegment() {
        return indexInSegment;
    }

    /** The offending value (NaN or ±Infinity). */
    public float value() {
        return value;
    }
}
