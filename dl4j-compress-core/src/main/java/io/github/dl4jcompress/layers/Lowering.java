package io.github.dl4jcompress.layers;

import io.github.dl4jcompress.prune.ConvolutionLowering;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.UnaryOperator;

/**
 * One call to the fast layers: every plain 2-D {@link ConvolutionLayer} (NCHW, dilation 1, not causal) of a
 * configuration or a network becomes a dense {@link LoweredConvolution} with the same settings, and every plain
 * {@link SubsamplingLayer} a {@link LoweredSubsampling} (same settings; Java max/average pooling where it applies)
 * and every plain {@link BatchNormalization} a {@link LoweredBatchNormalization} (same settings and parameters; Java
 * float NCHW batch normalization where it applies) and every plain {@link ActivationLayer} with a plain ReLU a
 * {@link LoweredActivation} (Java ReLU), for training and inference. A network keeps its parameters and updater state (so training continues exactly); the
 * input is never modified. Other layers are left as they are. {@link #restore} is the inverse (DL4J's own layers, e.g.
 * before pruning).
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

    /**
     * The fast replacement of a layer whose parameter layout it keeps (plain pooling, plain batch normalization), or
     * null to keep it.
     */
    private static Layer lowerParameterFree(Layer layer) {
        if (layer != null && layer.getClass() == SubsamplingLayer.class) {
            return LoweredSubsampling.of((SubsamplingLayer) layer);
        }
        if (layer != null && layer.getClass() == BatchNormalization.class) {
            return LoweredBatchNormalization.of((BatchNormalization) layer);
        }
        if (layer != null && layer.getClass() == ActivationLayer.class && LoweredActivation.isPlainRelu(((ActivationLayer) layer).getActivationFn())) {
            return LoweredActivation.of((ActivationLayer) layer);
        }
        return null;
    }

    /** DL4J's layer for a fast layer swapped by {@link #lowerParameterFree}, or null to keep it. */
    private static Layer restoreParameterFree(Layer layer) {
        if (layer instanceof LoweredSubsampling l) {
            return l.toSubsamplingLayer();
        }
        if (layer instanceof LoweredActivation a) {
            return a.toActivationLayer();
        }
        return layer instanceof LoweredBatchNormalization b ? b.toBatchNormalization() : null;
    }

    /** A copy of {@code conf} with every lowerable convolution, plain pooling and batch normalization layer lowered. */
    public static MultiLayerConfiguration lower(MultiLayerConfiguration conf) {
        MultiLayerConfiguration out = conf.clone();
        for (NeuralNetConfiguration c : out.getConfs()) {
            if (isLowerable(c.getLayer())) {
                c.setLayer(LoweredConvolution.of((ConvolutionLayer) c.getLayer(), null));
            }
        }
        return swapParameterFree(out, Lowering::lowerParameterFree);
    }

    /** A copy of {@code conf} with every lowerable convolution, plain pooling and batch normalization layer lowered. */
    public static ComputationGraphConfiguration lower(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration out = conf.clone();
        for (GraphVertex v : out.getVertices().values()) {
            if (v instanceof LayerVertex lv && isLowerable(lv.getLayerConf().getLayer())) {
                lv.getLayerConf().setLayer(LoweredConvolution.of((ConvolutionLayer) lv.getLayerConf().getLayer(), null));
            }
        }
        return swapParameterFree(out, Lowering::lowerParameterFree);
    }

    /** A new network computing what {@code net} computes, with every lowerable convolution (all positions) and pooling lowered. */
    public static MultiLayerNetwork lower(MultiLayerNetwork net) {
        return swapParameterFree(ConvolutionLowering.lowerEvery(net, -1), Lowering::lowerParameterFree);
    }

    /** A new graph computing what {@code net} computes, with every lowerable convolution (all positions) and pooling lowered. */
    public static ComputationGraph lower(ComputationGraph net) {
        return swapParameterFree(ConvolutionLowering.lowerEvery(net, -1), Lowering::lowerParameterFree);
    }

    /** The inverse of {@link #lower(MultiLayerNetwork)}: dense lowered layers back to DL4J's (e.g. before pruning). */
    public static MultiLayerNetwork restore(MultiLayerNetwork net) {
        return swapParameterFree(ConvolutionLowering.restoreEvery(net), Lowering::restoreParameterFree);
    }

    /** The inverse of {@link #lower(ComputationGraph)}. */
    public static ComputationGraph restore(ComputationGraph net) {
        return swapParameterFree(ConvolutionLowering.restoreEvery(net), Lowering::restoreParameterFree);
    }

    /** {@code conf} (modified) with each layer {@code swap} maps to a replacement replaced. */
    private static MultiLayerConfiguration swapParameterFree(MultiLayerConfiguration conf, UnaryOperator<Layer> swap) {
        for (NeuralNetConfiguration c : conf.getConfs()) {
            Layer r = swap.apply(c.getLayer());
            if (r != null) {
                c.setLayer(r);
            }
        }
        return conf;
    }

    private static ComputationGraphConfiguration swapParameterFree(ComputationGraphConfiguration conf, UnaryOperator<Layer> swap) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                Layer r = swap.apply(lv.getLayerConf().getLayer());
                if (r != null) {
                    lv.getLayerConf().setLayer(r);
                }
            }
        }
        return conf;
    }

    /**
     * {@code net} with parameter-free layers swapped: {@code net} itself if none is, else a new network on the same
     * parameter array (the layout does not change; {@code net} is an intermediate the caller drops) with a copy of its
     * updater state.
     */
    private static MultiLayerNetwork swapParameterFree(MultiLayerNetwork net, UnaryOperator<Layer> swap) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        if (conf.getConfs().stream().noneMatch(c -> swap.apply(c.getLayer()) != null)) {
            return net;
        }
        MultiLayerNetwork out = new MultiLayerNetwork(swapParameterFree(conf, swap));
        out.init(net.params(), false);
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        if (state != null) {
            ((org.deeplearning4j.nn.updater.BaseMultiLayerUpdater<?>) out.getUpdater()).setStateViewArray(state);
        }
        return out;
    }

    private static ComputationGraph swapParameterFree(ComputationGraph net, UnaryOperator<Layer> swap) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        if (conf.getVertices().values().stream().noneMatch(v -> v instanceof LayerVertex lv
                && swap.apply(lv.getLayerConf().getLayer()) != null)) {
            return net;
        }
        ComputationGraph out = new ComputationGraph(swapParameterFree(conf, swap));
        out.init(net.params(), false);
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        if (state != null) {
            out.getUpdater().setStateViewArray(state);
        }
        return out;
    }
}
