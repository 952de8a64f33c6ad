package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.activations.IActivation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Rule for layers that create new output channels from all input channels:
 * {@code out[o] = act(b[o] + sum_c W[o, c] * in[c])}. An output is a constant {@code act(b[o])}
 * when its weights are zero; an input channel is unused when its weights are zero; a constant input
 * channel can be folded into the bias when {@link #canFold} holds (no zero padding).
 */
final class WeightedLayerRule extends LayerRule {

    /** How many entries along a weight's input axis belong to one input channel. */
    interface InputUnits {
        int of(Layer layer, int inputUnits);
    }

    /** A weight parameter: its output-channel axis (-1 none) and input-channel axis (-1 none). */
    record WeightParam(String key, int outAxis, int inAxis, InputUnits units) {
    }

    private final List<WeightParam> weights;
    private final String biasKey;
    private final boolean acceptsFlattenedInput;
    private final Predicate<Layer> foldable;
    private final java.util.function.Function<Layer, String> whyNot;
    private final java.util.function.Consumer<Layer> afterResize;

    WeightedLayerRule(List<WeightParam> weights, String biasKey, boolean acceptsFlattenedInput, Predicate<Layer> foldable) {
        this(weights, biasKey, acceptsFlattenedInput, foldable, l -> null, l -> { });
    }

    /**
     * @param whyNot      null if this instance can be sliced, else the reason it cannot
     * @param afterResize adjusts type-specific settings of a resized configuration clone
     */
    WeightedLayerRule(List<WeightParam> weights, String biasKey, boolean acceptsFlattenedInput, Predicate<Layer> foldable,
                      java.util.function.Function<Layer, String> whyNot, java.util.function.Consumer<Layer> afterResize) {
        this.weights = List.copyOf(weights);
        this.biasKey = biasKey;
        this.acceptsFlattenedInput = acceptsFlattenedInput;
        this.foldable = foldable;
        this.whyNot = whyNot;
        this.afterResize = afterResize;
    }

    @Override
    String unsupportedReason(Layer layer) {
        return whyNot.apply(layer);
    }

    @Override
    Role role() {
        return Role.WEIGHTED;
    }

    @Override
    Set<String> knownParams(Layer layer) {
        Set<String> keys = new HashSet<>();
        weights.forEach(w -> keys.add(w.key()));
        keys.add(biasKey);
        return keys;
    }

    /** True if the layer may sit behind a CNN-to-feed-forward flatten (dense, output). */
    boolean acceptsFlattenedInput() {
        return acceptsFlattenedInput;
    }

    /** Declared input size in entries (channels * units). */
    long declaredInputs(Layer layer) {
        return ((FeedForwardLayer) layer).getNIn();
    }

    int outputs(Layer layer) {
        return (int) ((FeedForwardLayer) layer).getNOut();
    }

    IActivation activation(Layer layer) {
        return ((BaseLayer) layer).getActivationFn();
    }

    boolean canFold(Layer layer, Map<String, DenseTensor> params) {
        return params.containsKey(biasKey) && foldable.test(layer) && weights.size() == 1
                && weights.get(0).outAxis() >= 0 && weights.get(0).inAxis() >= 0;
    }

    @Override
    List<ParamAxis> axes(Layer layer, int inputUnits) {
        List<ParamAxis> axes = new ArrayList<>();
        for (WeightParam w : weights) {
            if (w.outAxis() >= 0) {
                axes.add(new ParamAxis(w.key(), w.outAxis(), ParamAxis.Side.OUTPUT, 1));
            }
            if (w.inAxis() >= 0) {
                axes.add(new ParamAxis(w.key(), w.inAxis(), ParamAxis.Side.INPUT, w.units().of(layer, inputUnits)));
            }
        }
        axes.add(new ParamAxis(biasKey, -1, ParamAxis.Side.OUTPUT, 1));
        return axes;
    }

    /** Outputs whose weights (towards every input) have L2 norm <= threshold. */
    boolean[] zeroOutputs(Layer layer, Map<String, DenseTensor> params, double threshold) {
        double[] squares = new double[outputs(layer)];
        for (WeightParam w : weights) {
            if (w.outAxis() >= 0) {
                double[] s = params.get(w.key()).groupSquares(w.outAxis(), 1);
                for (int o = 0; o < squares.length; o++) {
                    squares[o] += s[o];
                }
            }
        }
        boolean[] zero = new boolean[squares.length];
        for (int o = 0; o < zero.length; o++) {
            zero[o] = Math.sqrt(squares[o]) <= threshold;
        }
        return zero;
    }

    /** Input channels whose contribution is zero: some weight on the path has group norm <= threshold. */
    boolean[] zeroInputs(Layer layer, Map<String, DenseTensor> params, int channels, int inputUnits, double threshold) {
        boolean[] zero = new boolean[channels];
        for (WeightParam w : weights) {
            if (w.inAxis() >= 0) {
                double[] s = params.get(w.key()).groupSquares(w.inAxis(), w.units().of(layer, inputUnits));
                for (int c = 0; c < channels; c++) {
                    zero[c] |= Math.sqrt(s[c]) <= threshold;
                }
            }
        }
        return zero;
    }

    /** Bias per output, zeros when the layer has no bias. */
    double[] bias(Layer layer, Map<String, DenseTensor> params) {
        DenseTensor b = params.get(biasKey);
        double[] out = new double[outputs(layer)];
        if (b != null) {
            for (int o = 0; o < out.length; o++) {
                out[o] = b.get(o);
            }
        }
        return out;
    }

    String biasKey() {
        return biasKey;
    }

    /** Bias change per output when input channel c is replaced by the constant channelValues[c]. */
    double[] foldDelta(Layer layer, Map<String, DenseTensor> params, int inputUnits, double[] channelValues) {
        WeightParam w = weights.get(0);
        return params.get(w.key()).contract(w.outAxis(), w.inAxis(), w.units().of(layer, inputUnits), channelValues);
    }

    @Override
    void resize(Layer layer, int oldInputChannels, int keptInputChannels, int keptOutputs, int inputUnits) {
        FeedForwardLayer ff = (FeedForwardLayer) layer;
        ff.setNIn((long) keptInputChannels * inputUnits);
        ff.setNOut(keptOutputs);
        afterResize.accept(layer);
    }

    /** Resize when the input is kept whole: only the outputs change. */
    void resizeOutputs(Layer layer, int keptOutputs) {
        ((FeedForwardLayer) layer).setNOut(keptOutputs);
        afterResize.accept(layer);
    }
}
