package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The single dependency analysis behind pruning, run on the architecture-neutral {@link PruneGraph}.
 *
 * <p>Every channel of every analysed tensor is a slot. Channel-wise layers, element-wise vertices and
 * merge vertices join their input and output slots into channel groups (union-find). Each slot carries
 * the constant it holds for every input ({@code act(bias)} of a zero-weight filter, propagated through
 * batch norm / activations / pooling), or NaN when it varies. Weighted layers read slots.
 *
 * <p>A group is removed iff: no slot is pinned (network input/output, unsupported neighbour), and every
 * read of one of its slots is harmless: the reader's weights for that channel are zero, or the slot is
 * the constant 0, or it is a constant the reader can fold into its bias. At least one channel of every
 * tensor is kept.
 */
final class ChannelAnalysis {

    private static final Logger log = LoggerFactory.getLogger(ChannelAnalysis.class);

    /** A weighted layer reading channel {@code channel} (slot {@code slot}) of its input tensor. */
    private record Read(Work reader, int slot, int channel, boolean zeroWeight) {
    }

    private final PruneGraph graph;
    private final Map<String, Map<String, DenseTensor>> params;
    private final double threshold;
    private final ChannelSlots slots = new ChannelSlots();
    private final Map<String, Integer> tensorBase = new HashMap<>();
    private final Map<String, Integer> tensorSize = new HashMap<>();
    private final List<Read> reads = new ArrayList<>();
    /** The analysis's working state per node, in topological order; frozen into {@link NodeDecision}s at the end. */
    private final Map<String, Work> work = new java.util.LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    /** Mutable per-node state while the analysis runs. */
    private static final class Work {
        final PruneNode node;
        LayerRule rule;
        int inputChannels = -1;
        int outputs = -1;
        int inputUnits = 1;
        int inputBase = -1;
        int outputBase = -1;
        boolean foldable;
        int[] keptInputs;
        int[] keptOutputs;
        double[] biasDelta;
        final List<Integer> foldedInputs = new ArrayList<>();
        String unsupportedReason;

        Work(PruneNode node) {
            this.node = node;
        }

        NodeDecision freeze() {
            return new NodeDecision(node, rule, inputChannels, outputs, inputUnits, keptInputs, keptOutputs, biasDelta,
                    foldedInputs, unsupportedReason);
        }
    }

    ChannelAnalysis(PruneGraph graph, Map<String, Map<String, DenseTensor>> params, double threshold) {
        this.graph = graph;
        this.params = params;
        this.threshold = threshold;
    }

    PrunePlan run() {
        for (PruneNode node : graph.topologicalOrder) {
            Work d = new Work(node);
            work.put(node.id, d);
            switch (node.kind) {
                case LAYER:
                    analyseLayer(d);
                    break;
                case VERTEX:
                    analyseVertex(d);
                    break;
                default:
                    break; // network inputs are opaque: their channels are never removed
            }
        }
        for (String out : graph.networkOutputs) {
            pinTensor(out);
        }
        decide();
        Map<String, NodeDecision> decisions = new java.util.LinkedHashMap<>();
        work.forEach((id, w) -> decisions.put(id, w.freeze()));
        return new PrunePlan(decisions, notes, DepthPlan.NONE);
    }

    /**
     * True if, after {@link #run()}, every channel of the node's output tensor is the constant 0 for
     * every input (for instance a branch ending in zero-weight, zero-bias filters).
     */
    boolean constantZero(String tensor) {
        return allChannels(tensor, v -> v == 0.0);
    }

    /**
     * After {@link #run()}: the output channels of weighted layers grouped by the channel group they
     * belong to, with whether the group may be removed at all (no slot pinned).
     */
    List<ChannelGroup> producerGroups() {
        boolean[] pinnedRoot = new boolean[slots.size()];
        for (int s = 0; s < slots.size(); s++) {
            if (slots.isPinned(s)) {
                pinnedRoot[slots.find(s)] = true;
            }
        }
        Map<Integer, List<FilterRef>> byRoot = new java.util.LinkedHashMap<>();
        for (PruneNode node : graph.topologicalOrder) {
            Work d = work.get(node.id);
            if (d == null || d.rule == null || d.rule.role() != LayerRule.Role.WEIGHTED || d.outputBase < 0) {
                continue;
            }
            for (int o = 0; o < d.outputs; o++) {
                byRoot.computeIfAbsent(slots.find(d.outputBase + o), k -> new ArrayList<>()).add(new FilterRef(node.id, o));
            }
        }
        List<ChannelGroup> groups = new ArrayList<>();
        byRoot.forEach((root, filters) -> groups.add(new ChannelGroup(filters, !pinnedRoot[root])));
        return groups;
    }

