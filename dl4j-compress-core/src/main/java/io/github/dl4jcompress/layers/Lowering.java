package io.github.dl4jcompress.layers;

import io.github.dl4jcompress.prune.ConvolutionLowering;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * One call to the fast convolution: every plain 2-D {@link ConvolutionLayer} (NCHW, dilation 1, not causal) of a
 * configuration or a network becomes a dense {@link LoweredConvolution} with the same settings, for training and
 * inference. A network keeps its parameters and updater state (so training continues exactly); the input is never
 * modified. Other layers are left as they are.
 * <pre>
 *   MultiLayerNetwork net = new MultiLayerNetwork(Lowering.lower(conf));   // from scratch
 *   MultiLayerNetwork fast = Lowering.lower(trained);                       // a trained network
 * </pre>
 */
public final class Lowering {

    private Lowering() {
    }

    /** True if {@code layer} is a plain convolution the lowered layer computes exactly. */
    public static boolean isLowerable(Layer layer) {
        return ConvolutionLowering.whyNotLowerable(layer) == null;
    }

    /** A copy of {@code conf} with every lowerable convolution dense-lowered. */
    public static MultiLayerConfiguration lower(MultiLayerConfiguration conf) {
        MultiLayerConfiguration out = conf.clone();
        for (NeuralNetConfiguration c : out.getConfs()) {
            if (isLowerable(c.getLayer())) {
                c.setLayer(LoweredConvolution.of((ConvolutionLayer) c.getLayer(), null));
            }
        }
        return out;
    }

    /** A copy of {@code conf} with every lowerable convolution dense-lowered. */
    public static ComputationGraphConfiguration lower(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration out = conf.clone();
        for (GraphVertex v : out.getVertices().values()) {
            if (v instanceof LayerVertex lv && isLowerable(lv.getLayerConf().getLayer())) {
                lv.getLayerConf().setLayer(LoweredConvolution.of((ConvolutionLayer) lv.getLayerConf().getLayer(), null));
            }
        }
        return out;
    }

    /** A new network computing what {@code net} computes, with every lowerable convolution lowered (all positions). */
    public static MultiLayerNetwork lower(MultiLayerNetwork net) {
        return ConvolutionLowering.lowerEvery(net, -1);
    }

    /** A new graph computing what {@code net} computes, with every lowerable convolution lowered (all positions). */
    public static ComputationGraph lower(ComputationGraph net) {
        return ConvolutionLowering.lowerEvery(net, -1);
    }

    /** The inverse of {@link #lower(MultiLayerNetwork)}: dense lowered layers back to DL4J's (e.g. before pruning). */
    public static MultiLayerNetwork restore(MultiLayerNetwork net) {
        return ConvolutionLowering.restoreEvery(net);
    }

    /** The inverse of {@link #lower(ComputationGraph)}. */
    public static ComputationGraph restore(ComputationGraph net) {
        return ConvolutionLowering.restoreEvery(net);
    }
}
