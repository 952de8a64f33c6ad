package io.github.dl4jcompress.terngrad;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Residual post-processor for TernGrad in DL4J's gradient sharing: sets the residual to 0 after every
 * encoding ({@code r ← 0}), because TernGrad is unbiased on its own and keeps no error feedback. With
 * {@link TernGradThresholdAlgorithm} the residual is already exactly 0 after a complete encoding; this also
 * discards anything an encoder left behind (e.g. values beyond DL4J's sparse-message boundary).
 */
public final class ZeroResidualPostProcessor implements ResidualPostProcessor {

    private static final long serialVersionUID = 1L;

    @Override
    public void processResidual(int iteration, int epoch, double lastThreshold, INDArray residualVector) {
        residualVector.assign(0);
    }

    @Override
    public ZeroResidualPostProcessor clone() {
        return new ZeroResidualPostProcessor();
    }
}
