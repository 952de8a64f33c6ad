package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.PruneReport;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CLI's name for the core network adapter {@link io.github.dl4jcompress.prune.AnyNetwork}: a thin forwarder kept so
 * that callers compile while they move to the core class.
 *
 * @deprecated use {@link io.github.dl4jcompress.prune.AnyNetwork}
 */
@Deprecated
public final class AnyNetwork {

    private final io.github.dl4jcompress.prune.AnyNetwork core;

    private AnyNetwork(io.github.dl4jcompress.prune.AnyNetwork core) {
        this.core = core;
    }

    public static AnyNetwork of(MultiLayerNetwork net) {
        return new AnyNetwork(io.github.dl4jcompress.prune.AnyNetwork.of(net));
    }

    public static AnyNetwork of(ComputationGraph net) {
        return new AnyNetwork(io.github.dl4jcompress.prune.AnyNetwork.of(net));
    }

    /** Wraps a MultiLayerNetwork or ComputationGraph. */
    public static AnyNetwork of(Model model) {
        return new AnyNetwork(io.github.dl4jcompress.prune.AnyNetwork.of(model));
    }

    /** The core adapter this forwards to. */
    public io.github.dl4jcompress.prune.AnyNetwork core() {
        return core;
    }

    public Model model() {
        return core.model();
    }

    public java.util.List<io.github.dl4jcompress.prune.ChannelGroup> channelGroups() {
        return core.channelGroups();
    }

    public org.deeplearning4j.nn.api.Layer layer(String id) {
        return core.layer(id);
    }

    public String kind() {
        return core.kind();
    }

    public long numParams() {
        return core.numParams();
    }

    public org.deeplearning4j.nn.api.Layer[] layers() {
        return core.layers();
    }

    public AnyNetwork toDouble() {
        return new AnyNetwork(core.toDouble());
    }

    public int numInputs() {
        return core.numInputs();
    }

    public INDArray[] output(INDArray input) {
        return core.output(input);
    }

    /** Dense (whole-layer) cost for one input type fed to every network input. */
    public NetworkCost cost(InputType type) {
        return core.cost(new CostModel(), type);
    }

    public Pruned prune(StructuredPruner pruner) {
        io.github.dl4jcompress.prune.AnyNetwork.Pruned p = core.prune(pruner);
        return new Pruned(new AnyNetwork(p.network()), p.report());
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
