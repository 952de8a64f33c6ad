package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.layers.LoweredConvolution;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.github.dl4jcompress.prune.ParamAxis.Side.INPUT;

/**
 * The built-in slicing rules the {@link LayerRegistry} table is made of, one factory per kind of layer; the table
 * itself (which class gets which rule) lives in {@link LayerRegistry}.
 */
final class LayerRules {

    private static final String W = "W";
    private static final String B = "b";

    private LayerRules() {
    }

    /** Dense and output layers. Dense W is [nIn, nOut]; after a flatten one input channel owns `inputUnits` consecutive rows. */
    static WeightedLayerRule denseLike() {
        return new WeightedLayerRule(List.of(new WeightedLayerRule.WeightParam(W, 1, 0, (l, u) -> u)), B, true, l -> true);
    }

    /** 2-D convolution: W [nOut, nIn, kH, kW]; a constant input channel folds into the bias only without zero padding. */
    static WeightedLayerRule convolution() {
        return new WeightedLayerRule(
                List.of(new WeightedLayerRule.WeightParam(W, 0, 1, (l, u) -> 1)), B, false,
                l -> noPadding(((ConvolutionLayer) l).getConvolutionMode(), ((ConvolutionLayer) l).getPadding()));
    }

    /**
     * Dense lowered convolution: W [nOut, nIn*kH*kW] (c order), input channel c owns the kH*kW consecutive columns
     * from c*kH*kW. A shape-sparse one (kept positions) is not sliced: its columns per channel are uneven.
     */
    static WeightedLayerRule loweredConvolution() {
        return new WeightedLayerRule(
                List.of(new WeightedLayerRule.WeightParam(W, 0, 1, (l, u) -> {
                    int[] k = ((LoweredConvolution) l).getKernelSize();
                    return k[0] * k[1];
                })), B, false,
                l -> noPadding(((ConvolutionLayer) l).getConvolutionMode(), ((ConvolutionLayer) l).getPadding()),
                l -> ((LoweredConvolution) l).isDense() ? null
                        : "shape-sparse lowered convolution (" + ((LoweredConvolution) l).keptCount() + " of "
                        + ((LoweredConvolution) l).totalPositions() + " kernel positions kept) cannot be sliced by channel",
                l -> ((LoweredConvolution) l).setKeptPositions(null)); // dense stays dense ("all positions") at the new nIn
    }

    /** Separable convolution: depthwise W then pointwise pW; never folds (two weights on the path). */
    static WeightedLayerRule separable() {
        return new WeightedLayerRule(
                List.of(new WeightedLayerRule.WeightParam(W, -1, 1, (l, u) -> 1),
                        new WeightedLayerRule.WeightParam("pW", 0, 1,
                                (l, u) -> ((SeparableConvolution2D) l).getDepthMultiplier())),
                B, false, l -> false);
    }

    static ChannelwiseLayerRule activation() {
        return ChannelwiseLayerRule.parameterFree((l, v) -> ActivationValues.apply(((ActivationLayer) l).getActivationFn(), v));
    }

    /** Dropout (identity at inference), nearest-neighbour upsampling, cropping: a constant channel stays that constant. */
    static ChannelwiseLayerRule identity() {
        return ChannelwiseLayerRule.parameterFree((l, v) -> v);
    }

    static ChannelwiseLayerRule subsampling() {
        return ChannelwiseLayerRule.parameterFree(LayerRules::subsampled);
    }

    static ChannelwiseLayerRule globalPooling() {
        return ChannelwiseLayerRule.parameterFree(LayerRules::globallyPooled);
    }

    /** Zero padding keeps a constant-0 channel constant; any other constant becomes non-constant at the border. */
    static ChannelwiseLayerRule zeroPadding() {
        return ChannelwiseLayerRule.parameterFree((l, v) -> v == 0.0 ? 0.0 : Double.NaN);
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
    static ChannelwiseLayerRule depthwise() {
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
    static ChannelwiseLayerRule batchNorm() {
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
