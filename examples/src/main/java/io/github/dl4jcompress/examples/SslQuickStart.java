package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Structured Sparsity Learning on your own configuration: attach Group Lasso to every eligible layer, train with
 * SSL's zeroing rule, then physically remove the zeroed filters and channels. The README's quick start is the
 * region between the {@code quickstart} tags (a test keeps the two identical).
 */
public final class SslQuickStart {
    private SslQuickStart() {
    }

    /** Trains a small CNN with Group Lasso on {@code train} and returns the pruned network. */
    public static PruneResult<MultiLayerNetwork> run(DataSetIterator train, int side, int epochs) {
        // tag::quickstart[]
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(5e-3))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(16).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(side, side, 1))
                .build();                                        // nIn is known from here on

        // Group Lasso on every eligible layer, each bound to its own weight shape (strengths: double or ISchedule)
        StructuredSparsity.builder().filters(2e-2).channels(2e-2).build().applyTo(conf);

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setListeners(ZeroingListener.builder().threshold(1e-2).keepZero(true).build());   // SSL's zeroing rule
        net.fit(train, epochs);

        InputType input = InputType.convolutionalFlat(side, side, 1);
        NetworkCost before = new CostModel().of(net, input);                                // params, MACs, effective
        PruneResult<MultiLayerNetwork> small = StructuredPruner.builder().build().prune(net);  // new, smaller network
        NetworkCost after = new CostModel().of(small.network(), input);
        System.out.printf("MACs %d -> %d (%.1f%%)%n", before.getMacs(), after.getMacs(), 100.0 * after.getMacs() / before.getMacs());
        // end::quickstart[]
        return small;
    }

    public static void main(String[] args) {
        run(ToyImages.iterator(512, 16, 32, 1), 16, 5);
    }
}
