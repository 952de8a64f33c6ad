package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    private static final int[] ONE = {1, 1};

    /** 6x6x1 input, 3x3 kernel, 3 filters, 4x4 outputs. */
    @Test
    void smallConvolutionByHand() {
        // k = 1: all 16 positions in one core: joint receptive field 6x6 = 36 axons, 16 x 3 = 48 neurons
        assertEquals(1, CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 1, 3, 4, 4, 1));
        // k = 16: 48 neurons per position, at most 5 positions per core; best rectangles 1x4, 2x2 or 4x1 -> 4 cores
        assertEquals(4, CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 1, 3, 4, 4, 16));
    }

    @Test
    void lenetConvolutionsByHand() {
        // conv1: 28x28x1, 20 filters 5x5 -> 24x24; <= 12 positions per core (240 neurons), 3x4 positions read
        // 7x8 = 56 pixels -> (24/3) x (24/4) = 48 cores, the lower bound ceil(576 / 12)
        assertEquals(48, CoreModel.convCores(new int[]{5, 5}, ONE, ONE, 1, 20, 24, 24, 1));
        // conv2: 12x12x20, 50 filters 5x5 -> 8x8; one position needs 500 axons -> 2 cores per position
        assertEquals(64 * 2, CoreModel.convCores(new int[]{5, 5}, ONE, ONE, 20, 50, 8, 8, 1));
        // k = 8: 400 neurons per position -> 2 x 2 cores per position
        assertEquals(64 * 4, CoreModel.convCores(new int[]{5, 5}, ONE, ONE, 20, 50, 8, 8, 8));
    }

    @Test
    void axonLimitedStridedAndDilatedConvolutionsByHand() {
        // 3x3x16 kernel = 144 axons, 4 filters, 8x8 outputs: a 4x4x16 input patch (256 axons) serves 2x2 positions
        assertEquals(16, CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 16, 4, 8, 8, 1));
        // stride 2, 3x3 outputs: 1x2 (or 2x1) positions read a 3x5x16 = 240-axon patch -> 3 x ceil(3/2) = 6 cores;
        // 2x2 positions would need 5x5x16 = 400 axons
        assertEquals(6, CoreModel.convCores(new int[]{3, 3}, new int[]{2, 2}, ONE, 16, 4, 3, 3, 1));
        // 1 filter 3x3 on one channel, 20x20 outputs: 20x9 positions read 22x11 = 242 pixels -> 1 x 3 = 3 cores
        assertEquals(3, CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 1, 1, 20, 20, 1));
        // dilation 2 makes the kernel span 5x5: the best tiles (12x12 positions on 16x16 pixels, ...) need 2 x 2 = 4
        assertEquals(4, CoreModel.convCores(new int[]{3, 3}, ONE, new int[]{2, 2}, 1, 1, 20, 20, 1));
    }

    @Test
    void convolutionNetworkCoresByHand() {
        MultiLayerNetwork net = TrueNorthNets.withConvolution();   // 6x6x1 -> conv1 3@3x3 -> 4x4x3 -> out 2
        org.deeplearning4j.nn.conf.inputs.InputType in = org.deeplearning4j.nn.conf.inputs.InputType.convolutionalFlat(6, 6, 1);
        assertArrayEquals(new long[]{1, 1}, CoreModel.layerCores(net, in, 1));
        assertArrayEquals(new long[]{4, 1}, CoreModel.layerCores(net, in, 16));   // out: 48 axons, 32 neurons
        assertEquals(5, CoreModel.networkCores(net, in, 16));
        assertEquals(2 * 8, CoreModel.latencyTicks(net, 8));
        // a dense network gives the same count with or without an input type
        MultiLayerNetwork dense = TrueNorthNets.dense(1, 784, 10, 300);
        assertEquals(CoreModel.networkCores(dense, 2),
                CoreModel.networkCores(dense, org.deeplearning4j.nn.conf.inputs.InputType.feedForward(784), 2));
    }

    @Test
    void badConvolutionArgumentsRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoreModel.convCores(new int[]{3}, ONE, ONE, 1, 1, 4, 4, 1));
        assertTrue(e.getMessage().contains("kernel") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CoreModel.convCores(new int[]{3, 3}, new int[]{0, 1}, ONE, 1, 1, 4, 4, 1));
        assertTrue(e.getMessage().contains("stride"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 1, 1, 0, 4, 1));
        assertTrue(e.getMessage().contains("0x4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CoreModel.convCores(new int[]{3, 3}, ONE, ONE, 1, 1, 4, 4, 0));
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
