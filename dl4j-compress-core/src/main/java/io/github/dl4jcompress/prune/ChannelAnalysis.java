package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
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
    private record Read(NodeDecision reader, int slot, int channel, boolean zeroWeight) {
    }

    private final PruneGraph graph;
    private final Map<String, Map<String, DenseTensor>> params;
    private final double threshold;
    private final ChannelSlots slots = new ChannelSlots();
    private final Map<String, Integer> tensorBase = new HashMap<>();
    private final Map<String, Integer> tensorSize = new HashMap<>();
    private final List<Read> reads = new ArrayList<>();
    private final PrunePlan plan = new PrunePlan();

    ChannelAnalysis(PruneGraph graph, Map<String, Map<String, DenseTensor>> params, double threshold) {
        this.graph = graph;
        this.params = params;
        this.threshold = threshold;
    }

    PrunePlan run() {
        for (PruneNode node : graph.topologicalOrder) {
            NodeDecision d = new NodeDecision(node);
            plan.decisions.put(node.id, d);
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
        return plan;
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
            NodeDecision d = plan.decisions.get(node.id);
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

    private void unsupported(NodeDecision d, String reason) {
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

    private void analyseLayer(NodeDecision d) {
        PruneNode node = d.node;
        Layer layer = node.layer;
        LayerRule rule = LayerRules.forLayer(layer);
        Map<String, DenseTensor> p = paramsOf(node);
        if (rule == null && LayerRules.isTerminal(layer) && p.isEmpty()) {
            node.inputs.forEach(this::pinTensor); // a loss / detection output reads the network output as is
            return;
        }
        if (rule == null) {
            unsupported(d, "layer type " + layer.getClass().getSimpleName() + " is not supported");
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
    private int inputUnits(NodeDecision d, WeightedLayerRule rule, int channels) {
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

    private boolean axesConsistent(NodeDecision d, Map<String, DenseTensor> p, int inChannels, int outputs) {
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

    private void analyseWeighted(NodeDecision d, WeightedLayerRule rule, String in, Map<String, DenseTensor> p) {
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
                plan.notes.add(d.node.displayName + ": input edge (" + d.node.preProcessor + ") not understood, input kept whole");
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

    private void analyseChannelwise(NodeDecision d, ChannelwiseLayerRule rule, String in, Map<String, DenseTensor> p) {
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

    private void analyseVertex(NodeDecision d) {
        PruneNode node = d.node;
        boolean allKnown = !node.inputs.isEmpty() && node.inputs.stream().allMatch(this::known);
        if (node.vertex instanceof MergeVertex && ((MergeVertex) node.vertex).getMergeAxis() == 1 && allKnown) {
            int total = node.inputs.stream().mapToInt(tensorSize::get).sum();
            int base = addTensor(node.id, total);
            int offset = 0;
            for (String in : node.inputs) {
                int inBase = tensorBase.get(in);
                int n = tensorSize.get(in);
                for (int c = 0; c < n; c++) {
                    slots.setValue(base + offset + c, slots.value(inBase + c));
                    slots.union(inBase + c, base + offset + c);
                }
                offset += n;
            }
            d.outputs = total;
            return;
        }
        if (node.vertex instanceof ElementWiseVertex && allKnown
                && node.inputs.stream().mapToInt(tensorSize::get).distinct().count() == 1) {
            ElementWiseVertex.Op op = ((ElementWiseVertex) node.vertex).getOp();
            int n = tensorSize.get(node.inputs.get(0));
            int base = addTensor(node.id, n);
            for (int c = 0; c < n; c++) {
                double[] in = new double[node.inputs.size()];
                for (int k = 0; k < in.length; k++) {
                    int s = tensorBase.get(node.inputs.get(k)) + c;
                    in[k] = slots.value(s);
                    slots.union(s, base + c);
                }
                slots.setValue(base + c, combine(op, in));
            }
            d.outputs = n;
            return;
        }
        if ((node.vertex instanceof ScaleVertex || node.vertex instanceof ShiftVertex) && allKnown && node.inputs.size() == 1) {
            // element-wise, channel-preserving: channel c of the output is a function of channel c of the input
            String in = node.inputs.get(0);
            int n = tensorSize.get(in);
            int inBase = tensorBase.get(in);
            int base = addTensor(node.id, n);
            for (int c = 0; c < n; c++) {
                double v = slots.value(inBase + c);
                slots.setValue(base + c, node.vertex instanceof ScaleVertex
                        ? v * ((ScaleVertex) node.vertex).getScaleFactor()
                        : v + ((ShiftVertex) node.vertex).getShiftFactor());
                slots.union(inBase + c, base + c);
            }
            d.outputs = n;
            return;
        }
        unsupported(d, "vertex " + node.vertex.getClass().getSimpleName() + " is not supported here");
    }

    /** Constant output of an element-wise vertex given constant inputs (NaN = varies). */
    static double combine(ElementWiseVertex.Op op, double[] in) {
        switch (op) {
            case Add:
            case Average: {
                double s = 0;
                for (double v : in) {
                    s += v;
                }
                return op == ElementWiseVertex.Op.Add ? s : s / in.length;
            }
            case Subtract:
                return in.length == 2 ? in[0] - in[1] : Double.NaN;
            case Product: {
                double p = 1;
                for (double v : in) {
                    if (v == 0.0) {
                        return 0.0;
                    }
                    p *= v;
                }
                return p;
            }
            case Max: {
                double m = Double.NEGATIVE_INFINITY;
                for (double v : in) {
                    m = Math.max(m, v);
                }
                return m;
            }
            default:
                return Double.NaN;
        }
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
        Map<NodeDecision, Integer> unfoldable = new java.util.LinkedHashMap<>();
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
        unfoldable.forEach((reader, n) -> plan.notes.add(reader.node.displayName + ": " + n
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
                plan.notes.add(node.displayName + ": every channel was removable, channel 0 kept");
            }
        }
        for (NodeDecision d : plan.decisions.values()) {
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
        Map<NodeDecision, double[]> constants = new HashMap<>();
        for (Read r : reads) {
            double v = slots.value(r.slot());
            if (removable[slots.find(r.slot())] && r.reader().foldable && !Double.isNaN(v) && v != 0.0) {
                constants.computeIfAbsent(r.reader(), k -> new double[k.inputChannels])[r.channel()] = v;
                r.reader().foldedInputs.add(r.channel());
            }
        }
        for (Map.Entry<NodeDecision, double[]> e : constants.entrySet()) {
            NodeDecision d = e.getKey();
            WeightedLayerRule rule = (WeightedLayerRule) d.rule;
            d.biasDelta = rule.foldDelta(d.node.layer, paramsOf(d.node), d.inputUnits, e.getValue());
        }
    }

    private int[] kept(boolean[] removable, int base, int n) {
        return java.util.stream.IntStream.range(0, n).filter(c -> !removable[slots.find(base + c)]).toArray();
    }
}
