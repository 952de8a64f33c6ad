package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A layer configuration with the name DL4J knows it by and its index (MLN: layer index; graph: DL4J's vertex index,
 * i.e. network inputs first, then the vertices in configuration order), listed in network order for MLNs and CGs alike.
 */
public final class NamedLayer {

    private final String name;
    private final int index;
    private final Layer layer;

    /** A layer whose index is unknown (-1). */
    public NamedLayer(String name, Layer layer) {
        this(name, -1, layer);
    }

    public NamedLayer(String name, int index, Layer layer) {
        this.name = name;
        this.index = index;
        this.layer = layer;
    }

    public String name() {
        return name;
    }

    /** The layer's index in its network, -1 if unknown. */
    public int index() {
        return index;
    }

    public Layer layer() {
        return layer;
    }

    /** The layers of a multi-layer configuration; unnamed layers are called {@code layer<i>} as DL4J does. */
    public static List<NamedLayer> of(MultiLayerConfiguration conf) {
        List<NamedLayer> out = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer l = conf.getConf(i).getLayer();
            out.add(new NamedLayer(l.getLayerName() != null ? l.getLayerName() : "layer" + i, i, l));
        }
        return out;
    }

    /** The layer vertices of a graph configuration, in the configuration's vertex order. */
    public static List<NamedLayer> of(ComputationGraphConfiguration conf) {
        List<NamedLayer> out = new ArrayList<>();
        int index = conf.getNetworkInputs().size();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                out.add(new NamedLayer(e.getKey(), index, ((LayerVertex) e.getValue()).getLayerConf().getLayer()));
            }
            index++;
        }
        return out;
    }
}
