package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.regularization.NamedLayer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The project's one network adapter for code outside the pruner: a MultiLayerNetwork or a ComputationGraph behind one
 * interface, so that listeners, jobs and commands (layers, counters, cost, output, pruning, cloning) need no per-kind
 * {@code instanceof} branches. The pruner's internals use the package-private {@link NetworkAdapter} it is built on.
 */
public final class AnyNetwork {

    private final MultiLayerNetwork mln;
    private final ComputationGraph graph;

    private AnyNetwork(MultiLayerNetwork mln, ComputationGraph graph) {
        this.mln = mln;
        this.graph = graph;
    }

    public static AnyNetwork of(MultiLayerNetwork net) {
        return new AnyNetwork(Objects.requireNonNull(net, "network"), null);
    }

    public static AnyNetwork of(ComputationGraph net) {
        return new AnyNetwork(null, Objects.requireNonNull(net, "network"));
    }

    /** Wraps a MultiLayerNetwork or ComputationGraph; anything else is refused naming its type. */
    public static AnyNetwork of(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return of((MultiLayerNetwork) model);
        }
        if (model instanceof ComputationGraph) {
            return of((ComputationGraph) model);
        }
        throw new IllegalArgumentException("Only MultiLayerNetwork and ComputationGraph are supported, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The wrapped network (MultiLayerNetwork or ComputationGraph). */
    public Model model() {
        return mln != null ? mln : graph;
    }

    public boolean isGraph() {
        return graph != null;
    }

    /** {@code "MultiLayerNetwork"} or {@code "ComputationGraph"}. */
    public String kind() {
        return mln != null ? "MultiLayerNetwork" : "ComputationGraph";
    }

    public long numParams() {
        return model().numParams();
    }

    /** Number of network inputs (1 for a MultiLayerNetwork). */
    public int numInputs() {
        return mln != null ? 1 : graph.getConfiguration().getNetworkInputs().size();
    }

    /** The runtime layers (for a graph: of its layer vertices, in DL4J's order). */
    public org.deeplearning4j.nn.api.Layer[] layers() {
        return mln != null ? mln.getLayers() : graph.getLayers();
    }

    /** The runtime layer with the pruner's node id (index in a MultiLayerNetwork, vertex name in a graph). */
    public org.deeplearning4j.nn.api.Layer layer(String id) {
        return mln != null ? mln.getLayer(Integer.parseInt(id)) : graph.getLayer(id);
    }

    /** The layer configurations with their names and indices (see {@link NamedLayer}). */
    public List<NamedLayer> namedLayers() {
        return mln != null ? NamedLayer.of(mln.getLayerWiseConfigurations()) : NamedLayer.of(graph.getConfiguration());
    }

    /** A layer with the name DL4J knows it by and DL4J's index (MLN: layer index; graph: vertex index). */
    public record IndexedLayer(String name, int index, org.deeplearning4j.nn.api.Layer layer) {
    }

    /** The runtime layers in DL4J's execution order (MLN: layer order; graph: topological order of its vertices). */
    public List<IndexedLayer> layersInOrder() {
        List<IndexedLayer> out = new java.util.ArrayList<>();
        if (mln != null) {
            for (int i = 0; i < mln.getnLayers(); i++) {
                String name = mln.getLayer(i).conf().getLayer().getLayerName();
                out.add(new IndexedLayer(name != null ? name : "layer" + i, i, mln.getLayer(i)));
            }
        } else {
            for (int idx : graph.topologicalSortOrder()) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph.getVertices()[idx];
                if (v.hasLayer()) {
                    out.add(new IndexedLayer(v.getVertexName(), idx, v.getLayer()));
                }
            }
        }
        return out;
    }

    public int iterationCount() {
        return mln != null ? mln.getIterationCount() : graph.getIterationCount();
    }

    public int epochCount() {
        return mln != null ? mln.getEpochCount() : graph.getEpochCount();
    }

    /** Sets DL4J's iteration and epoch counters (which drive schedules). */
    public void setCounts(int iteration, int epoch) {
        if (mln != null) {
            mln.setIterationCount(iteration);
            mln.setEpochCount(epoch);
        } else {
            graph.getConfiguration().setIterationCount(iteration);
            graph.getConfiguration().setEpochCount(epoch);
        }
    }

    /** The flat updater state, or null if the network has no updater state. */
    public INDArray updaterState() {
        return mln != null ? mln.getUpdater().getStateViewArray() : graph.getUpdater().getStateViewArray();
    }

    /** A deep copy (parameters, updater state, configuration). */
    public AnyNetwork copy() {
        return mln != null ? of(mln.clone()) : of(graph.clone());
    }

    /** A copy with double-precision parameters (to tell float rounding from real output changes). */
    public AnyNetwork toDouble() {
        return mln != null ? of(mln.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                : of(graph.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
    }

    /** Inference-mode output(s); the same input array is fed to every network input. */
    public INDArray[] output(INDArray input) {
        if (mln != null) {
            return new INDArray[] {mln.output(input, false)};
        }
        INDArray[] in = new INDArray[numInputs()];
        Arrays.fill(in, input);
        return graph.output(false, in);
    }

    /** One training step on a data set (a graph with one input and one output). */
    public void fit(org.nd4j.linalg.dataset.api.DataSet data) {
        if (mln != null) {
            mln.fit(data);
        } else {
            graph.fit(data);
        }
    }

    /** Trains on every batch of {@code data} once (one epoch). */
    public void fit(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data) {
        if (mln != null) {
            mln.fit(data);
        } else {
            graph.fit(data);
        }
    }

    /** Sets the gradients accumulator that DL4J's shared training uses to exchange updates. */
    public void setGradientsAccumulator(org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator) {
        if (mln != null) {
            mln.setGradientsAccumulator(accumulator);
        } else {
            graph.setGradientsAccumulator(accumulator);
        }
    }

    /**
     * Dense (whole-layer) cost; {@code inputTypes}: one per network input, or a single one fed to every input (a
     * MultiLayerNetwork uses the first).
     */
    public NetworkCost cost(CostModel costModel, InputType... inputTypes) {
        if (inputTypes == null || inputTypes.length == 0) {
            throw new IllegalArgumentException("at least one input type is required");
        }
        if (mln != null) {
            return costModel.of(mln, inputTypes[0]);
        }
        InputType[] types = inputTypes;
        if (inputTypes.length == 1 && numInputs() > 1) {
            types = new InputType[numInputs()];
            Arrays.fill(types, inputTypes[0]);
        }
        return costModel.of(graph, types);
    }

    /** The pruner's channel groups of this network (see {@link ChannelCoupling}). */
    public List<ChannelGroup> channelGroups() {
        return mln != null ? ChannelCoupling.of(mln) : ChannelCoupling.of(graph);
    }

    /** Runs the pruner; returns the pruned network (same kind) and the report. */
    public Pruned prune(StructuredPruner pruner) {
        if (mln != null) {
            PruneResult<MultiLayerNetwork> r = pruner.prune(mln);
            return new Pruned(of(r.network()), r.report());
        }
        PruneResult<ComputationGraph> r = pruner.prune(graph);
        return new Pruned(of(r.network()), r.report());
    }

    /**
     * A pruned network with its report.
     *
     * @param network the new, smaller network
     * @param report  what was removed
     */
    public record Pruned(AnyNetwork network, PruneReport report) {
    }
}
