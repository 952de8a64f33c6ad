package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Views a ComputationGraph vertex by vertex (node id = vertex name), in the graph's own topological
 * order; layer vertices become layer nodes carrying their preprocessor, other vertices vertex nodes.
 */
final class GraphAdapter implements NetworkAdapter<ComputationGraph> {

    @Override
    public boolean initialised(ComputationGraph network) {
        return network.getVertices() != null && network.params() != null;
    }

    @Override
    public PruneGraph graph(ComputationGraph network) {
        ComputationGraphConfiguration conf = network.getConfiguration();
        Map<String, GraphVertex> vertices = conf.getVertices();
        List<PruneNode> nodes = new ArrayList<>();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] runtime = network.getVertices();
        for (int idx : network.topologicalSortOrder()) {
            String name = runtime[idx].getVertexName();
            if (conf.getNetworkInputs().contains(name)) {
                nodes.add(PruneNode.input(name));
                continue;
            }
            List<String> inputs = conf.getVertexInputs().getOrDefault(name, List.of());
            GraphVertex v = vertices.get(name);
            if (v instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) v;
                nodes.add(PruneNode.layer(name, name, inputs, lv.getLayerConf().getLayer(), lv.getPreProcessor()));
            } else {
                nodes.add(PruneNode.vertex(name, inputs, v));
            }
        }
        return new PruneGraph(nodes, new HashSet<>(conf.getNetworkOutputs()));
    }

    @Override
    public Map<String, Trainable> trainables(ComputationGraph network) {
        Map<String, Trainable> out = new LinkedHashMap<>();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : network.getVertices()) {
            if (v.numParams() > 0) {
                out.put(v.getVertexName(), v);
            }
        }
        return out;
    }

    @Override
    public ComputationGraph rebuild(ComputationGraph original, PrunePlan plan) {
        ComputationGraphConfiguration conf = original.getConfiguration().clone();
        for (String id : plan.depth.removed) {
            conf.getVertices().remove(id);
            conf.getVertexInputs().remove(id);
        }
        plan.depth.rewiredInputs.forEach((id, inputs) -> conf.getVertexInputs().put(id, new ArrayList<>(inputs)));
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) e.getValue();
                NodeDecision d = plan.decision(e.getKey());
                ConfigurationResizer.resizeLayer(d, lv.getLayerConf().getLayer());
                if (lv.getPreProcessor() != null) {
                    lv.setPreProcessor(ConfigurationResizer.resizePreProcessor(d, lv.getPreProcessor()));
                }
            }
        }
        ComputationGraph pruned = new ComputationGraph(conf);
        pruned.init();
        return pruned;
    }

    @Override
    public BaseMultiLayerUpdater<?> updater(ComputationGraph network, boolean create) {
        return network.getUpdater(create);
    }

    @Override
    public INDArray[] output(ComputationGraph network, INDArray[] inputs) {
        return network.output(false, inputs);
    }

    @Override
    public List<String> ids(ComputationGraph network) {
        return new ArrayList<>(network.getConfiguration().getVertices().keySet());
    }

    @Override
    public org.deeplearning4j.nn.conf.layers.Layer layerConf(ComputationGraph network, String id) {
        GraphVertex v = network.getConfiguration().getVertices().get(id);
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer runtimeLayer(ComputationGraph network, String id) {
        return network.getLayer(id);
    }

    @Override
    public ComputationGraph withLayers(ComputationGraph network, Map<String, org.deeplearning4j.nn.conf.layers.Layer> replacements) {
        ComputationGraphConfiguration conf = network.getConfiguration().clone();
        replacements.forEach((id, l) -> ((LayerVertex) conf.getVertices().get(id)).getLayerConf().setLayer(l));
        ComputationGraph out = new ComputationGraph(conf);
        out.init();
        return out;
    }

    @Override
    public INDArray layerInput(ComputationGraph network, String id, INDArray[] inputs) {
        Map<String, INDArray> acts = network.feedForward(inputs, false);
        INDArray in = acts.get(network.getConfiguration().getVertexInputs().get(id).get(0));
        org.deeplearning4j.nn.conf.InputPreProcessor pre = ((LayerVertex) network.getConfiguration().getVertices().get(id)).getPreProcessor();
        return pre == null ? in : pre.preProcess(in, (int) in.size(0), org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
    }
}
