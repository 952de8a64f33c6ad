package io.github.dl4jcompress.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.NonFiniteValueException;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Issue 16, items 2 and 3 and the listeners' non-finite guard: a listener bound to a network's shapes refuses a
 * changed network before anything is updated; the zeroed-weight count is bounded by the weights; a non-finite
 * parameter is refused naming layer, parameter, index and iteration. Nothing is modified when an error is raised.
 */
class ListenerHardeningTest {

    private static long weightCount(MultiLayerNetwork net) {
        long n = 0;
        for (ModelLayers.Entry e : ModelLayers.of(net)) {
            n += e.layer.getParam("W").length();
        }
        return n;
    }

    /** Weights in the FILTER groups that are exactly zero, over the grouped layers. */
    private static long weightsInZeroFilters(MultiLayerNetwork net) {
        long n = 0;
        for (ModelLayers.Entry e : ModelLayers.of(net)) {
            INDArray norms = e.layout.groupNorms(e.layer.getParam("W"), GroupKind.FILTER);
            long zero = norms.length() - norms.gt(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            n += zero * e.layout.groupSize(GroupKind.FILTER);
        }
        return n;
    }

    @Test
    void zeroedWeightsCountEachWeightOnceAndNeverExceedTheWeights() {
        MultiLayerNetwork net = ZeroingListenerTest.net(0.0);
        // a high threshold without keepZero: groups are zeroed, regrow from the data gradient and are zeroed again
        ZeroingListener zeroing = ZeroingListener.builder().threshold(0.6).kinds(GroupKind.FILTER).build();
        net.setListeners(zeroing);
        DataSet ds = ZeroingListenerTest.data(16, 1);
        for (int i = 0; i < 30; i++) {
            net.fit(ds);
            assertEquals(weightsInZeroFilters(net), zeroing.getZeroedWeights(), "iteration " + i);
        }
        assertTrue(zeroing.getZeroedWeights() > 0 && zeroing.getZeroedWeights() <= weightCount(net),
                zeroing.getZeroedWeights() + " of " + weightCount(net));
    }

    @Test
    void zeroingListenerReusedOnThePrunedNetworkFailsBeforeTheUpdateNamingTheLayer() {
        MultiLayerNetwork net = ZeroingListenerTest.net(0.0);
        ZeroingListener zeroing = ZeroingListener.builder().threshold(0.5).keepZero(true).kinds(GroupKind.FILTER).build();
        net.setListeners(zeroing);
        DataSet ds = ZeroingListenerTest.data(16, 1);
        net.fit(ds);
        assertTrue(zeroing.getZeroedWeights() > 0);
        MultiLayerNetwork pruned = StructuredPruner.builder().threshold(0.0).build().prune(net).network();
        pruned.setListeners(zeroing);
        INDArray params = pruned.params().dup();
        INDArray state = pruned.getUpdater().getStateViewArray().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pruned.fit(ds));
        assertTrue(e.getMessage().contains("layer 0 'conv1'") && e.getMessage().contains("FILTER")
                && e.getMessage().contains("groups"), e.getMessage());
        assertEquals(params, pruned.params());
        assertEquals(state, pruned.getUpdater().getStateViewArray());
    }

    @Test
    void sparsityListenerWithWrongInputTypesFailsBeforeTheUpdate() {
        MultiLayerNetwork net = ZeroingListenerTest.net(0.0);
        net.setListeners(SparsityListener.builder().frequency(1).inputTypes(InputType.feedForward(7)).build());
        INDArray params = net.params().dup();
        INDArray state = net.getUpdater().getStateViewArray().dup();
        Exception e = assertThrows(IllegalArgumentException.class, () -> net.fit(ZeroingListenerTest.data(8, 1)));
        assertTrue(e.getMessage().contains("SparsityListener") && e.getMessage().contains("conv1"), e.getMessage());
        assertEquals(params, net.params());
        assertEquals(state, net.getUpdater().getStateViewArray());
    }

    @Test
    void zeroingListenerRefusesANonFiniteParameterNamingLayerParameterIndexAndIteration() {
        MultiLayerNetwork net = ZeroingListenerTest.net(0.0);
        ZeroingListener zeroing = ZeroingListener.builder().threshold(0.5).keepZero(true).build();
        net.getLayer(2).getParam("W").putScalar(new long[] {1, 0, 0, 1}, Double.NaN);
        INDArray params = net.params().dup();
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> zeroing.iterationDone(net, 12, 0));
        assertTrue(e.getMessage().contains("layer 2 'conv2'") && e.getMessage().contains("parameter W")
                && e.getMessage().contains("index 25") && e.getMessage().contains("iteration 12"), e.getMessage());
        assertTrue(params.equalsWithEps(net.params(), 0) || sameIncludingNaN(params, net.params()));
        assertEquals(0, zeroing.getZeroedWeights());
    }

    private static boolean sameIncludingNaN(INDArray a, INDArray b) {
        double[] x = a.toDoubleVector();
        double[] y = b.toDoubleVector();
        for (int i = 0; i < x.length; i++) {
            if (Double.compare(x[i], y[i]) != 0) {
                return false;
            }
        }
        return x.length == y.length;
    }
}
