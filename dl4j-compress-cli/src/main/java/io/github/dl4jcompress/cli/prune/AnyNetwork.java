package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.PruneReport;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * A MultiLayerNetwork or a single-input ComputationGraph behind one interface, so that the CLI commands
 * (load, prune, cost, run, time) need no per-kind branches.
 */
public final class AnyNetwork {

    private final MultiLayerNetwork mln;
    private final ComputationGraph graph;

    private AnyNetwork(MultiLayerNetwork mln, ComputationGraph graph) {
        this.mln = mln;
        this.graph = graph;
    }

    public static AnyNetwork of(MultiLayerNetwork net) {
        return new AnyNetwork(Objects.requireNonNull(net), null);
    }

    public static AnyNetwork of(ComputationGraph net) {
        return new AnyNetwork(null, Objects.requireNonNull(net));
    }

    /** The wrapped network (MultiLayerNetwork or ComputationGraph). */
    public Model model() {
        return mln != null ? mln : graph;
    }

    /** The pruner's channel groups of this network (see {@link io.github.dl4jcompress.prune.ChannelCoupling}). */
    public java.util.List<io.github.dl4jcompress.prune.ChannelGroup> channelGroups() {
        return mln != null ? io.github.dl4jcompress.prune.ChannelCoupling.of(mln)
                : io.github.dl4jcompress.prune.ChannelCoupling.of(graph);
    }

    /** The runtime layer with the pruner's layer id (index in a MultiLayerNetwork, vertex name in a graph). */
    public org.deeplearning4j.nn.api.Layer layer(String id) {
        return mln != null ? mln.getLayer(Integer.parseInt(id)) : graph.getLayer(id);
    }

    public String kind() {
        return mln != null ? "MultiLayerNetwork" : "ComputationGraph";
    }

    public long numParams() {
        return model().numParams();
    }

    /** The runtime layers (for a graph: of its layer vertices). */
    public org.deeplearning4j.nn.api.Layer[] layers() {
        return mln != null ? mln.getLayers() : graph.getLayers();
    }

    /** A copy with double-precision parameters (to tell float rounding from real output changes). */
    public AnyNetwork toDouble() {
        return mln != null ? of(mln.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                : of(graph.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
    }

    /** Number of network inputs (1 for a MultiLayerNetwork). */
    public int numInputs() {
        return mln != null ? 1 : graph.getConfiguration().getNetworkInputs().size();
    }

    /** Inference-mode output(s); the same input array is fed to every network input. */
    public INDArray[] output(INDArray input) {
        if (mln != null) {
            return new INDArray[] {mln.output(input, false)};
        }
        INDArray[] in = new INDArray[numInputs()];
        java.util.Arrays.fill(in, input);
        return graph.output(false, in);
    }

    /** Dense (whole-layer) cost for one input type fed to every network input. */
    public NetworkCost cost(InputType type) {
        CostModel cm = new CostModel();
        if (mln != null) {
            return cm.of(mln, type);
        }
        InputType[] types = new InputType[numInputs()];
        java.util.Arrays.fill(types, type);
        return cm.of(graph, types);
    }

    /** Runs the pruner; returns the pruned network and the report. */
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
     * @param report what was removed
     */
    public record Pruned(AnyNetwork network, PruneReport report) {
    }
}
