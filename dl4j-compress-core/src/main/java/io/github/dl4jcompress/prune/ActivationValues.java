package io.github.dl4jcompress.prune;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.*;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

/**
 * Evaluates an activation function on a single constant, which is what pruning needs to know what a
 * channel with all-zero weights outputs ({@code act(bias)}). Only element-wise, parameter-free
 * activations are evaluated; for any other (softmax, PReLU, RReLU, custom) the value is unknown (NaN).
 */
final class ActivationValues {

    private static final Set<Class<? extends IActivation>> ELEMENTWISE = Set.of(
            ActivationIdentity.class, ActivationReLU.class, ActivationLReLU.class, ActivationTanH.class,
            ActivationSigmoid.class, ActivationELU.class, ActivationSoftPlus.class, ActivationHardTanH.class,
            ActivationReLU6.class, ActivationSELU.class, ActivationSwish.class, ActivationGELU.class,
            ActivationCube.class, ActivationRationalTanh.class, ActivationRectifiedTanh.class,
            ActivationSoftSign.class, ActivationHardSigmoid.class, ActivationMish.class,
            ActivationThresholdedReLU.class);

    private ActivationValues() {
    }

    static boolean isElementwise(IActivation activation) {
        return activation == null || ELEMENTWISE.contains(activation.getClass());
    }

    /** {@code act(value)}; identity for a null activation; NaN if unknown or the input is NaN. */
    static double apply(IActivation activation, double value) {
        if (Double.isNaN(value) || !isElementwise(activation)) {
            return Double.NaN;
        }
        if (activation == null || activation instanceof ActivationIdentity) {
            return value;
        }
        INDArray in = Nd4j.create(new double[] {value}, new long[] {1, 1}, 'c');
        return activation.getActivation(in, false).getDouble(0);
    }
}
