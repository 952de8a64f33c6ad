package io.github.dl4jcompress.truenorth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Issue 16, items 1 and 8: the default seed reproduces; NaN inputs, calibration features or weights are refused. */
class TrueNorthSimulatorHardeningTest {

    @Test
    void defaultSeedDeploysTheSameChipTwice() {
        MultiLayerNetwork net = TrueNorthNets.dense(5, 6, 3, 8);
        INDArray x = TrueNorthNets.inputs(2, 40, 6);
        TrueNorthSimulator a = TrueNorthSimulator.builder().copies(2).spikes(4).build(net, x);
        TrueNorthSimulator b = TrueNorthSimulator.builder().copies(2).spikes(4).build(net, x);
        assertEquals(0L, a.seed());
        for (int l = 0; l < net.getnLayers(); l++) {
            assertEquals(a.deployedWeights(l), b.deployedWeights(l), "layer " + l);
        }
        assertEquals(a.output(x), b.output(x));
        // every seed, 0 included, is its own reproducible chip: seed 0 differs from seed 1
        TrueNorthSimulator c = TrueNorthSimulator.builder().copies(2).spikes(4).seed(1).build(net, x);
        assertTrue(!a.deployedWeights(0).equals(c.deployedWeights(0)));
    }

    @Test
    void nanInputIsRefusedNamingTheExample() {
        MultiLayerNetwork net = TrueNorthNets.dense(5, 6, 3, 8);
        INDArray x = TrueNorthNets.inputs(2, 10, 6);
        TrueNorthSimulator sim = TrueNorthSimulator.builder().seed(3).build(net, x);
        INDArray bad = x.dup();
        bad.putScalar(4, 2, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim.output(bad));
        assertTrue(e.getMessage().contains("features") && e.getMessage().contains("NaN")
                && e.getMessage().contains("example 4"), e.getMessage());
    }

    @Test
    void nanCalibrationFeatureIsRefused() {
        MultiLayerNetwork net = TrueNorthNets.dense(5, 6, 3, 8);
        INDArray x = TrueNorthNets.inputs(2, 10, 6);
        x.putScalar(7, 0, Double.POSITIVE_INFINITY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrueNorthSimulator.builder().seed(3).build(net, x));
        assertTrue(e.getMessage().contains("calibration") && e.getMessage().contains("Infinity")
                && e.getMessage().contains("example 7"), e.getMessage());
    }

    @Test
    void nanWeightIsRefusedNamingLayerParameterAndIndex() {
        MultiLayerNetwork net = TrueNorthNets.dense(5, 6, 3, 8);
        net.getLayer(1).getParam("W").putScalar(5, Double.NaN);
        INDArray x = TrueNorthNets.inputs(2, 10, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrueNorthSimulator.builder().seed(3).build(net, x));
        assertTrue(e.getMessage().contains("layer 1 'out'") && e.getMessage().contains("W")
                && e.getMessage().contains("index 5") && e.getMessage().contains("NaN"), e.getMessage());
        net.getLayer(1).getParam("W").putScalar(5, 0.1);
        net.getLayer(0).getParam("b").putScalar(2, Double.NaN);
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> TrueNorthSimulator.builder().seed(3).build(net, x));
        assertTrue(b.getMessage().contains("layer 0 'h1'") && b.getMessage().contains("parameter b"), b.getMessage());
    }
}