    /** True if every channel of the tensor is a known constant (NaN-free). */
    boolean constant(String tensor) {
        return allChannels(tensor, v -> !Double.isNaN(v));
    }

    private boolean allChannels(String tensor, java.util.function.DoublePredicate test) {
        if (!known(tensor) || tensorSize.get(tensor) == 0) {
            return false;
        }
        int base = tensorBase.get(tensor);
        for (int c = 0; c < tensorSize.get(tensor); c++) {
            if (!test.test(slots.value(base + c))) {
                return false;
            }
        }
        return true;
    }

    private Map<String, DenseTensor> paramsOf(PruneNode node) {
        return params.getOrDefault(node.id, Map.of());
    }

    private boolean known(String tensor) {
        return tensor != null && tensorBase.containsKey(tensor);
    }

    private void pinTensor(String tensor) {
        if (known(tensor)) {
            int base = tensorBase.get(tensor);
            for (int c = 0; c < tensorSize.get(tensor); c++) {
                slots.pin(base + c);
            }
        }
    }

    private void unsupported(Work d, String reason) {
        d.unsupportedReason = reason;
        d.rule = null;
        d.node.inputs.forEach(this::pinTensor);
        log.debug("Pruning stops at {}: {}", d.node, reason);   // at INFO in the report summary
    }

    private int addTensor(String id, int count) {
        int base = slots.addRange(count);
        tensorBase.put(id, base);
        tensorSize.put(id, count);
        return base;
    }

    private void analyseLayer(Work d) {
        PruneNode node = d.node;
        Layer layer = node.layer;
        LayerRule rule = LayerRegistry.rule(layer);
        Map<String, DenseTensor> p = paramsOf(node);
        if (rule == null && LayerRegistry.isTerminal(layer) && p.isEmpty()) {
            node.inputs.forEach(this::pinTensor); // a loss / detection output reads the network output as is
            return;
        }
        if (rule == null) {
            unsupported(d, "layer type " + layer.getClass().getSimpleName() + " is not supported");
            return;
        }
        String whyNot = rule.unsupportedReason(layer);
        if (whyNot != null) {
            unsupported(d, whyNot);
            return;
        }
        if (!rule.knownParams(layer).containsAll(p.keySet())) {
            unsupported(d, "unexpected parameters " + p.keySet());
            return;
        }
        if (node.inputs.size() != 1) {
            unsupported(d, "layer with " + node.inputs.size() + " inputs");
            return;
        }
        d.rule = rule;
        String in = node.inputs.get(0);
        if (rule.role() == LayerRule.Role.WEIGHTED) {
            analyseWeighted(d, (WeightedLayerRule) rule, in, p);
        } else {
            analyseChannelwise(d, (ChannelwiseLayerRule) rule, in, p);
        }
    }

    /** Entries per input channel, or -1 if the input edge is not understood. */
    private int inputUnits(Work d, WeightedLayerRule rule, int channels) {
        long declared = rule.declaredInputs(d.node.layer);
        if (d.node.preProcessor == null) {
            return declared == channels ? 1 : -1;
        }
        if (rule.acceptsFlattenedInput() && d.node.preProcessor instanceof CnnToFeedForwardPreProcessor) {
            CnnToFeedForwardPreProcessor flat = (CnnToFeedForwardPreProcessor) d.node.preProcessor;
            long hw = flat.getInputHeight() * flat.getInputWidth();
            boolean nchw = flat.getFormat() == null || flat.getFormat() == CNN2DFormat.NCHW;
            boolean consistent = declared % channels == 0 && (hw == 0 || hw * channels == declared)
                    && (flat.getNumChannels() == 0 || flat.getNumChannels() == channels);
            if (nchw && consistent) {
                return (int) (declared / channels);
            }
        }
        return -1;
    }

