package io.github.dl4jcompress.regularization;

/**
 * A NaN or ±Infinity was found where a finite value is required: a gradient a regularizer would add, a parameter a
 * listener would leave, an input of the TrueNorth simulator. The message names the layer (name and index where
 * known), the parameter, the flat index, the value and the iteration; nothing was modified when it is thrown.
 */
public class NonFiniteValueException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String layerName;
    private final String parameter;
    private final long index;
    private final double value;

    public NonFiniteValueException(String message, String layerName, String parameter, long index, double value) {
        super(message);
        this.layerName = layerName;
        this.parameter = parameter;
        this.index = index;
        this.value = value;
    }

    /** The layer whose value is not finite, or null if not known. */
    public String layerName() {
        return layerName;
    }

    /** The parameter (e.g. {@code W}) or input the value belongs to. */
    public String parameter() {
        return parameter;
    }

    /** The flat index (in the array's own ordering) of the first non-finite value. */
    public long index() {
        return index;
    }

    /** The offending value (NaN or ±Infinity). */
    public double value() {
        return value;
    }
}
