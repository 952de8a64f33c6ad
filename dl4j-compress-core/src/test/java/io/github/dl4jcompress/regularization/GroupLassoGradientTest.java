package io.github.dl4jcompress.regularization;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupLassoGradientTest {

    private static final WeightLayout CONV = WeightLayout.convolution("conv", 4, 3, 3, 2);
    private static final WeightLayout DENSE = WeightLayout.dense("dense", 5, 4);

    private static INDArray convWeights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, 4, 3, 3, 2);
    }

    private static INDArray denseWeights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, 5, 4).dup('f');
    }

    @ParameterizedTest
    @EnumSource(GroupKind.class)
    void convGradientMatchesFiniteDifferences(GroupKind kind) {
        INDArray w = convWeights(1);
        GroupLasso gl = GroupLasso.of(kind, 0.7).bind(CONV);
        FiniteDifferences.check(gl, w, 'c', 1e-6, 1e-5);
    }

    @ParameterizedTest
    @EnumSource(value = GroupKind.class, names = {"FILTER", "CHANNEL", "DEPTH"})
    void denseGradientMatchesFiniteDifferences(GroupKind kind) {
        INDArray w = denseWeights(2);
        GroupLasso gl = GroupLasso.of(kind, 0.3).bind(DENSE);
        FiniteDifferences.check(gl, w, 'f', 1e-6, 1e-5);
    }

    @Test
    void groupAtZeroHasZeroGradientAndPenaltyAndFiniteDifferencesAgree() {
        INDArray w = convWeights(3);
        w.get(NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        GroupLasso gl = GroupLasso.of(GroupKind.FILTER, 0.5).bind(CONV);
        INDArray grad = FiniteDifferences.check(gl, w, 'c', 1e-6, 1e-5);
        INDArray grad4 = grad.reshape('c', 4, 3, 3, 2);
        assertEquals(0.0, grad4.get(NDArrayIndex.point(2)).amaxNumber().doubleValue(), 0.0);
        // penalty of the zero filter is 0: removing it from the sum leaves the score unchanged
        INDArray others = w.get(NDArrayIndex.indices(0, 1, 3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup();
        GroupLasso gl3 = GroupLasso.of(GroupKind.FILTER, 0.5).bind(WeightLayout.convolution("conv", 3, 3, 3, 2));
        assertEquals(gl3.score(others, 0, 0), gl.score(w, 0, 0), 1e-12);
    }

    @Test
    void unsmoothedGroupAtZeroIsFiniteToo() {
        INDArray w = denseWeights(4);
        w.getColumn(1).assign(0);
        GroupLasso gl = GroupLasso.of(GroupKind.FILTER, 0.5).withEpsilon(0).bind(DENSE);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, w.length());
        gl.apply(Nd4j.toFlattened('f', w), grad, 0.1, 0, 0);
        assertTrue(Double.isFinite(grad.sumNumber().doubleValue()));
        INDArray grad2 = grad.reshape('f', 5, 4);
        assertEquals(0.0, grad2.getColumn(1).amaxNumber().doubleValue(), 0.0);
        // a non-zero column gets λ w / ||w||: unit norm times λ
        assertEquals(0.5, grad2.getColumn(0).norm2Number().doubleValue(), 1e-12);
    }

    @Test
    void scoreIsLambdaTimesSumOfGroupNorms() {
        INDArray w = denseWeights(5);
        GroupLasso gl = GroupLasso.of(GroupKind.CHANNEL, 2.0).bind(DENSE);
        double expected = 0;
        for (int i = 0; i < 5; i++) {
            expected += w.getRow(i).norm2Number().doubleValue();
        }
        // smoothing lowers each group's term by at most ε = 1e-8
        assertEquals(2.0 * expected, gl.score(w, 0, 0), 2.0 * 5 * 1e-8 + 1e-12);
        // groups of the canonical layout are the rows of a dense weight (its inputs)
        assertEquals(5, DENSE.groupCount(GroupKind.CHANNEL));
        assertEquals(4, DENSE.groupCount(GroupKind.FILTER));
        assertEquals(3 * 3 * 2, CONV.groupCount(GroupKind.SHAPE));
    }

    @Test
    void shapeGroupsAreColumnsOfTheLoweredMatrix() {
        INDArray w = convWeights(6);
        INDArray norms = CONV.groupNorms(w, GroupKind.SHAPE);
        // position (c=1, i=2, j=0): index 1*6 + 2*2 + 0 = 10
        double expected = w.get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.point(2), NDArrayIndex.point(0)).norm2Number().doubleValue();
        assertEquals(expected, norms.getDouble(10), 1e-12);
        INDArray channelNorms = CONV.groupNorms(w, GroupKind.CHANNEL);
        double c2 = w.get(NDArrayIndex.all(), NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all()).norm2Number().doubleValue();
        assertEquals(c2, channelNorms.getDouble(2), 1e-12);
    }

    @Test
    void scheduledStrengthIsFollowed() {
        ExponentialSchedule s = new ExponentialSchedule(ScheduleType.ITERATION, 1.0, 0.5);
        GroupLasso gl = GroupLasso.of(GroupKind.DEPTH, s).bind(DENSE);
        INDArray w = denseWeights(7);
        assertEquals(gl.score(w, 0, 0) * 0.25, gl.score(w, 2, 0), 1e-9);
    }

    @Test
    void badInputIsRefusedWithTheLayerAndValue() {
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> GroupLasso.of(GroupKind.FILTER, -1));
        assertTrue(neg.getMessage().contains("-1.0"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GroupLasso.of(GroupKind.FILTER, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GroupLasso.of(GroupKind.FILTER, Double.POSITIVE_INFINITY));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> GroupLasso.of(GroupKind.SHAPE, 1).bind(DENSE));
        assertTrue(shape.getMessage().contains("dense") && shape.getMessage().contains("SHAPE"), shape.getMessage());
        // a schedule that turns NaN is refused when it is used, naming the layer
        ExponentialSchedule explode = new ExponentialSchedule(ScheduleType.ITERATION, 1.0, Double.NaN);
        GroupLasso gl = GroupLasso.of(GroupKind.FILTER, explode).bind(DENSE);
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> gl.apply(Nd4j.zeros(20), Nd4j.zeros(20), 0.1, 3, 0));
        assertTrue(nan.getMessage().contains("'dense'") && nan.getMessage().contains("NaN"), nan.getMessage());
        // a weight of the wrong size names the layer and the expected shape
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> GroupLasso.of(GroupKind.FILTER, 1).bind(DENSE).apply(Nd4j.zeros(21), Nd4j.zeros(21), 0.1, 0, 0));
        assertTrue(size.getMessage().contains("'dense'") && size.getMessage().contains("20"), size.getMessage());
        IllegalStateException unbound = assertThrows(IllegalStateException.class,
                () -> GroupLasso.of(GroupKind.FILTER, 1).apply(Nd4j.zeros(20), Nd4j.zeros(20), 0.1, 0, 0));
        assertTrue(unbound.getMessage().contains("not bound"), unbound.getMessage());
    }
}
