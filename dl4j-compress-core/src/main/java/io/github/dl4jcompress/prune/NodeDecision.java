package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What pruning does to one node: which input channels and outputs survive, how many flattened entries
 * belong to one input channel, which bias corrections absorb removed constant channels. Produced by
 * {@link ChannelAnalysis}, consumed by the configuration resizer and the parameter transfer.
 */
final class NodeDecision {

    final PruneNode node;
    LayerRule rule;
    /** Channels of the input tensor before pruning; -1 if the input is not analysed (kept whole). */
    int inputChannels = -1;
    /** Channels of the output tensor before pruning; -1 if unknown. */
    int outputs = -1;
    int inputUnits = 1;
    int inputBase = -1;
    int outputBase = -1;
    boolean foldable;
    /** Kept input channels (original indices); null = input kept whole. */
    int[] keptInputs;
    /** Kept outputs of a weighted layer (original indices); null = all kept. */
    int[] keptOutputs;
    /** Bias change per original output, from folded constant input channels; null = none. */
    double[] biasDelta;
    final List<Integer> foldedInputs = new ArrayList<>();
    String unsupportedReason;

    NodeDecision(PruneNode node) {
        this.node = node;
    }

    boolean changesParameters() {
        return rule != null && (keptInputs != null || keptOutputs != null || biasDelta != null);
    }

    /** Applies the channel slicing of this node to one parameter-shaped array (a parameter or its updater state). */
    DenseTensor slice(String key, DenseTensor tensor) {
        if (!changesParameters()) {
            return tensor;
        }
        DenseTensor out = tensor;
        for (ParamAxis axis : rule.axes(node.layer, inputUnits)) {
            if (!axis.key().equals(key)) {
                continue;
            }
            int[] channels = axis.side() == ParamAxis.Side.OUTPUT ? keptOutputs : keptInputs;
            if (channels != null) {
                out = out.keep(axis.axis(), expand(channels, axis.units()));
            }
        }
        return out;
    }

    /** New parameter values: bias corrections applied on the original layout, then sliced. */
    Map<String, DenseTensor> sliceParams(Map<String, DenseTensor> params) {
        Map<String, DenseTensor> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, DenseTensor> e : params.entrySet()) {
            DenseTensor t = e.getValue();
            if (biasDelta != null && rule instanceof WeightedLayerRule
                    && ((WeightedLayerRule) rule).biasKey().equals(e.getKey())) {
                t = t.plus(biasDelta);
            }
            out.put(e.getKey(), slice(e.getKey(), t));
        }
        return out;
    }

    static int[] expand(int[] channels, int units) {
        if (units == 1) {
            return channels;
        }
        int[] idx = new int[channels.length * units];
        int p = 0;
        for (int c : channels) {
            for (int u = 0; u < units; u++) {
                idx[p++] = c * units + u;
            }
        }
        return idx;
    }
}
