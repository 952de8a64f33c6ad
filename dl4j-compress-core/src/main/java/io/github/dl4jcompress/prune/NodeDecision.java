package io.github.dl4jcompress.prune;

import java.util.List;
import java.util.Map;

/**
 * What pruning does to one node, immutable once {@link ChannelAnalysis} has decided it: which input channels and
 * outputs survive, how many flattened entries belong to one input channel, which bias corrections absorb removed
 * constant channels. Consumed by the configuration resizer, the parameter and updater-state transfer and the report.
 */
final class NodeDecision {

    final PruneNode node;
    /** The slicing rule; null if the node is not sliced (unsupported, opaque or a network input). */
    final LayerRule rule;
    /** Channels of the input tensor before pruning; -1 if the input is not analysed (kept whole). */
    final int inputChannels;
    /** Channels of the output tensor before pruning; -1 if unknown. */
    final int outputs;
    /** Entries per input channel along the weight's input axis after a flatten (1 otherwise). */
    final int inputUnits;
    private final int[] keptInputs;
    private final int[] keptOutputs;
    private final double[] biasDelta;
    /** Input channels whose constant value was folded into the bias. */
    final List<Integer> foldedInputs;
    /** Why the analysis stops at this node; null if it does not. */
    final String unsupportedReason;

    NodeDecision(PruneNode node, LayerRule rule, int inputChannels, int outputs, int inputUnits, int[] keptInputs,
                 int[] keptOutputs, double[] biasDelta, List<Integer> foldedInputs, String unsupportedReason) {
        this.node = node;
        this.rule = rule;
        this.inputChannels = inputChannels;
        this.outputs = outputs;
        this.inputUnits = inputUnits;
        this.keptInputs = keptInputs == null ? null : keptInputs.clone();
        this.keptOutputs = keptOutputs == null ? null : keptOutputs.clone();
        this.biasDelta = biasDelta == null ? null : biasDelta.clone();
        this.foldedInputs = List.copyOf(foldedInputs);
        this.unsupportedReason = unsupportedReason;
    }

    /** Kept input channels (original indices); null = input kept whole. */
    int[] keptInputs() {
        return keptInputs == null ? null : keptInputs.clone();
    }

    /** Kept outputs of a weighted layer (original indices); null = all kept. */
    int[] keptOutputs() {
        return keptOutputs == null ? null : keptOutputs.clone();
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
