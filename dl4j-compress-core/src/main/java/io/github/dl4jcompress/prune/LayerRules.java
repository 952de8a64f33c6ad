package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.github.dl4jcompress.prune.ParamAxis.Side.INPUT;

/**
 * The registry of supported layer types, keyed by exact configuration class (a subclass such as
 * Convolution1DLayer is not silently treated like its parent). Adding a layer type = adding one entry.
 * Any layer type not listed here stops the analysis: its inputs and outputs are kept whole. Deliberate
 * stops include LocalResponseNormalization (mixes neighbouring channels, so removing even a zero
 * channel shifts the windows), SpaceToDepth (reorders channels with space). Parameter-free loss and
 * detection output layers ({@link #isTerminal}) keep their input whole without counting as a stop.
 */
final class LayerRules {

    private static final String W = "W";
    private static final String B = "b";

    private static final Map<Class<? extends Layer>, LayerRule> RULES = Map.ofEntries(
            Map.entry(DenseLayer.class, denseLike()),
            Map.entry(OutputLayer.class, denseLike()),
            Map.entry(ConvolutionLayer.class, new WeightedLayerRule(
                    List.of(new WeightedLayerRule.WeightParam(W, 0, 1, (l, u) -> 1)), B, false,
                    l -> noPadding(((ConvolutionLayer) l).getConvolutionMode(), ((ConvolutionLayer) l).getPadding()))),
            Map.entry(SeparableConvolution2D.class, new WeightedLayerRule(
                    List.of(new WeightedLayerRule.WeightParam(W, -1, 1, (l, u) -> 1),
                            new WeightedLayerRule.WeightParam("pW", 0, 1,
                                    (l, u) -> ((SeparableConvolution2D) l).getDepthMultiplier())),
                    B, false, l -> false)),
            Map.entry(DepthwiseConvolution2D.class, depthwise()),
            Map.entry(BatchNormalization.class, batchNorm()),
            Map.entry(ActivationLayer.class, ChannelwiseLayerRule.parameterFree(
                    (l, v) -> ActivationValues.apply(((ActivationLayer) l).getActivationFn(), v))),
            Map.entry(DropoutLayer.class, ChannelwiseLayerRule.parameterFree((l, v) -> v)),
            Map.entry(SubsamplingLayer.class, ChannelwiseLayerRule.parameterFree(LayerRules::subsampled)),
            Map.entry(GlobalPoolingLayer.class, ChannelwiseLayerRule.parameterFree(LayerRules::globallyPooled)),
            // nearest-neighbour repetition and cropping keep a spatially constant channel constant
            Map.entry(Upsampling2D.class, ChannelwiseLayerRule.parameterFree((l, v) -> v)),
            Map.entry(Cropping2D.class, ChannelwiseLayerRule.parameterFree((l, v) -> v)),
            Map.entry(ZeroPaddingLayer.class, ChannelwiseLayerRule.parameterFree((l, v) -> v == 0.0 ? 0.0 : Double.NaN)));

    private LayerRules() {
    }

    /** Parameter-free output layers: they read the network output, whose channels are always kept. */
    private static final Set<Class<? extends Layer>> TERMINAL = Set.of(
            org.deeplearning4j.nn.conf.layers.LossLayer.class,
            org.deeplearning4j.nn.conf.layers.CnnLossLayer.class,
            org.deeplearning4j.nn.conf.layers.RnnLossLayer.class,
            org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer.class);

    /** True for parameter-free loss / detection output layers: their input is kept whole, which is no limitation. */
    static boolean isTerminal(Layer layer) {
        return layer != null && TERMINAL.contains(layer.getClass());
    }

    /** The rule for a layer configuration, or null if its type is not supported. */
    static LayerRule forLayer(Layer layer) {
        return layer == null ? null : RULES.get(layer.getClass());
    }

    private static WeightedLayerRule denseLike() {
        // Dense W is [nIn, nOut]; after a flatten one input channel owns `inputUnits` consecutive rows.
        return new WeightedLayerRule(List.of(new WeightedLayerRule.WeightParam(W, 1, 0, (l, u) -> u)), B, true, l -> true);
    }

