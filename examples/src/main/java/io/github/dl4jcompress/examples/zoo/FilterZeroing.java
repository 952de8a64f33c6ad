package io.github.dl4jcompress.examples.zoo;

import io.github.dl4jcompress.examples.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Simulates the outcome of filter-wise structured sparsity on a randomly initialised network: in every
 * prunable convolution (plain {@link ConvolutionLayer}: rows of W; {@link SeparableConvolution2D}: rows
 * of the pointwise pW) a random 30-50% of the output filters get zero weights, and zero biases too
 * unless {@code weightsOnly} (then the constant act(bias) channels exercise bias folding). At least one
 * filter per layer is left intact. Deterministic for a seed.
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

    /** Zeroes filters in place and returns how many were zeroed. */
    public static int apply(AnyNetwork net, long seed, boolean weightsOnly) {
        Random random = new Random(seed);
        int zeroed = 0;
        for (Layer layer : net.layers()) {
            Class<?> type = layer.conf().getLayer().getClass();
            String weightKey;
            if (type == ConvolutionLayer.class) {
                weightKey = "W";
            } else if (type == SeparableConvolution2D.class) {
                weightKey = "pW";
            } else {
                continue;
            }
            INDArray w = layer.getParam(weightKey);
            int filters = (int) w.size(0);
            int count = Math.min(filters - 1, (int) Math.round(filters * (0.3 + 0.2 * random.nextDouble())));
            if (count <= 0) {
                continue;
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < filters; i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            boolean[] drop = new boolean[filters];
            for (int i = 0; i < count; i++) {
                drop[order.get(i)] = true;
            }
            zeroRows(w, drop);
            INDArray b = layer.getParam("b");
            if (!weightsOnly && b != null) {
                zeroRows(b, drop);
            }
            zeroed += count;
        }
        return zeroed;
    }
}
