package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Human- and test-readable account of a pruning run: the threshold and whether outputs are preserved
 * exactly (threshold 0) or may change (threshold &gt; 0), per-layer kept/total outputs, removed and
 * folded input channels, the layers where the analysis stopped, and parameter counts before/after.
 */
public final class PruneReport {

    private final double threshold;
    private final List<LayerPruneSummary> layers;
    private final long paramsBefore;
    private final long paramsAfter;
    private final List<String> notes;
    private final List<String> removedNodes;
    private List<LoweringDecision> lowering = List.of();

    PruneReport(double threshold, List<LayerPruneSummary> layers, long paramsBefore, long paramsAfter, List<String> notes,
                List<String> removedNodes) {
        this.threshold = threshold;
        this.removedNodes = List.copyOf(removedNodes);
        this.layers = List.copyOf(layers);
        this.paramsBefore = paramsBefore;
        this.paramsAfter = paramsAfter;
        List<String> all = new ArrayList<>();
        if (threshold > 0) {
            all.add("threshold " + threshold + " > 0: groups with L2 norm <= threshold were treated as zero,"
                    + " so network outputs may change");
        }
        all.addAll(notes);
        this.notes = List.copyOf(all);
    }

    static PruneReport from(PrunePlan plan, double threshold, long paramsBefore, long paramsAfter) {
        List<LayerPruneSummary> layers = new ArrayList<>();
        for (NodeDecision d : plan.decisions.values()) {
            if (d.node.kind == PruneNode.Kind.INPUT) {
                continue;
            }
            List<Integer> removedInputs = new ArrayList<>();
            if (d.keptInputs() != null) {
                boolean[] kept = new boolean[d.inputChannels];
                for (int c : d.keptInputs()) {
                    kept[c] = true;
                }
                for (int c = 0; c < kept.length; c++) {
                    if (!kept[c]) {
                        removedInputs.add(c);
                    }
                }
            }
            int keptOut;
            if (d.outputs < 0) {
                keptOut = -1;
            } else if (d.keptOutputs() != null) {
                keptOut = d.keptOutputs().length;
            } else if (d.rule instanceof ChannelwiseLayerRule && d.keptInputs() != null) {
                keptOut = d.keptInputs().length * ((ChannelwiseLayerRule) d.rule).multiplier(d.node.layer);
            } else {
                keptOut = d.outputs;
            }
            layers.add(new LayerPruneSummary(d.node.displayName, d.node.typeName(), d.outputs, keptOut,
                    removedInputs, d.foldedInputs, d.unsupportedReason));
        }
        return new PruneReport(threshold, layers, paramsBefore, paramsAfter, plan.notes, List.copyOf(plan.depth.removed));
    }

    public double threshold() {
        return threshold;
    }

    /** True when the pruned network computes exactly what the original computes (threshold 0). */
    public boolean outputsPreserved() {
        return threshold == 0.0;
    }

    public List<LayerPruneSummary> layers() {
        return layers;
    }

    public Optional<LayerPruneSummary> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Names of layers/vertices where the analysis stopped because their type or edge is not understood. */
    public List<String> unsupportedLayers() {
        return layers.stream().filter(l -> !l.supported()).map(LayerPruneSummary::name).collect(Collectors.toList());
    }

    /** Layers and vertices removed whole with a residual branch whose output was the constant 0 (depth removal). */
    public List<String> removedNodes() {
        return removedNodes;
    }

    public long paramsBefore() {
        return paramsBefore;
    }

    public long paramsAfter() {
        return paramsAfter;
    }

    public List<String> notes() {
        return notes;
    }

    /** Per lowering candidate: kept/total kernel positions, both measured times and whether it was lowered. */
    public List<LoweringDecision> lowering() {
        return lowering;
    }

    void setLowering(List<LoweringDecision> decisions) {
        this.lowering = List.copyOf(decisions);
    }

    /**
     * The report in a few lines of counts, no index lists: a header with the parameters before/after, one line per
     * analysed layer ({@code conv2 50 -> 21 filters, 3 input channels removed}), where the analysis stopped, the
     * removed branches, the lowering decisions and the notes. {@link #toString()} adds the removed indices.
     */
    public List<String> summaryLines() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("pruned: params %d -> %d (%.1f%%)%s", paramsBefore, paramsAfter,
                paramsBefore == 0 ? 0.0 : 100.0 * paramsAfter / paramsBefore,
                outputsPreserved() ? ", outputs preserved" : ", threshold " + threshold + " (outputs may change)"));
        for (LayerPruneSummary l : layers) {
            if (!l.supported()) {
                lines.add(l.name() + " kept whole, analysis stops here: " + l.unsupportedReason());
                continue;
            }
            if (l.totalOutputs() < 0 && l.removedInputChannels().isEmpty()) {
                continue;   // no parameters of its own and nothing removed (pooling, activation, ...)
            }
            StringBuilder line = new StringBuilder(l.name());
            if (l.totalOutputs() >= 0) {
                line.append(' ').append(l.totalOutputs()).append(" -> ").append(l.keptOutputs()).append(' ').append(unit(l.type()));
            }
            if (!l.removedInputChannels().isEmpty()) {
                int n = l.removedInputChannels().size();
                line.append(", ").append(n).append(n == 1 ? " input channel removed" : " input channels removed");
            }
            if (!l.foldedInputChannels().isEmpty()) {
                line.append(" (").append(l.foldedInputChannels().size()).append(" folded into the bias)");
            }
            lines.add(line.toString());
        }
        if (!removedNodes.isEmpty()) {
            lines.add("removed with their zero branches: " + String.join(", ", removedNodes));
        }
        lowering.forEach(d -> lines.add("lowering " + d));
        notes.forEach(n -> lines.add("note: " + n));
        return lines;
    }

    private static String unit(String type) {
        if (type.contains("Convolution") || type.contains("Deconvolution")) {
            return "filters";
        }
        return type.contains("Dense") || type.contains("Output") || type.contains("LSTM") ? "units" : "channels";
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("PruneReport threshold=%s params %d -> %d (%.1f%%)%n", threshold, paramsBefore, paramsAfter,
                paramsBefore == 0 ? 0.0 : 100.0 * paramsAfter / paramsBefore));
        for (LayerPruneSummary l : layers) {
            sb.append(String.format("  %-20s %-24s out %s/%s", l.name(), l.type(),
                    l.keptOutputs() < 0 ? "?" : String.valueOf(l.keptOutputs()),
                    l.totalOutputs() < 0 ? "?" : String.valueOf(l.totalOutputs())));
            if (!l.removedInputChannels().isEmpty()) {
                sb.append(" removedIn=").append(l.removedInputChannels());
            }
            if (!l.foldedInputChannels().isEmpty()) {
                sb.append(" foldedIntoBias=").append(l.foldedInputChannels());
            }
            if (!l.supported()) {
                sb.append(" STOPPED: ").append(l.unsupportedReason());
            }
            sb.append(System.lineSeparator());
        }
        if (!removedNodes.isEmpty()) {
            sb.append("  removed (depth): ").append(removedNodes).append(System.lineSeparator());
        }
        lowering.forEach(d -> sb.append("  lowering ").append(d).append(System.lineSeparator()));
        notes.forEach(n -> sb.append("  note: ").append(n).append(System.lineSeparator()));
        return sb.toString();
    }
}
