package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Finds NaN and ±Infinity in an array: one reduction (a sum, which is finite exactly when every value is, unless it
 * overflows) when all values are finite (the common case), a scan only to locate the first bad value. Used by the non-finite guards of the regularizers, listeners and the TrueNorth
 * simulator, which refuse such values with a message naming where they are.
 */
public final class FiniteValues {

    private FiniteValues() {
    }

    /**
     * The flat index of the first NaN or ±Infinity in {@code values}, in the array's own ordering (for a DL4J
     * parameter: its position in the layer's parameter view), or −1 if every value is finite.
     */
    public static long firstNonFinite(INDArray values) {
        if (values == null || values.length() == 0 || !values.dataType().isFPType()) {
            return -1;
        }
        // a NaN or ±Infinity makes the sum non-finite: one vectorised reduction, several times cheaper than MatchCondition
        if (Double.isFinite(values.sumNumber().doubleValue())) {
            return -1;
        }
        long bad = Nd4j.getExecutioner().exec(new MatchCondition(values, Conditions.notFinite())).getLong(0);
        if (bad == 0) {                                              // finite values whose sum overflowed
            return -1;
        }
        double[] v = flat(values).toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The value at flat index {@code index} (the array's own ordering, as {@link #firstNonFinite}). */
    public static double valueAt(INDArray values, long index) {
        return flat(values).getDouble(index);
    }

    private static INDArray flat(INDArray values) {
        return Nd4j.toFlattened(values.ordering(), values);
    }
}
