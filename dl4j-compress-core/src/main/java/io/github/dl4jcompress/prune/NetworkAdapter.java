package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;

import java.util.Map;

/**
 * Everything the pruner needs to know about one network kind (MultiLayerNetwork or ComputationGraph):
 * its architecture-neutral graph, its trainable parts by node id, how to rebuild it from a resized
 * configuration clone, and its updater. All pruning logic works through this interface only.
 */
interface NetworkAdapter<N extends Model> {

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
