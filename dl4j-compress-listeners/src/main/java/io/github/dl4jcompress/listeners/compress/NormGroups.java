package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.regularization.ResidualBranches;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Group Lasso groups of a network that live in batch normalizations.
 *
 * <p>A convolution (or dense layer) followed by batch norm is scale-free per filter: BN divides each channel by its
 * own standard deviation, so the loss does not change when a filter {@code W_f} is scaled, the data gradient never
 * resists a Group Lasso on {@code W_f}, and the penalty only shrinks every filter towards the BN's ε (which breaks
 * inference) instead of selecting filters. The filter's importance is in the BN's {@code (γ_f, β_f)}: the FILTER group
 * of such a layer is {@code (γ_f, β_f)} (as in network slimming), and zeroing it zeroes {@code W_f} too, so the
 * channel is exactly 0 and the pruner removes the filter. Likewise the DEPTH group of a residual branch that ends in
 * batch norm is the end norms' {@code (γ, β)}; its zeroing zeroes the end layer's {@code W} as well.
 */
final class NormGroups {

    /** A weight layer directly followed by batch norm (the BN is its only reader). Ids: MLN index or graph vertex name. */
    record Coupled(String producer, String norm, String producerName) {
    }

    /** A residual branch with the ids of its end layer and end norms. */
    record Branch(String addVertex, String end, List<String> norms) {
    }

    private NormGroups() {
    }

    static List<Coupled> coupled(MultiLayerConfiguration conf) {
        List<Coupled> out = new ArrayList<>();
        for (int i = 1; i < conf.getConfs().size(); i++) {
            Layer prev = conf.getConf(i - 1).getLayer();
            if (conf.getConf(i).getLayer() instanceof BatchNormalization && WeightLayout.isSupported(prev)) {
                out.add(new Coupled(String.valueOf(i - 1), String.valueOf(i), prev.getLayerName() != null ? prev.getLayerName() : "layer" + (i - 1)));
            }
        }
        return out;
    }

    static List<Coupled> coupled(ComputationGraphConfiguration conf) {
        Map<String, Integer> readers = new HashMap<>();
        conf.getVertexInputs().values().forEach(l -> l.forEach(v -> readers.merge(v, 1, Integer::sum)));
        List<Coupled> out = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(layer(e.getValue()) instanceof BatchNormalization)) {
                continue;
            }
            List<String> in = conf.getVertexInputs().get(e.getKey());
            if (in == null || in.size() != 1 || readers.getOrDefault(in.get(0), 0) != 1) {
                continue;
            }
            Layer producer = layer(conf.getVertices().get(in.get(0)));
            if (producer != null && WeightLayout.isSupported(producer)) {
                out.add(new Coupled(in.get(0), e.getKey(), in.get(0)));
            }
        }
        return out;
    }

    static List<Branch> branches(ComputationGraphConfiguration conf) {
        List<Branch> out = new ArrayList<>();
        for (ResidualBranches.Branch b : ResidualBranches.of(conf)) {
            out.add(new Branch(b.addVertex(), b.endLayer(), b.endNorms()));
        }
        return out;
    }

    private static Layer layer(GraphVertex v) {
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }
}
