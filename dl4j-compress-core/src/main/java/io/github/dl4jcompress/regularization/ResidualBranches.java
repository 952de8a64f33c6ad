package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The residual branches of a graph, as DEPTH Group Lasso needs them: for every element-wise {@code Add} vertex, each
 * input is followed back through single-input nodes until the fork it shares with the other inputs (a node read by
 * more than one node, a network input, or a multi-input vertex). The input whose path holds the most weight layers
 * (at least two) is the residual branch; the others are shortcuts (identity, or a 1x1 projection).
 *
 * <p>The branch <em>end</em> is its last weight layer ({@code conv2} of a basic block) and the batch normalizations
 * between it and the sum ({@code bn2}). Rule for removing a block: the branch outputs the constant 0 — the pruner's
 * condition — only when the end's weights AND every end batch norm's gamma AND beta are zero (a zero convolution
 * before batch norm leaves the constant beta). So the DEPTH group of a branch is {@code {W_end} ∪ {gamma, beta of its
 * end batch norms}}, shrunk with one strength and zeroed together.
 */
public final class ResidualBranches {

    /** One residual branch feeding an Add vertex. */
    public static final class Branch {
        private final String addVertex;
        private final String endLayer;
        private final List<String> endNorms;
        private final List<String> path;

        Branch(String addVertex, String endLayer, List<String> endNorms, List<String> path) {
            this.addVertex = addVertex;
            this.endLayer = endLayer;
            this.endNorms = List.copyOf(endNorms);
            this.path = List.copyOf(path);
        }

        /** The Add vertex the branch feeds. */
        public String addVertex() { return addVertex; }
        /** The branch's last weight layer (DEPTH Group Lasso goes on its W). */
        public String endLayer() { return endLayer; }
        /** Batch normalizations between the end layer and the sum (their gamma and beta belong to the DEPTH group). */
        public List<String> endNorms() { return endNorms; }
        /** All nodes of the branch, from the sum backwards. */
        public List<String> path() { return path; }

        @Override
        public String toString() {
            return "Branch{" + addVertex + " <- " + endNorms + " <- " + endLayer + ", " + path.size() + " nodes}";
        }
    }

    private ResidualBranches() {
    }

    /** The residual branches of a built graph configuration, in vertex order. */
    public static List<Branch> of(ComputationGraphConfiguration conf) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, Integer> readers = new HashMap<>();
        inputs.values().forEach(list -> list.forEach(i -> readers.merge(i, 1, Integer::sum)));
        List<Branch> out = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (!(e.getValue() instanceof ElementWiseVertex) || ((ElementWiseVertex) e.getValue()).getOp() != ElementWiseVertex.Op.Add) {
                continue;
            }
            List<String> ins = inputs.getOrDefault(e.getKey(), List.of());
            Branch best = null;
            int bestCount = 1;
            for (String in : ins) {
                List<String> path = new ArrayList<>();
                String node = in;
                while (node != null && vertices.containsKey(node) && readers.getOrDefault(node, 0) == 1
                        && inputs.getOrDefault(node, List.of()).size() == 1) {
                    path.add(node);
                    node = inputs.get(node).get(0);
                }
                String end = null;
                List<String> norms = new ArrayList<>();
                int count = 0;
                for (String p : path) {
                    Layer l = layer(vertices.get(p));
                    if (l == null) {
                        continue;
                    }
                    if (WeightLayout.isSupported(l)) {
                        count++;
                        if (end == null) {
                            end = p;
                        }
                    } else if (end == null && l instanceof BatchNormalization) {
                        norms.add(p);
                    }
                }
                if (end != null && count > bestCount) {
                    best = new Branch(e.getKey(), end, norms, path);
                    bestCount = count;
                }
            }
            if (best != null) {
                out.add(best);
            }
        }
        return out;
    }

    private static Layer layer(GraphVertex v) {
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }
}
