package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The regularizers' non-finite guard: a penalty gradient is added to DL4J's gradient only if the weights, and the sum,
 * are all finite; otherwise {@link NonFiniteValueException} names the regularizer, layer, parameter, flat index
 * (DL4J's parameter-view order), value, strength and iteration. It runs before DL4J's updater, so when it throws
 * neither the parameters nor the updater state have been changed (DL4J itself does not check).
 */
final class CheckedGradient {

    private CheckedGradient() {
    }

    /** Refuses non-finite weights {@code param} (flat, DL4J's view order) before a penalty is computed from them. */
    static void requireFiniteWeights(String who, WeightLayout layer, INDArray param, int iteration) {
        long bad = FiniteValues.firstNonFinite(param);
        if (bad >= 0) {
            double v = FiniteValues.valueAt(param, bad);
            throw new NonFiniteValueException(who + where(layer) + ": parameter W has value " + v + " at index " + bad
                    + " at iteration " + iteration + "; refusing to regularize non-finite weights (training diverged)",
                    layer == null ? null : layer.getLayerName(), "W", bad, v);
        }
    }

    /**
     * {@code gradView += delta} (delta already in {@code gradView}'s shape), or a {@link NonFiniteValueException}
     * with {@code gradView} untouched if any sum is NaN or ±Infinity.
     */
    static void add(String who, WeightLayout layer, double lambda, INDArray gradView, INDArray delta, int iteration) {
        INDArray sum = gradView.add(delta);
        long bad = FiniteValues.firstNonFinite(sum);
        if (bad >= 0) {
            double v = FiniteValues.valueAt(sum, bad);
            throw new NonFiniteValueException(who + where(layer) + ": the gradient of parameter W would be " + v
                    + " at index " + bad + " at iteration " + iteration + " (strength " + lambda + "); refusing to apply "
                    + "a non-finite gradient (an exploding strength schedule or diverged training); nothing was changed",
                    layer == null ? null : layer.getLayerName(), "W", bad, v);
        }
        gradView.assign(sum);
    }

    /** {@code " on layer 'conv2' (index 2)"}, empty if the layer is not known. */
    static String where(WeightLayout layer) {
        return layer == null ? "" : " on " + layer.describeLayer();
    }
}
