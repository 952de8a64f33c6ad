package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Views a MultiLayerNetwork as a chain: input -> layer 0 -> layer 1 -> ...; the preprocessor of layer
 * i sits on the edge into node "i". The last layer is the network output.
 */
final class MultiLayerAdapter implements NetworkAdapter<MultiLayerNetwork> {

    static final String INPUT = "input";

    @Override
    public boolean initialised(MultiLayerNetwork network) {
        return network.getLayers() != null && network.params() != null;
    }

    @Override
    public PruneGraph graph(MultiLayerNetwork network) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        List<PruneNode> nodes = new ArrayList<>();
        nodes.add(PruneNode.input(INPUT));
        String previous = INPUT;
        int n = conf.getConfs().size();
        for (int i = 0; i < n; i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
            nodes.add(PruneNode.layer(String.valueOf(i), name, List.of(previous), layer, conf.getInputPreProcess(i)));
            previous = String.valueOf(i);
        }
        return new PruneGraph(nodes, Set.of(String.valueOf(n - 1)));
    }

    @Override
    public Map<String, Trainable> trainables(MultiLayerNetwork network) {
        Map<String, Trainable> out = new LinkedHashMap<>();
        org.deeplearning4j.nn.api.Layer[] layers = network.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i].numParams() > 0) {
                out.put(String.valueOf(i), layers[i]);
            }
        }
        return out;
    }

    @Override
    public MultiLayerNetwork rebuild(MultiLayerNetwork original, PrunePlan plan) {
        MultiLayerConfiguration conf = original.getLayerWiseConfigurations().clone();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            NodeDecision d = plan.decision(String.valueOf(i));
            ConfigurationResizer.resizeLayer(d, conf.getConf(i).getLayer());
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                conf.getInputPreProcessors().put(i, ConfigurationResizer.resizePreProcessor(d, pre));
            }
        }
        MultiLayerNetwork pruned = new MultiLayerNetwork(conf);
        pruned.init();
        return pruned;
    }

    @Override
    public BaseMultiLayerUpdater<?> updater(MultiLayerNetwork network, boolean create) {
        return (BaseMultiLayerUpdater<?>) network.getUpdater(create);
    }

    @Override
    public INDArray[] output(MultiLayerNetwork network, INDArray[] inputs) {
        return new INDArray[] {network.output(inputs[0], false)};
    }

    @Override
    public List<String> ids(MultiLayerNetwork network) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < network.getLayerWiseConfigurations().getConfs().size(); i++) {
            ids.add(String.valueOf(i));
        }
        return ids;
    }

    @Override
    public Layer layerConf(MultiLayerNetwork network, String id) {
        return network.getLayerWiseConfigurations().getConf(Integer.parseInt(id)).getLayer();
    }

    @Override
    public org.deeplearning4j.nn.api.Layer runtimeLayer(MultiLayerNetwork network, String id) {
        return network.getLayer(Integer.parseInt(id));
    }

    @Override
    public MultiLayerNetwork withLayers(MultiLayerNetwork network, Map<String, Layer> replacements) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
        replacements.forEach((id, l) -> conf.getConf(Integer.parseInt(id)).setLayer(l));
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init();
        return out;
    }

    @Override
    public INDArray layerInput(MultiLayerNetwork network, String id, INDArray[] inputs) {
        int i = Integer.parseInt(id);
        INDArray in = network.feedForwardToLayer(i, inputs[0], false).get(i);
        InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(i);
        return pre == null ? in : pre.preProcess(in, (int) in.size(0), org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
    }
}
