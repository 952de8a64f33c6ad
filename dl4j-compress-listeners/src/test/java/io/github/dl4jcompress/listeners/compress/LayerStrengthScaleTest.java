package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code SslCompression.Builder#layerStrengthScale}: one layer's Group Lasso strengths scaled, an unknown layer refused. */
class LayerStrengthScaleTest {

    private static SslCompression.Builder quick() {
        return SslCompression.builder().targetMacFraction(0.4).sslEpochs(1).finetuneEpochs(0).frequency(3).initialStrength(2e-2)
                .lowering(false).measureOverhead(false).lowerTraining(false).inputTypes(TinyProblems.FLAT).seed(3).stopAfter("sparsify-1");
    }

    /** conv1's Group Lasso strengths scaled by layerStrengthScale relative to conv2's; an unknown layer name refused. */
    @Test
    void aLayerStrengthScaleScalesThatLayersStrengths(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = TinyProblems.trainedMln();
        double[] ratio = new double[2];
        for (int i = 0; i < 2; i++) {
            File d = new File(dir, "run" + i);
            SslCompression.Builder b = quick().checkpointDir(d);
            if (i == 1) {
                b.layerStrengthScale("conv1", 0.3);
            }
            assertThrows(SslCompression.StoppedForTest.class, () -> b.build().compress(net,
                    TinyProblems.batches(TinyProblems.data(240, 1, false), 16), TinyProblems.batches(TinyProblems.data(90, 2, false), 30)));
            MultiLayerNetwork sparse = (MultiLayerNetwork) new Checkpoints(d, false).load("sparsify-1").model();
            ratio[i] = filterStrength(sparse, 0) / filterStrength(sparse, 1);
        }
        assertEquals(0.3, ratio[1] / ratio[0], 1e-9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> quick().layerStrengthScale("conv9", 0.3)
                .build().compress(net, TinyProblems.batches(TinyProblems.data(240, 1, false), 16), null));
        assertTrue(e.getMessage().contains("'conv9'") && e.getMessage().contains("conv1"), e.getMessage());
    }

    private static double filterStrength(MultiLayerNetwork net, int layer) {
        BaseLayer conf = (BaseLayer) net.getLayer(layer).conf().getLayer();
        return conf.getRegularization().stream().filter(r -> r instanceof GroupLasso
                        && ((GroupLasso) r).getKind() == GroupKind.FILTER)
                .mapToDouble(r -> ((GroupLasso) r).getStrength().valueAt(0, 0)).findFirst().orElseThrow();
    }
}