    private boolean axesConsistent(Work d, Map<String, DenseTensor> p, int inChannels, int outputs) {
        for (ParamAxis axis : d.rule.axes(d.node.layer, d.inputUnits)) {
            DenseTensor t = p.get(axis.key());
            if (t == null) {
                continue;
            }
            int channels = axis.side() == ParamAxis.Side.OUTPUT ? outputs : inChannels;
            if (channels >= 0 && t.size(axis.axis()) != (long) channels * axis.units()) {
                return false;
            }
        }
        return true;
    }

    private void analyseWeighted(Work d, WeightedLayerRule rule, String in, Map<String, DenseTensor> p) {
        Layer layer = d.node.layer;
        int nOut = rule.outputs(layer);
        int units = known(in) ? inputUnits(d, rule, tensorSize.get(in)) : -1;
        int channels = units > 0 ? tensorSize.get(in) : -1;
        d.inputUnits = Math.max(units, 1);
        if (!axesConsistent(d, p, channels, nOut)) {
            unsupported(d, "parameter shapes do not match the configuration");
            return;
        }
        d.foldable = rule.canFold(layer, p);
        if (units > 0) {
            d.inputChannels = channels;
            d.inputBase = tensorBase.get(in);
            boolean[] zeroIn = rule.zeroInputs(layer, p, channels, units, threshold);
            for (int c = 0; c < channels; c++) {
                reads.add(new Read(d, d.inputBase + c, c, zeroIn[c]));
            }
        } else {
            pinTensor(in);
            if (known(in)) {
                notes.add(d.node.displayName + ": input edge (" + d.node.preProcessor + ") not understood, input kept whole");
            }
        }
        boolean[] zeroOut = rule.zeroOutputs(layer, p, threshold);
        double[] bias = rule.bias(layer, p);
        d.outputs = nOut;
        d.outputBase = addTensor(d.node.id, nOut);
        for (int o = 0; o < nOut; o++) {
            if (zeroOut[o]) {
                slots.setValue(d.outputBase + o, ActivationValues.apply(rule.activation(layer), bias[o]));
            }
        }
    }

    private void analyseChannelwise(Work d, ChannelwiseLayerRule rule, String in, Map<String, DenseTensor> p) {
        Layer layer = d.node.layer;
        if (!known(in)) {
            d.rule = null; // nothing to slice, output stays opaque
            return;
        }
        int channels = tensorSize.get(in);
        int m = rule.multiplier(layer);
        if (d.node.preProcessor != null) {
            unsupported(d, "preprocessor " + d.node.preProcessor.getClass().getSimpleName() + " before a channel-wise layer");
            return;
        }
        if (layer instanceof FeedForwardLayer && ((FeedForwardLayer) layer).getNIn() > 0
                && ((FeedForwardLayer) layer).getNIn() != channels) {
            unsupported(d, "nIn " + ((FeedForwardLayer) layer).getNIn() + " does not match " + channels + " input channels");
            return;
        }
        if (!axesConsistent(d, p, channels, -1)) {
            unsupported(d, "parameter shapes do not match the configuration");
            return;
        }
        d.inputChannels = channels;
        d.inputBase = tensorBase.get(in);
        d.outputs = channels * m;
        d.outputBase = addTensor(d.node.id, channels * m);
        for (int c = 0; c < channels; c++) {
            double[] v = rule.outputs(layer, p, c, slots.value(d.inputBase + c), threshold);
            for (int j = 0; j < m; j++) {
                int slot = d.outputBase + c * m + j;
                slots.setValue(slot, v[j]);
                slots.union(d.inputBase + c, slot);
            }
        }
    }

