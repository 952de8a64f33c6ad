package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupMasksTest {

    /** Random 0/1 masks (about a third zero) for every kind each layer supports. */
    private static Map<String, INDArray> randomMasks(List<ModelLayers.Entry> entries, long seed) {
        Random rnd = new Random(seed);
        Map<String, INDArray> masks = new HashMap<>();
        for (ModelLayers.Entry e : entries) {
            for (GroupKind kind : List.of(GroupKind.FILTER, GroupKind.CHANNEL, GroupKind.SHAPE)) {
                if (!e.layout.supports(kind)) {
                    continue;
                }
                double[] m = new double[(int) e.layout.groupCount(kind)];
                for (int g = 0; g < m.length; g++) {
                    m[g] = rnd.nextInt(3) == 0 ? 0 : 1;
                }
                masks.put(e.name + "/" + kind, Nd4j.create(m).castTo(e.layer.getParam("W").dataType()));
            }
        }
        return masks;
    }

    /** Bit patterns, so that -0.0 and 0.0 (a negative weight times 0) are told apart. */
    private static long[] bits(INDArray a) {
        double[] v = a.dup('c').reshape(a.length()).toDoubleVector();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Double.doubleToRawLongBits(v[i]);
        }
        return out;
    }

    @Test
    void theFullMaskMultipliedInPlaceLeavesBitForBitWhatApplyLeavesOnConvolutionsAndDenseLayers() {
        for (long seed = 1; seed <= 5; seed++) {
            MultiLayerNetwork viaApply = ZeroingListenerTest.net(0.01);
            MultiLayerNetwork viaMask = viaApply.clone();
            List<ModelLayers.Entry> a = ModelLayers.of(viaApply);
            List<ModelLayers.Entry> b = ModelLayers.of(viaMask);
            Map<String, INDArray> masks = randomMasks(a, seed);
            int masked = 0;
            for (int i = 0; i < a.size(); i++) {
                GroupMasks.apply(a.get(i), masks);
                INDArray full = GroupMasks.fullMask(b.get(i), masks);
                if (full != null) {                          // null: no mask of the layer has a zero, apply changes nothing
                    assertArrayEquals(b.get(i).layer.getParam("W").shape(), full.shape(), a.get(i).name);
                    b.get(i).layer.getParam("W").muli(full);
                    masked++;
                }
            }
            assertTrue(masked >= 3, "most layers have a zeroed group: " + masked);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(bits(a.get(i).layer.getParam("W")), bits(b.get(i).layer.getParam("W")), a.get(i).name + ", seed " + seed);
            }
            assertArrayEquals(bits(viaApply.params()), bits(viaMask.params()), "every parameter (biases untouched)");
        }
    }

    @Test
    void noFullMaskWhenNoMaskOfTheLayerHasAZero() {
        MultiLayerNetwork net = ZeroingListenerTest.net(0.01);
        ModelLayers.Entry conv1 = ModelLayers.of(net).get(0);
        Map<String, INDArray> masks = new HashMap<>();
        masks.put("conv1/FILTER", Nd4j.ones(6));
        assertNull(GroupMasks.fullMask(conv1, masks));
        masks.put("conv1/CHANNEL", Nd4j.zeros(1));
        assertEquals(0.0, GroupMasks.fullMask(conv1, masks).amaxNumber().doubleValue(), 0, "the one input channel of conv1 zeroed: all zero");
    }
}
