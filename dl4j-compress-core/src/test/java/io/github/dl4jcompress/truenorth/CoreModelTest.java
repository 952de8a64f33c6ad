package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoreModelTest {

    @Test
    void denseCoresByHand() {
        assertEquals(1, CoreModel.denseCores(256, 256, 1));
        assertEquals(2, CoreModel.denseCores(257, 256, 1));   // 2 axon blocks
        assertEquals(2, CoreModel.denseCores(256, 256, 2));   // 512 neurons
        assertEquals(1, CoreModel.denseCores(100, 10, 16));   // 160 neurons fit one core
        assertEquals(4, CoreModel.denseCores(784, 100, 1));   // ceil(784/256) = 4
        assertEquals(8, CoreModel.denseCores(784, 100, 4));   // 4 x ceil(400/256) = 4 x 2
    }

    @Test
    void mnistInputTilesIntoFourCores() {
        assertEquals(4, CoreModel.imageTiles(28, 28));
        assertEquals(4, CoreModel.tiledInputCores(28, 28, 64, 1));
        assertEquals(8, CoreModel.tiledInputCores(28, 28, 64, 8));   // 512 neurons per tile
        assertEquals(1, CoreModel.imageTiles(16, 16));
        assertEquals(2, CoreModel.imageTiles(16, 17));
    }

    @Test
    void networkCoresAndLatencyByHand() {
        MultiLayerNetwork net = TrueNorthNets.dense(1, 784, 10, 300);
        // h1: ceil(784/256)=4 x ceil(2*300/256)=3 -> 12; out: ceil(300/256)=2 x ceil(20/256)=1 -> 2
        assertEquals(14, CoreModel.networkCores(net, 2));
        assertEquals(4 * 2 + 2, CoreModel.networkCores(net, 1));
        assertEquals(32, CoreModel.latencyTicks(net, 16));
        assertEquals(12, CoreModel.latencyTicks(4, 3));
    }

    @Test
    void badInputRefusedNamingTheLayerOrValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoreModel.networkCores(TrueNorthNets.withConvolution(), 1));
        assertTrue(e.getMessage().contains("conv1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CoreModel.denseCores(10, 10, 0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CoreModel.latencyTicks(0, 2));
    }
}
