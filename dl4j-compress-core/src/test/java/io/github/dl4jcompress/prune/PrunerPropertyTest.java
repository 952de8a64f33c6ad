package io.github.dl4jcompress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The pruner's central property on random tiny networks: with random filters/units zeroed (bias zeroed or not),
 * the pruned network computes what the masked network computes, has fewer parameters exactly when a group was
 * zeroed, and the original is left untouched. MultiLayerNetworks (conv, optional pooling, conv, dense, output) and ComputationGraphs (two conv
 * branches concatenated, dense, output).
 */
class PrunerPropertyTest {

    private static final StructuredPruner PRUNER = StructuredPruner.builder().threshold(0.0).build();

    private static Activation activation(Random r) {
        Activation[] a = {Activation.RELU, Activation.TANH, Activation.IDENTITY};
        return a[r.nextInt(a.length)];
    }

    private static NeuralNetConfiguration.Builder base(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same);
    }

    /** A random tiny MLN; {@code chw} receives its input shape (C, H, W). */
    static MultiLayerNetwork randomMln(Random r, long seed, int[] chw) {
        chw[0] = 1 + r.nextInt(2);
        chw[1] = 4 + r.nextInt(3);
        chw[2] = 4 + r.nextInt(3);
        NeuralNetConfiguration.ListBuilder b = base(seed).list()
                .layer(new ConvolutionLayer.Builder(1 + r.nextInt(3), 1 + r.nextInt(3)).name("c1").nOut(2 + r.nextInt(4))
                        .activation(activation(r)).build());
        if (r.nextBoolean()) {
            b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2).build());
        }
        b.layer(new ConvolutionLayer.Builder(1 + r.nextInt(3), 1 + r.nextInt(3)).name("c2").nOut(2 + r.nextInt(4))
                        .activation(activation(r)).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(2 + r.nextInt(5)).activation(activation(r)).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(2)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(chw[1], chw[2], chw[0]));
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        return net;
    }

    /** A random tiny graph; {@code chw} receives its input shape (C, H, W). */
    static ComputationGraph randomGraph(Random r, long seed, int[] chw) {
        chw[0] = 1 + r.nextInt(2);
        chw[1] = 4 + r.nextInt(3);
        chw[2] = 4 + r.nextInt(3);
        ComputationGraphConfiguration.GraphBuilder b = base(seed).graphBuilder().addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(1 + r.nextInt(3), 1 + r.nextInt(3)).nOut(2 + r.nextInt(3))
                        .activation(activation(r)).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(1 + r.nextInt(3), 1 + r.nextInt(3)).nOut(2 + r.nextInt(3))
                        .activation(activation(r)).build(), "in")
                .addVertex("cat", new MergeVertex(), "a", "b")
                .addLayer("c", new ConvolutionLayer.Builder(1 + r.nextInt(3), 1 + r.nextInt(3)).nOut(2 + r.nextInt(3))
                        .activation(activation(r)).build(), "cat")
                .addLayer("fc", new DenseLayer.Builder().nOut(2 + r.nextInt(4)).activation(activation(r)).build(), "c")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.convolutional(chw[1], chw[2], chw[0]));
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** Zeroes a random proper subset of the output groups (filters/units) of a conv or dense layer; returns how many. */
    private static int zeroRandomGroups(Layer layer, Random r) {
        INDArray w = layer.getParam("W");
        boolean conv = w.rank() == 4;
        long groups = conv ? w.size(0) : w.size(1);
        boolean withBias = r.nextBoolean();
        int zeroed = 0;
        for (int o = 0; o < groups - 1; o++) {
            if (r.nextInt(3) == 0) {
                zeroed++;
                if (conv) {
                    PruneTestSupport.zeroConvFilter(layer, o, withBias);
                } else {
                    PruneTestSupport.zeroDenseUnit(layer, o, withBias);
                }
            }
        }
        return zeroed;
    }

    @Property(tries = 40)
    void prunedMultiLayerNetworkEqualsTheMaskedOne(@ForAll long seed) {
        Random r = new Random(seed);
        int[] chw = new int[3];
        MultiLayerNetwork net = randomMln(r, seed, chw);
        int zeroed = 0;
        for (Layer layer : net.getLayers()) {
            if (layer.getParam("W") != null && !"out".equals(layer.conf().getLayer().getLayerName())) {
                zeroed += zeroRandomGroups(layer, r);
            }
        }
        INDArray before = net.params().dup();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, chw[0], chw[1], chw[2]);
        PruneResult<MultiLayerNetwork> pruned = PRUNER.prune(net);
        assertEquals(before, net.params(), "the original was modified");
        PruneTestSupport.assertEquivalent(net.output(x), pruned.network().output(x));
        assertTrue(zeroed == 0 ? pruned.network().numParams() == net.numParams()
                : pruned.network().numParams() < net.numParams(), zeroed + " groups zeroed, parameters "
                + net.numParams() + " -> " + pruned.network().numParams());
    }

    @Property(tries = 30)
    void prunedGraphEqualsTheMaskedOne(@ForAll long seed) {
        Random r = new Random(seed);
        int[] chw = new int[3];
        ComputationGraph g = randomGraph(r, seed, chw);
        int zeroed = 0;
        for (String name : new String[] {"a", "b", "c", "fc"}) {
            zeroed += zeroRandomGroups(g.getLayer(name), r);
        }
        INDArray before = g.params().dup();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, chw[0], chw[1], chw[2]);
        PruneResult<ComputationGraph> pruned = PRUNER.prune(g);
        assertEquals(before, g.params(), "the original was modified");
        PruneTestSupport.assertEquivalent(g.outputSingle(x), pruned.network().outputSingle(x));
        assertTrue(zeroed == 0 ? pruned.network().numParams() == g.numParams()
                : pruned.network().numParams() < g.numParams(), zeroed + " groups zeroed, parameters "
                + g.numParams() + " -> " + pruned.network().numParams());
    }
}
