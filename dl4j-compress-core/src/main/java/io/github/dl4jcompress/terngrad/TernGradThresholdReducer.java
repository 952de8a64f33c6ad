package io.github.dl4jcompress.terngrad;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;

/**
 * Reduces per-worker {@link TernGradThresholdAlgorithm}s: they carry no learned state (the threshold is
 * recomputed from every vector), so the first instance seen stands for all.
 */
final class TernGradThresholdReducer implements ThresholdAlgorithmReducer {

    private static final long serialVersionUID = 1L;

    private ThresholdAlgorithm first;

    @Override
    public void add(ThresholdAlgorithm instance) {
        if (instance != null && !(instance instanceof TernGradThresholdAlgorithm)) {
            throw new IllegalArgumentException("Cannot reduce " + instance.getClass().getName() + " with TernGrad");
        }
        if (first == null) {
            first = instance;
        }
    }

    @Override
    public ThresholdAlgorithmReducer merge(ThresholdAlgorithmReducer other) {
        if (first == null && other != null) {
            first = other.getFinalResult();
        }
        return this;
    }

    @Override
    public ThresholdAlgorithm getFinalResult() {
        return first;
    }
}
