package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/**
 * The channel groups of a network as the pruner sees them (see {@link ChannelGroup}): the same
 * dependency analysis as {@link StructuredPruner}, without removing anything. Use it to define
 * structured sparsity over coupled channels (for instance the channels of a ResNet's residual stream,
 * which only go when every block's last convolution and the shortcut drop them together).
 */
public final class ChannelCoupling {

    private ChannelCoupling() {
    }

    public static List<ChannelGroup> of(MultiLayerNetwork network) {
        return groups(new MultiLayerAdapter(), network);
    }

    public static List<ChannelGroup> of(ComputationGraph network) {
        return groups(new GraphAdapter(), network);
    }

    private static <N extends Model> List<ChannelGroup> groups(NetworkAdapter<N> adapter, N network) {
        if (network == null) {
            throw new IllegalArgumentException("network must not be null");
        }
        if (!adapter.initialised(network)) {
            throw new IllegalStateException("network is not initialised: call init() first");
        }
        ChannelAnalysis analysis = new ChannelAnalysis(adapter.graph(network),
                ParamTransfer.snapshot(adapter.trainables(network)), 0.0);
        analysis.run();
        return analysis.producerGroups();
    }
}
