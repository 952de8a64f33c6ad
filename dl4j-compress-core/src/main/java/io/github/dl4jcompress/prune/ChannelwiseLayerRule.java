package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Rule for layers whose output channels {@code c*m .. c*m+m-1} depend only on input channel c
 * (m = 1 except for depthwise convolution). Removing input channel c removes those outputs and the
 * per-channel parameter entries. {@link ValueFunction} tells what a constant input channel becomes.
 */
final class ChannelwiseLayerRule extends LayerRule {

    /**
     * Output values of channel c given the input is the spatially constant {@code input}
     * (NaN = input varies); returns m values, NaN where the output is not a known constant.
     */
    interface ValueFunction {
        double[] outputs(Layer layer, Map<String, DenseTensor> params, int channel, double input, double threshold);
    }

    private final Function<Layer, Set<String>> knownParams;
    private final Function<Layer, List<ParamAxis>> axes;
    private final ToIntFunction<Layer> multiplier;
    private final ValueFunction values;

    ChannelwiseLayerRule(Function<Layer, Set<String>> knownParams, Function<Layer, List<ParamAxis>> axes,
                         ToIntFunction<Layer> multiplier, ValueFunction values) {
        this.knownParams = knownParams;
        this.axes = axes;
        this.multiplier = multiplier;
        this.values = values;
    }

    /** A parameter-free layer with one output per input channel, values mapped by {@code f} (NaN = unknown). */
    static ChannelwiseLayerRule parameterFree(java.util.function.BiFunction<Layer, Double, Double> f) {
        return new ChannelwiseLayerRule(l -> Set.of(), l -> List.of(), l -> 1,
                (layer, params, channel, input, threshold) -> new double[] {f.apply(layer, input)});
    }

    @Override
    Role role() {
        return Role.CHANNELWISE;
    }

    @Override
    Set<String> knownParams(Layer layer) {
        return knownParams.apply(layer);
    }

    @Override
    List<ParamAxis> axes(Layer layer, int inputUnits) {
        return axes.apply(layer);
    }

    int multiplier(Layer layer) {
        return multiplier.applyAsInt(layer);
    }

    double[] outputs(Layer layer, Map<String, DenseTensor> params, int channel, double input, double threshold) {
        return values.outputs(layer, params, channel, input, threshold);
    }

    @Override
    void resize(Layer layer, int oldInputChannels, int keptInputChannels, int keptOutputs, int inputUnits) {
        resizeChannelwise(layer, oldInputChannels, keptInputChannels, multiplier(layer));
    }
}
