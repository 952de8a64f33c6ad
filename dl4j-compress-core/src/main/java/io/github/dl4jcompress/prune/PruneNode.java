package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.List;

/**
 * One node of the architecture-neutral graph the pruner analyses: a network input, a layer (with the
 * preprocessor on its input edge) or a non-layer graph vertex. A MultiLayerNetwork becomes a chain of
 * these, a ComputationGraph maps vertex by vertex.
 */
final class PruneNode {

    enum Kind { INPUT, LAYER, VERTEX }

    final String id;
    final String displayName;
    final Kind kind;
    final List<String> inputs;
    final Layer layer;
    final InputPreProcessor preProcessor;
    final GraphVertex vertex;

    private PruneNode(String id, String displayName, Kind kind, List<String> inputs, Layer layer,
                      InputPreProcessor preProcessor, GraphVertex vertex) {
        this.id = id;
        this.displayName = displayName;
        this.kind = kind;
        this.inputs = List.copyOf(inputs);
        this.layer = layer;
        this.preProcessor = preProcessor;
        this.vertex = vertex;
    }

    static PruneNode input(String id) {
        return new PruneNode(id, id, Kind.INPUT, List.of(), null, null, null);
    }

    static PruneNode layer(String id, String displayName, List<String> inputs, Layer layer, InputPreProcessor pre) {
        return new PruneNode(id, displayName, Kind.LAYER, inputs, layer, pre, null);
    }

    static PruneNode vertex(String id, List<String> inputs, GraphVertex vertex) {
        return new PruneNode(id, id, Kind.VERTEX, inputs, null, null, vertex);
    }

    /** The same node reading from other tensors (used when a residual branch is cut away). */
    PruneNode withInputs(List<String> newInputs) {
        return new PruneNode(id, displayName, kind, newInputs, layer, preProcessor, vertex);
    }

    String typeName() {
        switch (kind) {
            case LAYER:
                return layer.getClass().getSimpleName();
            case VERTEX:
                return vertex.getClass().getSimpleName();
            default:
                return "Input";
        }
    }

    @Override
    public String toString() {
        return displayName + " (" + typeName() + ")";
    }
}