    /** Asks the vertex's registry entry how channels flow through it; joins and sets the slots accordingly. */
    private void analyseVertex(Work d) {
        PruneNode node = d.node;
        boolean allKnown = !node.inputs.isEmpty() && node.inputs.stream().allMatch(this::known);
        VertexEntry entry = LayerRegistry.vertexEntry(node.vertex);
        VertexEntry.Channels flow = null;
        if (entry != null && allKnown) {
            List<double[]> values = new ArrayList<>();
            for (String in : node.inputs) {
                int inBase = tensorBase.get(in);
                double[] v = new double[tensorSize.get(in)];
                for (int c = 0; c < v.length; c++) {
                    v[c] = slots.value(inBase + c);
                }
                values.add(v);
            }
            flow = entry.flow(node.vertex, values);
        }
        if (flow == null) {
            unsupported(d, "vertex " + node.vertex.getClass().getSimpleName() + " is not supported here");
            return;
        }
        int n = flow.values().length;
        int base = addTensor(node.id, n);
        for (int o = 0; o < n; o++) {
            int[] sources = flow.sources()[o];
            for (int k = 0; k < sources.length; k += 2) {
                slots.union(tensorBase.get(node.inputs.get(sources[k])) + sources[k + 1], base + o);
            }
            slots.setValue(base + o, flow.values()[o]);
        }
        d.outputs = n;
    }

    private void decide() {
        boolean[] removable = new boolean[slots.size()];
        for (int s = 0; s < slots.size(); s++) {
            removable[slots.find(s)] = true;
        }
        for (int s = 0; s < slots.size(); s++) {
            if (slots.isPinned(s)) {
                removable[slots.find(s)] = false;
            }
        }
        Map<Work, Integer> unfoldable = new java.util.LinkedHashMap<>();
        for (Read r : reads) {
            double v = slots.value(r.slot());
            boolean harmless = r.zeroWeight() || v == 0.0 || (!Double.isNaN(v) && r.reader().foldable);
            if (!harmless) {
                removable[slots.find(r.slot())] = false;
                if (!Double.isNaN(v)) {
                    unfoldable.merge(r.reader(), 1, Integer::sum);
                }
            }
        }
        unfoldable.forEach((reader, n) -> notes.add(reader.node.displayName + ": " + n
                + " input channel(s) are non-zero constants (act(bias) of zero-weight filters) that this layer cannot"
                + " fold into its bias exactly (zero padding or separable weights): kept"));
        for (PruneNode node : graph.topologicalOrder) {
            if (!known(node.id)) {
                continue;
            }
            int base = tensorBase.get(node.id);
            int n = tensorSize.get(node.id);
            boolean all = true;
            for (int c = 0; c < n && all; c++) {
                all = removable[slots.find(base + c)];
            }
            if (all && n > 0) {
                removable[slots.find(base)] = false;
                notes.add(node.displayName + ": every channel was removable, channel 0 kept");
            }
        }
        for (Work d : work.values()) {
            if (d.rule == null) {
                continue;
            }
            if (d.inputChannels >= 0) {
                d.keptInputs = kept(removable, d.inputBase, d.inputChannels);
                if (d.keptInputs.length == d.inputChannels) {
                    d.keptInputs = null;
                }
            }
            if (d.rule.role() == LayerRule.Role.WEIGHTED) {
                d.keptOutputs = kept(removable, d.outputBase, d.outputs);
                if (d.keptOutputs.length == d.outputs) {
                    d.keptOutputs = null;
                }
            }
        }
        foldConstants(removable);
    }

    private void foldConstants(boolean[] removable) {
        Map<Work, double[]> constants = new HashMap<>();
        for (Read r : reads) {
            double v = slots.value(r.slot());
            if (removable[slots.find(r.slot())] && r.reader().foldable && !Double.isNaN(v) && v != 0.0) {
                constants.computeIfAbsent(r.reader(), k -> new double[k.inputChannels])[r.channel()] = v;
                r.reader().foldedInputs.add(r.channel());
            }
        }
        for (Map.Entry<Work, double[]> e : constants.entrySet()) {
            Work d = e.getKey();
            WeightedLayerRule rule = (WeightedLayerRule) d.rule;
            d.biasDelta = rule.foldDelta(d.node.layer, paramsOf(d.node), d.inputUnits, e.getValue());
        }
    }

    private int[] kept(boolean[] removable, int base, int n) {
        return java.util.stream.IntStream.range(0, n).filter(c -> !removable[slots.find(base + c)]).toArray();
    }
}
