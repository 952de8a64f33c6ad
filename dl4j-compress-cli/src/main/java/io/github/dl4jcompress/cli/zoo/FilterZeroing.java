package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.ChannelGroup;
import io.github.dl4jcompress.prune.FilterRef;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Simulates the outcome of filter-wise structured sparsity on a randomly initialised network. Filters
 * are zeroed by the pruner's channel group ({@link ChannelGroup}): a filter that meets others in a
 * residual add is zeroed together with them, as a Group Lasso over the coupled channels would do;
 * zeroing only one side of an add would remove nothing. Every prunable convolution (plain
 * {@link ConvolutionLayer}: rows of W; {@link SeparableConvolution2D}: rows of the pointwise pW) draws a
 * target of round(f * filters) zero filters, f uniform in [0.3, 0.5], and never all of them; groups are
 * visited in a seeded random order and a group is zeroed while every layer it touches is below its
 * target. Biases are zeroed too unless {@code weightsOnly} (then the constant act(bias) channels
 * exercise bias folding). Groups that touch another layer type are left alone. Deterministic for a seed.
 */
public final class FilterZeroing {

    private FilterZeroing() {
    }

    /** Sets the entries of the dropped leading-axis rows of a c-order parameter view to 0. */
    private static void zeroRows(INDArray param, boolean[] drop) {
        double[] flat = param.dup('c').reshape(new long[] {param.length()}).toDoubleVector();
        int rowLength = flat.length / drop.length;
        for (int r = 0; r < drop.length; r++) {
            if (drop[r]) {
                java.util.Arrays.fill(flat, r * rowLength, (r + 1) * rowLength, 0.0);
            }
        }
        param.assign(Nd4j.createFromArray(flat).castTo(param.dataType()).reshape('c', param.shape().clone()));
    }

    private static String weightKey(Layer layer) {
        Class<?> type = layer.conf().getLayer().getClass();
        if (type == ConvolutionLayer.class) {
            return "W";
        }
        return type == SeparableConvolution2D.class ? "pW" : null;
    }

    /** Zeroes filters in place and returns how many were zeroed. */
    public static int apply(AnyNetwork net, long seed, boolean weightsOnly) {
        Random random = new Random(seed);
        Map<String, boolean[]> drop = new HashMap<>();
        Map<String, Integer> target = new HashMap<>();
        Map<String, Integer> done = new HashMap<>();
        List<ChannelGroup> groups = new ArrayList<>(net.channelGroups());
        for (ChannelGroup g : groups) {
            for (FilterRef f : g.filters()) {
                Layer layer = net.layer(f.layer());
                if (weightKey(layer) != null && !drop.containsKey(f.layer())) {
                    int filters = (int) layer.getParam(weightKey(layer)).size(0);
                    drop.put(f.layer(), new boolean[filters]);
                    done.put(f.layer(), 0);
                    target.put(f.layer(), Math.min(filters - 1, (int) Math.round(filters * (0.3 + 0.2 * random.nextDouble()))));
                }
            }
        }
        Collections.shuffle(groups, random);
        int zeroed = 0;
        for (ChannelGroup g : groups) {
            if (!g.prunable() || !g.filters().stream().allMatch(f -> drop.containsKey(f.layer()))) {
                continue;
            }
            Map<String, Integer> perLayer = new HashMap<>();
            g.filters().forEach(f -> perLayer.merge(f.layer(), 1, Integer::sum));
            if (!perLayer.entrySet().stream().allMatch(e -> done.get(e.getKey()) + e.getValue() <= target.get(e.getKey()))) {
                continue;
            }
            for (FilterRef f : g.filters()) {
                drop.get(f.layer())[f.index()] = true;
                done.merge(f.layer(), 1, Integer::sum);
                zeroed++;
            }
        }
        for (Map.Entry<String, boolean[]> e : drop.entrySet()) {
            Layer layer = net.layer(e.getKey());
            zeroRows(layer.getParam(weightKey(layer)), e.getValue());
            INDArray b = layer.getParam("b");
            if (!weightsOnly && b != null) {
                zeroRows(b, e.getValue());
            }
        }
        return zeroed;
    }
}
