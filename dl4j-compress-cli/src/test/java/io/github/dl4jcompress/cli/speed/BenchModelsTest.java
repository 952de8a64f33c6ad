package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.layers.LoweredConvolution;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's seeded models prune to the shapes the README states, and stay exact when lowered. */
class BenchModelsTest {

    private static long nOut(MultiLayerNetwork net, int i) {
        return ((FeedForwardLayer) net.getLayerWiseConfigurations().getConf(i).getLayer()).getNOut();
    }

    @Test
    void sslLenetPrunesToTheSslRunsShapesAndLowersExactly() {
        MultiLayerNetwork dense = BenchModels.dense("lenet-ssl", 1);
        MultiLayerNetwork zeroed = BenchModels.zeroed("lenet-ssl", dense, 1);
        INDArray x = BenchModels.input("lenet-ssl", 8, 2);
        PruneResult<MultiLayerNetwork> r = BenchModels.prune(zeroed, LoweringMode.ALWAYS, x);
        MultiLayerNetwork p = r.network();
        assertEquals(6, nOut(p, 0));
        assertEquals(21, nOut(p, 2));
        assertEquals(6, ((FeedForwardLayer) p.getLayerWiseConfigurations().getConf(2).getLayer()).getNIn());
        assertEquals(276, nOut(p, 4));
        assertInstanceOf(LoweredConvolution.class, p.getLayerWiseConfigurations().getConf(0).getLayer());
        assertInstanceOf(LoweredConvolution.class, p.getLayerWiseConfigurations().getConf(2).getLayer());
        INDArray a = zeroed.output(x);
        double diff = a.sub(p.output(x)).amaxNumber().doubleValue() / Math.max(1, a.amaxNumber().doubleValue());
        assertTrue(diff < 1e-5, "diff " + diff);
        assertEquals(0, dense.getLayer(0).getParam("W").eq(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().intValue(),
                "the dense network itself is not zeroed");
    }

    @Test
    void vggHasHalfItsFiltersAfterPruning() {
        MultiLayerNetwork dense = BenchModels.dense("vgg", 1);
        MultiLayerNetwork p = BenchModels.prune(BenchModels.zeroed("vgg", dense, 1), LoweringMode.NEVER,
                BenchModels.input("vgg", 2, 3)).network();
        int[] convs = {0, 1, 3, 4, 6, 7};
        long[] expected = {32, 32, 64, 64, 128, 128};
        for (int i = 0; i < convs.length; i++) {
            assertEquals(expected[i], nOut(p, convs[i]), "layer " + convs[i]);
            assertEquals(2 * expected[i], nOut(dense, convs[i]));
        }
        assertThrows(IllegalArgumentException.class, () -> BenchModels.dense("resnet", 1));
    }
}
