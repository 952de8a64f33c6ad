package io.github.dl4jcompress.prune;

import java.util.List;

/**
 * Output channels of weighted layers that the pruner can only remove together, because they meet
 * channel by channel: the inputs of a residual add ({@code ElementWiseVertex}), or producers joined
 * through channel-wise layers (batch norm, pooling, depthwise convolution). Zeroing every filter of a
 * group (weights, and biases unless a consumer can fold the constant) makes the whole group removable;
 * zeroing only some of them removes nothing.
 *
 * @param filters  the coupled output channels, in topological order of their layers
 * @param prunable false if the group reaches a network output or a layer the pruner does not
 *                 understand, so it is kept whatever its weights
 */
public record ChannelGroup(List<FilterRef> filters, boolean prunable) {

    public ChannelGroup {
        filters = List.copyOf(filters);
    }

    /** True if more than one filter belongs to the group. */
    public boolean coupled() {
        return filters.size() > 1;
    }
}
