package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Everything the pruner needs to know about one network kind (MultiLayerNetwork or ComputationGraph):
 * its architecture-neutral graph, its trainable parts by node id, how to rebuild it from a resized
 * configuration clone, and its updater. All pruning and lowering logic works through this interface only; node ids
 * are the layer index (as a string) in a MultiLayerNetwork and the vertex name in a ComputationGraph.
 */
interface NetworkAdapter<N extends Model> {

    /** The adapter for a network's kind (the one place that tells a MultiLayerNetwork from a ComputationGraph). */
    @SuppressWarnings("unchecked")
    static <N extends Model> NetworkAdapter<N> of(N network) {
        if (network instanceof MultiLayerNetwork) {
            return (NetworkAdapter<N>) new MultiLayerAdapter();
        }
        if (network instanceof ComputationGraph) {
            return (NetworkAdapter<N>) new GraphAdapter();
        }
        throw new IllegalArgumentException("Only MultiLayerNetwork and ComputationGraph are supported, got "
                + (network == null ? "null" : network.getClass().getName()));
    }

    /** Node ids of the layers (MLN) or of all vertices (CG), in configuration order. */
    List<String> ids(N network);

    /** Configuration of node {@code id}'s layer; null for a non-layer vertex. */
    Layer layerConf(N network, String id);

    /** Runtime layer of node {@code id}. */
    org.deeplearning4j.nn.api.Layer runtimeLayer(N network, String id);

    /** A new, initialised network with the layer configurations of some nodes replaced (parameters not copied). */
    N withLayers(N network, Map<String, Layer> replacements);

    /** Input of layer {@code id} (after its preprocessor) for the network inputs, inference mode. */
    INDArray layerInput(N network, String id, INDArray[] inputs);

    /** True once {@code init()} has created the runtime layers and parameters. */
    boolean initialised(N network);

    PruneGraph graph(N network);

    /** Runtime layers/vertices that own parameters, keyed by node id. */
    Map<String, Trainable> trainables(N network);

    /** A new, initialised network built from a resized clone of the original configuration. */
    N rebuild(N original, PrunePlan plan);

    /** The updater, created if {@code create}; null if absent and not created. */
    BaseMultiLayerUpdater<?> updater(N network, boolean create);

    /** Network output for a verification input (inference mode). */
    org.nd4j.linalg.api.ndarray.INDArray[] output(N network, org.nd4j.linalg.api.ndarray.INDArray[] inputs);
}