    static boolean noPadding(ConvolutionMode mode, int[] padding) {
        if (mode == ConvolutionMode.Same) {
            return false;
        }
        if (padding != null) {
            for (int p : padding) {
                if (p != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Double subsampled(Layer layer, Double v) {
        SubsamplingLayer s = (SubsamplingLayer) layer;
        if (v == 0.0) {
            return 0.0;
        }
        boolean meanOrMax = s.getPoolingType() == PoolingType.MAX || s.getPoolingType() == PoolingType.AVG;
        return meanOrMax && noPadding(s.getConvolutionMode(), s.getPadding()) ? v : Double.NaN;
    }

    private static Double globallyPooled(Layer layer, Double v) {
        PoolingType type = ((GlobalPoolingLayer) layer).getPoolingType();
        if (v == 0.0) {
            return 0.0;
        }
        return type == PoolingType.MAX || type == PoolingType.AVG ? v : Double.NaN;
    }

    /** Depthwise W is [kH, kW, nIn, m]; output channel c*m+j comes from input channel c. */
    private static ChannelwiseLayerRule depthwise() {
        return new ChannelwiseLayerRule(
                l -> Set.of(W, B),
                l -> List.of(new ParamAxis(W, 2, INPUT, 1),
                        new ParamAxis(B, -1, INPUT, ((DepthwiseConvolution2D) l).getDepthMultiplier())),
                l -> ((DepthwiseConvolution2D) l).getDepthMultiplier(),
                (layer, params, channel, input, threshold) -> {
                    DepthwiseConvolution2D d = (DepthwiseConvolution2D) layer;
                    int m = d.getDepthMultiplier();
                    DenseTensor w = params.get(W);
                    DenseTensor b = params.get(B);
                    long[] shape = w.shape();
                    double[] kernelSquares = new double[m];
                    for (long k = 0; k < w.length(); k++) {
                        int j = (int) (k % shape[3]);
                        int c = (int) ((k / shape[3]) % shape[2]);
                        if (c == channel) {
                            kernelSquares[j] += w.get(k) * w.get(k);
                        }
                    }
                    double[] out = new double[m];
                    for (int j = 0; j < m; j++) {
                        boolean constant = input == 0.0 || Math.sqrt(kernelSquares[j]) <= threshold;
                        double bias = b == null ? 0.0 : b.get((long) channel * m + j);
                        out[j] = constant ? ActivationValues.apply(d.getActivationFn(), bias) : Double.NaN;
                    }
                    return out;
                });
    }

    /** Inference-mode batch norm: gamma * (x - mean) / sqrt(var + eps) + beta, per channel. */
    private static ChannelwiseLayerRule batchNorm() {
        return new ChannelwiseLayerRule(
                l -> Set.of(BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA,
                        BatchNormalizationParamInitializer.GLOBAL_MEAN, BatchNormalizationParamInitializer.GLOBAL_VAR,
                        BatchNormalizationParamInitializer.GLOBAL_LOG_STD),
                l -> {
                    BatchNormalization bn = (BatchNormalization) l;
                    List<ParamAxis> axes = new ArrayList<>();
                    if (!bn.isLockGammaBeta()) {
                        axes.add(new ParamAxis(BatchNormalizationParamInitializer.GAMMA, -1, INPUT, 1));
                        axes.add(new ParamAxis(BatchNormalizationParamInitializer.BETA, -1, INPUT, 1));
                    }
                    axes.add(new ParamAxis(BatchNormalizationParamInitializer.GLOBAL_MEAN, -1, INPUT, 1));
                    axes.add(new ParamAxis(bn.isUseLogStd() ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                            : BatchNormalizationParamInitializer.GLOBAL_VAR, -1, INPUT, 1));
                    return axes;
                },
                l -> 1,
                (layer, params, c, input, threshold) -> {
                    if (Double.isNaN(input)) {
                        return new double[] {Double.NaN};
                    }
                    BatchNormalization bn = (BatchNormalization) layer;
                    double gamma = bn.isLockGammaBeta() ? bn.getGamma() : params.get(BatchNormalizationParamInitializer.GAMMA).get(c);
                    double beta = bn.isLockGammaBeta() ? bn.getBeta() : params.get(BatchNormalizationParamInitializer.BETA).get(c);
                    double mean = params.get(BatchNormalizationParamInitializer.GLOBAL_MEAN).get(c);
                    double var;
                    if (bn.isUseLogStd()) {
                        double std = Math.pow(10.0, params.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).get(c));
                        var = std * std;
                    } else {
                        var = params.get(BatchNormalizationParamInitializer.GLOBAL_VAR).get(c);
                    }
                    return new double[] {gamma * (input - mean) / Math.sqrt(var + bn.getEps()) + beta};
                });
    }
}
