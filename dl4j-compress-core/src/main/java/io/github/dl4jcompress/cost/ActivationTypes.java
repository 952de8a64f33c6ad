package io.github.dl4jcompress.cost;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The activation type of every layer of a network fed with given input types, checked layer by layer: an input that
 * does not fit (a layer's {@code nIn} differs from what the input gives it, or a layer cannot take the input's kind)
 * is refused with an {@link IllegalArgumentException} naming the layer (name and index), its {@code nIn}, the size
 * it would get and the network input. DL4J's own {@code getLayerActivationTypes} checks no {@code nIn}, and the
 * graph version may overwrite layers' {@code nIn} in the configuration; this walk reads the configuration only.
 */
final class ActivationTypes {

    private ActivationTypes() {
    }

    /** Output type of each layer {@code i} of a multi-layer configuration fed with {@code input}. */
    static List<InputType> of(MultiLayerConfiguration conf, InputType input) {
        if (input == null) {
            throw new IllegalArgumentException("CostModel: the network's input type is null");
        }
        List<InputType> out = new ArrayList<>();
        InputType in = input;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer lc = conf.getConf(i).getLayer();
            String name = lc.getLayerName() != null ? lc.getLayerName() : "layer" + i;
            in = layerOutput(i, name, lc, conf.getInputPreProcess(i), in, Arrays.toString(new InputType[] {input}));
            out.add(in);
        }
        return out;
    }

    /** Output type of every vertex of a graph fed with {@code inputs}, by vertex name. */
    static Map<String, InputType> of(ComputationGraph graph, InputType... inputs) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<String> networkInputs = conf.getNetworkInputs();
        if (inputs == null || inputs.length != networkInputs.size() || Arrays.asList(inputs).contains(null)) {
            throw new IllegalArgumentException("CostModel: the graph has " + networkInputs.size() + " inputs "
                    + networkInputs + " but got input types " + Arrays.toString(inputs));
        }
        String given = Arrays.toString(inputs);
        Map<String, InputType> out = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            out.put(networkInputs.get(i), inputs[i]);
        }
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            String name = vertices[idx].getVertexName();
            if (out.containsKey(name)) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(name);
            List<String> from = conf.getVertexInputs().get(name);
            InputType[] in = new InputType[from.size()];
            for (int k = 0; k < in.length; k++) {
                in[k] = out.get(from.get(k));
            }
            if (v instanceof LayerVertex && in.length == 1) {
                LayerVertex lv = (LayerVertex) v;
                out.put(name, layerOutput(idx, name, lv.getLayerConf().getLayer(), lv.getPreProcessor(), in[0], given));
                continue;
            }
            try {
                out.put(name, v.getOutputType(idx, in));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("CostModel: vertex " + idx + " '" + name + "' ("
                        + v.getClass().getSimpleName() + ") cannot take its inputs " + Arrays.toString(in)
                        + " (network input " + given + "): " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The output type of layer {@code i} fed with {@code in} through its preprocessor, after checking its nIn. */
    private static InputType layerOutput(int i, String name, Layer lc, InputPreProcessor pre, InputType in, String given) {
        String where = "CostModel: layer " + i + " '" + name + "' (" + lc.getClass().getSimpleName() + ")";
        InputType layerIn = in;
        try {
            layerIn = pre == null ? in : pre.getOutputType(in);
            if (lc instanceof FeedForwardLayer && ((FeedForwardLayer) lc).getNIn() > 0) {
                long nIn = ((FeedForwardLayer) lc).getNIn();
                FeedForwardLayer probe = (FeedForwardLayer) lc.clone();
                probe.setNIn(layerIn, true);
                if (probe.getNIn() != nIn) {
                    throw new IllegalArgumentException(where + " has nIn " + nIn + " but the input " + layerIn
                            + " gives it " + probe.getNIn() + " (network input " + given + "): the input size does "
                            + "not fit the network");
                }
            }
            return lc.getOutputType(i, layerIn);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("CostModel:")) {
                throw e;
            }
            throw new IllegalArgumentException(where + " cannot take the input " + layerIn + " (network input "
                    + given + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + " cannot take the input " + layerIn + " (network input "
                    + given + "): " + e.getMessage(), e);
        }
    }
}
