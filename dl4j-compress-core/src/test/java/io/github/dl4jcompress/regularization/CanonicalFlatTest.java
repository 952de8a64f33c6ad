package io.github.dl4jcompress.regularization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link WeightLayout#canonicalFlat}: a view of contiguous weights, a copy otherwise — the same values either way. */
class CanonicalFlatTest {

    private static void assertSameAsFlattened(WeightLayout layout, INDArray shaped) {
        INDArray expected = Nd4j.toFlattened(layout.storageOrder(), shaped);
        INDArray actual = layout.canonicalFlat(shaped);
        assertEquals(expected.length(), actual.length());
        assertEquals(expected, actual.reshape(expected.shape()), layout + " " + shaped.ordering() + " " + java.util.Arrays.toString(shaped.shape()));
    }

    @Test
    void denseAndConvolutionWeightsInEveryOrderAndAsViewsOfAParameterVector() {
        WeightLayout dense = WeightLayout.dense("fc", 7, 5);
        WeightLayout conv = WeightLayout.convolution("conv", 4, 3, 2, 2);
        INDArray params = Nd4j.rand(DataType.FLOAT, 1, 3 + 35 + 48 + 2);
        // DL4J's views: dense W [nIn, nOut] 'f', convolution W [nOut, nIn, kH, kW] 'c', both at an offset of the vector
        INDArray denseView = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 38)).reshape('f', 7, 5);
        INDArray convView = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(38, 86)).reshape('c', 4, 3, 2, 2);
        assertSameAsFlattened(dense, denseView);
        assertSameAsFlattened(conv, convView);
        // the other order, and non-contiguous views: copied in storage order
        assertSameAsFlattened(dense, denseView.dup('c'));
        assertSameAsFlattened(conv, convView.dup('f'));
        INDArray wide = Nd4j.rand(DataType.FLOAT, 7, 9);
        assertSameAsFlattened(dense, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 7)));
        assertSameAsFlattened(dense, Nd4j.rand(DataType.DOUBLE, 5, 7).transpose());
    }

    @Test
    void groupNormsAreUnchangedByTheView() {
        WeightLayout dense = WeightLayout.dense("fc", 7, 5);
        INDArray w = Nd4j.rand(DataType.FLOAT, 5, 7).transpose();             // 'f' [7, 5], contiguous
        for (GroupKind kind : new GroupKind[]{GroupKind.FILTER, GroupKind.CHANNEL}) {
            INDArray viaCopy = dense.groupNorms(w.dup('c'), kind);
            assertEquals(viaCopy, dense.groupNorms(w, kind), kind.name());
        }
    }
}
