package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jcompress.prune.PruneTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A network trained with Group Lasso keeps its (re-bound) regularizers after pruning and trains on. */
class RegularizedPruneTest {

    @Test
    void groupLassoIsReboundToThePrunedShapesAndTrainingContinues() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Nesterovs(0.01, 0.9)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("c1").nOut(4).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("c2").nOut(5).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 2)).build();
        StructuredSparsity.builder().filters(1e-3).channels(1e-3).shapes(1e-3).build().applyTo(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet ds = new DataSet(random(6, 2, 8, 8), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2).castTo(DataType.DOUBLE));
        net.fit(ds);
        zeroConvFilter(net.getLayer(0), 1, true);
        zeroConvFilter(net.getLayer(1), 2, true);
        MultiLayerNetwork pruned = StructuredPruner.builder().build().prune(net).network();
        assertEquivalent(net.output(ds.getFeatures()), pruned.output(ds.getFeatures()));
        for (int i = 0; i < 2; i++) {
            for (Regularization r : ((BaseLayer) pruned.getLayer(i).conf().getLayer()).getRegularization()) {
                GroupLasso g = (GroupLasso) r;
                assertEquals(WeightLayout.of(i == 0 ? "c1" : "c2", i, pruned.getLayer(i).conf().getLayer()), g.getLayout());
            }
        }
        assertEquals(3, ((GroupLasso) ((BaseLayer) pruned.getLayer(0).conf().getLayer()).getRegularization().get(0)).getLayout().getNOut());
        StructuredSparsity.validate(pruned.getLayerWiseConfigurations());
        for (int i = 0; i < 3; i++) {
            pruned.fit(ds);
        }
        assertTrue(Double.isFinite(pruned.score()));
    }
}
