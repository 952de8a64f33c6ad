package io.github.dl4jcompress.spark;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/** A custom regularizer ({@code ∇ += λ·w}) that exists only in the test classes, to play "missing on executors". */
public final class TestOnlyL2 implements Regularization {

    private static final long serialVersionUID = 1L;
    private final double lambda;

    public TestOnlyL2(@JsonProperty("lambda") double lambda) {
        this.lambda = lambda;
    }

    @JsonProperty("lambda")
    public double getLambda() {
        return lambda;
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.BEFORE_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        gradView.addi(param.mul(lambda));
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        return 0.5 * lambda * param.norm2Number().doubleValue() * param.norm2Number().doubleValue();
    }

    @Override
    public Regularization clone() {
        return new TestOnlyL2(lambda);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestOnlyL2 t && t.lambda == lambda;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(lambda);
    }
}
