package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Issue 16, item 9: per-parameter TernGrad refuses a null gradient or an uninitialised network with a clear error. */
class TernGradInputCheckTest {

    @Test
    void uninitialisedNetworkIsRefusedSayingSo() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(2).build())
                .layer(new OutputLayer.Builder().nIn(2).nOut(2).build()).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentLayout.perParameter(net));
        assertTrue(e.getMessage().contains("not initialised") && e.getMessage().contains("init()"), e.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> TernGradGradientsAccumulator.forModel(net, 2, 1));
        assertTrue(f.getMessage().contains("not initialised"), f.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SegmentLayout.perParameter(null))
                .getMessage().contains("null"));
    }

    @Test
    void nullGradientIsRefusedNamingTheLayout() {
        Ternarizer t = new Ternarizer(1);
        SegmentLayout layout = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {4, 2});
        for (org.junit.jupiter.api.function.Executable call : new org.junit.jupiter.api.function.Executable[] {
                () -> t.encode((float[]) null, layout), () -> t.encode((INDArray) null, layout),
                () -> t.ternarizeInPlace(null, layout)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains("null") && e.getMessage().contains("6"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode(new float[6], null));
        assertTrue(e.getMessage().contains("layout"), e.getMessage());
    }
}
