package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts structured-sparsity regularizers on a built DL4J configuration, each bound to its own layer's weight shape —
 * the one clean way to use {@link GroupLasso} on every eligible layer or on named ones.
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()...setInputType(...).build();
 * StructuredSparsity.builder().filters(1e-3).channels(1e-3).build().applyTo(conf);
 * MultiLayerNetwork net = new MultiLayerNetwork(conf);
 * }</pre>
 *
 * Eligibility when no layers are named: FILTER on convolutions and hidden dense layers (never the output layer, whose
 * outputs are the classes); CHANNEL on convolutions with more than one input channel (a one-channel convolution's
 * only channel group is the whole layer), dense and output layers; SHAPE on convolutions; DEPTH on the layers named
 * with {@link Builder#depthLayers} and, with {@link Builder#depthOnResidualBranches}, on the end layer of every residual
 * branch {@link ResidualBranches} finds in a graph; binary push on every convolution, dense and output layer. Naming
 * layers with {@link Builder#layers} restricts to them, and a kind that does not fit a named layer is an error. Layers
 * with weights this class cannot group (e.g. Deconvolution2D, DepthwiseConvolution2D) are skipped with a warning
 * naming them ({@link #unsupportedLayers}); naming one is an error.
 *
 * <p><b>Strength per group size</b> ({@link Builder#normalizeBySize}): each layer's strength of a kind is multiplied
 * by {@link #sizeScale} {@code = sqrt(|g|)}, the number of weights of one group (Yuan &amp; Lin's group lasso). A
 * group's norm grows like {@code σ·sqrt(|g|)}, so with this rule every group shrinks at the same rate relative to its
 * own size, {@code λ/σ}: small groups (a 5x5 conv1 filter of 25 weights) are no longer emptied before large ones.
 *
 * <p>{@link #applyTo} refuses a configuration that already carries a Group Lasso of the same kind on a layer
 * (applying twice would double λ).
 *
 * <p>{@link #validate} checks a configuration for the misuse DL4J's global builder invites: an unbound Group Lasso, an
 * instance shared by several layers, or one added twice to a layer.
 */
public final class StructuredSparsity {

    private static final Logger log = LoggerFactory.getLogger(StructuredSparsity.class);

    private final Map<GroupKind, ISchedule> strengths;
    private final ISchedule binaryPush;
    private final double binaryPushFullScale;
    private final Set<String> layers;
    private final Set<String> depthLayers;
    private final double epsilon;
    private final ISchedule residualDepth;
    private final boolean normalizeBySize;
    private final Set<String> excluded;
    private final Map<String, Double> layerScales;

    private StructuredSparsity(Builder b) {
        this.strengths = Collections.unmodifiableMap(new EnumMap<>(b.strengths));
        this.binaryPush = b.binaryPush;
        this.binaryPushFullScale = b.binaryPushFullScale;
        this.layers = Collections.unmodifiableSet(new LinkedHashSet<>(b.layers));
        this.depthLayers = Collections.unmodifiableSet(new LinkedHashSet<>(b.depthLayers));
        this.epsilon = b.epsilon;
        this.residualDepth = b.residualDepth;
        this.normalizeBySize = b.normalizeBySize;
        this.excluded = Collections.unmodifiableSet(new LinkedHashSet<>(b.excluded));
        this.layerScales = Map.copyOf(b.layerScales);
    }

    /**
     * The strength multiplier of {@link Builder#normalizeBySize} for one layer and kind: {@code sqrt(|g|)}, the square
     * root of the number of weights in one group of that kind.
     */
    public static double sizeScale(WeightLayout layout, GroupKind kind) {
        return Math.sqrt(layout.groupSize(kind));
    }

    /**
     * Layers that have weights but whose weights this class cannot group (any {@link BaseLayer} other than batch
     * normalization that {@link WeightLayout#isSupported} rejects), as {@code 'name' (index i, Type)}.
     */
    public static List<String> unsupportedLayers(MultiLayerConfiguration conf) {
        return unsupported(NamedLayer.of(conf));
    }

    /** As {@link #unsupportedLayers(MultiLayerConfiguration)}, for a graph. */
    public static List<String> unsupportedLayers(ComputationGraphConfiguration conf) {
        return unsupported(NamedLayer.of(conf));
    }

    private static List<String> unsupported(List<NamedLayer> all) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer l = all.get(i).layer();
            if (l instanceof BaseLayer && !(l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) && !WeightLayout.isSupported(l)) {
                out.add("'" + all.get(i).name() + "' (index " + i + ", " + l.getClass().getSimpleName() + ")");
            }
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds the regularizers to the layers of a built configuration (in place) and validates the result.
     *
     * @return the regularizers added, by layer name
     */
    public Map<String, List<Regularization>> applyTo(MultiLayerConfiguration conf) {
        if (residualDepth != null) {
            log.warn("StructuredSparsity: depthOnResidualBranches has no effect on a MultiLayerNetwork (no residual branches)");
        }
        Map<String, List<Regularization>> added = applyTo(NamedLayer.of(conf), Set.of());
        validate(conf);
        return added;
    }

    /** As {@link #applyTo(MultiLayerConfiguration)}, for a graph. */
    public Map<String, List<Regularization>> applyTo(ComputationGraphConfiguration conf) {
        Set<String> residualEnds = new LinkedHashSet<>();
        if (residualDepth != null) {
            ResidualBranches.of(conf).forEach(b -> residualEnds.add(b.endLayer()));
            if (residualEnds.isEmpty()) {
                log.warn("StructuredSparsity: depthOnResidualBranches found no residual branch (Add vertex with a branch of >= 2 weight layers)");
            }
        }
        Map<String, List<Regularization>> added = applyTo(NamedLayer.of(conf), residualEnds);
        validate(conf);
        return added;
    }

    private Map<String, List<Regularization>> applyTo(List<NamedLayer> all, Set<String> residualEnds) {
        Set<String> known = new LinkedHashSet<>();
        for (NamedLayer n : all) {
            known.add(n.name());
        }
        for (String name : union(layers, depthLayers)) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("StructuredSparsity: no layer named '" + name + "' in the configuration; layers are " + known);
            }
        }
        if (layers.isEmpty()) {
            List<String> skipped = unsupported(all);
            if (!skipped.isEmpty()) {
                log.warn("StructuredSparsity: layers with weights it cannot group were skipped (no regularizer added): {}", skipped);
            }
        }
        Map<String, List<Regularization>> planned = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            NamedLayer n = all.get(i);
            List<Regularization> regs = regularizersFor(n, residualEnds.contains(n.name()));
            if (regs.isEmpty()) {
                continue;
            }
            refuseSecondApplication(n, i, regs);
            planned.put(n.name(), regs);
        }
        Map<String, List<Regularization>> added = new LinkedHashMap<>();
        for (NamedLayer n : all) {
            List<Regularization> regs = planned.get(n.name());
            if (regs == null) {
                continue;
            }
            BaseLayer layer = (BaseLayer) n.layer();
            List<Regularization> list = new ArrayList<>(layer.getRegularization() == null ? List.of() : layer.getRegularization());
            list.addAll(regs);
            layer.setRegularization(list);
            added.put(n.name(), regs);
            log.debug("Layer '{}': added {}", n.name(), regs);
        }
        if (added.isEmpty()) {
            log.warn("StructuredSparsity: no layer of the configuration received a regularizer");
        }
        return added;
    }

    /** A second Group Lasso of a kind, or a second binary push, on one layer would double λ: refused before anything is added. */
    private static void refuseSecondApplication(NamedLayer n, int index, List<Regularization> regs) {
        List<Regularization> existing = ((BaseLayer) n.layer()).getRegularization();
        if (existing == null) {
            return;
        }
        for (Regularization r : regs) {
            for (Regularization e : existing) {
                boolean same = r instanceof GroupLasso && e instanceof GroupLasso && ((GroupLasso) r).getKind() == ((GroupLasso) e).getKind()
                        || r instanceof BinaryPush && e instanceof BinaryPush;
                if (same) {
                    throw new IllegalStateException("Layer '" + n.name() + "' (index " + index + ") already has " + e
                            + "; adding " + r + " would double its strength (applyTo called twice on one configuration?). "
                            + "Nothing was added; apply StructuredSparsity once per configuration.");
                }
            }
        }
    }

    private List<Regularization> regularizersFor(NamedLayer n, boolean residualEnd) {
        boolean named = layers.contains(n.name());
        boolean selected = (layers.isEmpty() || named) && !excluded.contains(n.name());
        List<Regularization> out = new ArrayList<>();
        if (!WeightLayout.isSupported(n.layer())) {
            if (named || depthLayers.contains(n.name())) {
                throw new UnsupportedLayerException(n.name(), n.layer());
            }
            return out;
        }
        WeightLayout layout = WeightLayout.of(n.name(), n.index(), n.layer());
        boolean isOutput = n.layer() instanceof OutputLayer;
        for (Map.Entry<GroupKind, ISchedule> e : strengths.entrySet()) {
            GroupKind kind = e.getKey();
            boolean eligible;
            if (kind == GroupKind.DEPTH) {
                eligible = depthLayers.contains(n.name());
            } else if (!selected) {
                eligible = false;
            } else if (named) {
                layout.requireSupports(kind);
                eligible = true;
            } else {
                eligible = layout.supports(kind) && !(kind == GroupKind.FILTER && isOutput)
                        && !(kind == GroupKind.CHANNEL && layout.getType() == WeightLayout.Type.CONVOLUTION && layout.getNIn() == 1);
            }
            if (eligible) {
                out.add(new GroupLasso(kind, strengthFor(e.getValue(), layout, kind), layout, epsilon));
            }
        }
        if (residualEnd && !depthLayers.contains(n.name())) {
            out.add(new GroupLasso(GroupKind.DEPTH, strengthFor(residualDepth, layout, GroupKind.DEPTH), layout, epsilon));
        }
        if (binaryPush != null && selected) {
            out.add(new BinaryPush(binaryPush.clone(), binaryPushFullScale));
        }
        return out;
    }

    private ISchedule strengthFor(ISchedule base, WeightLayout layout, GroupKind kind) {
        Double layerScale = layerScales.get(layout.getLayerName());
        if (!normalizeBySize && layerScale == null) {
            return base.clone();
        }
        double factor = (normalizeBySize ? sizeScale(layout, kind) : 1.0) * (layerScale == null ? 1.0 : layerScale);
        if (base instanceof ScalableSchedule) {
            return ((ScalableSchedule) base).scaledBy(factor);
        }
        if (!(base instanceof FixedSchedule)) {
            throw new IllegalStateException("StructuredSparsity: normalizeBySize scales fixed strengths and ScalableSchedules only, got "
                    + base + " for " + kind + " on layer '" + layout.getLayerName() + "'");
        }
        return new FixedSchedule(base.valueAt(0, 0) * factor);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new LinkedHashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** Checks every layer's regularizers; throws {@link IllegalStateException} naming the layer on misuse. */
    public static void validate(MultiLayerConfiguration conf) {
        validate(NamedLayer.of(conf));
    }

    /** As {@link #validate(MultiLayerConfiguration)}, for a graph. */
    public static void validate(ComputationGraphConfiguration conf) {
        validate(NamedLayer.of(conf));
    }

    private static void validate(List<NamedLayer> all) {
        Map<Regularization, String> owner = new IdentityHashMap<>();
        for (NamedLayer n : all) {
            if (!(n.layer() instanceof BaseLayer) || ((BaseLayer) n.layer()).getRegularization() == null) {
                continue;
            }
            Set<Regularization> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Regularization r : ((BaseLayer) n.layer()).getRegularization()) {
                if (!(r instanceof GroupLasso || r instanceof BinaryPush)) {
                    continue;
                }
                if (!seen.add(r)) {
                    throw new IllegalStateException("Layer '" + n.name() + "': " + r + " is added twice to the same layer, as DL4J's global "
                            + "NeuralNetConfiguration.Builder.regularization(...) does; use StructuredSparsity.applyTo(conf) instead");
                }
                String other = owner.put(r, n.name());
                if (other != null && r instanceof GroupLasso) {
                    throw new IllegalStateException("Layer '" + n.name() + "': " + r + " is the same instance as on layer '" + other
                            + "' (set on DL4J's global builder?); each layer needs its own, bound to its weight shape: use StructuredSparsity.applyTo(conf)");
                }
                if (r instanceof GroupLasso) {
                    GroupLasso g = (GroupLasso) r;
                    if (!g.isBound()) {
                        throw new IllegalStateException("Layer '" + n.name() + "': " + g + " is not bound to the layer's weight shape "
                                + "(set on DL4J's global builder?); use StructuredSparsity.applyTo(conf) or GroupLasso.bind(WeightLayout.of(...))");
                    }
                    WeightLayout expected = WeightLayout.of(n.name(), n.index(), n.layer());
                    if (!n.name().equals(g.getLayout().getLayerName())) {
                        throw new IllegalStateException(capitalise(expected.describeLayer()) + ", parameter W: " + g + " is bound to "
                                + g.getLayout().describeLayer() + ", another layer (a bound instance put on DL4J's global builder?); "
                                + "it would penalise this layer with that layer's groups. Use StructuredSparsity.applyTo(conf)");
                    }
                    if (!sameShape(expected, g.getLayout())) {
                        throw new IllegalStateException("Layer '" + n.name() + "': " + g + " is bound to " + g.getLayout().describeShape()
                                + " but the layer's weight is " + expected.describeShape());
                    }
                }
            }
        }
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static boolean sameShape(WeightLayout a, WeightLayout b) {
        return a.getType() == b.getType() && a.getNOut() == b.getNOut() && a.getNIn() == b.getNIn()
                && a.getKernelH() == b.getKernelH() && a.getKernelW() == b.getKernelW();
    }

    /** The Group Lasso strengths configured, by kind. */
    public Map<GroupKind, ISchedule> getStrengths() {
        return strengths;
    }

    /** Builder of {@link StructuredSparsity}; strengths are λ ≥ 0, fixed or scheduled. */
    public static final class Builder {
        private final Map<GroupKind, ISchedule> strengths = new EnumMap<>(GroupKind.class);
        private ISchedule binaryPush;
        private double binaryPushFullScale;
        private final Set<String> layers = new LinkedHashSet<>();
        private final Set<String> depthLayers = new LinkedHashSet<>();
        private double epsilon = GroupLasso.DEFAULT_EPSILON;
        private ISchedule residualDepth;
        private boolean normalizeBySize;
        private final Set<String> excluded = new LinkedHashSet<>();
        private final Map<String, Double> layerScales = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Per-layer strength multipliers (on top of {@link #normalizeBySize}), e.g. the RMS of each layer's weights so
         * that every group shrinks at the same rate relative to its own norm: {@code λ_g = λ·sqrt(|g|)·rms(W_layer)}.
         */
        public Builder layerScales(Map<String, Double> scales) {
            scales.forEach((k, v) -> {
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("StructuredSparsity: layer scale of '" + k + "' must be finite and > 0, got " + v);
                }
            });
            layerScales.putAll(scales);
            return this;
        }

        /** Keeps FILTER/CHANNEL/SHAPE and binary push off these layers (e.g. convolutions followed by batch norm, whose filters are scale-free). */
        public Builder excludeLayers(java.util.Collection<String> layerNames) {
            excluded.addAll(layerNames);
            return this;
        }

        /**
         * DEPTH Group Lasso on the end layer of every residual branch of a graph ({@link ResidualBranches}); the
         * branch's end batch norms (gamma, beta) are outside DL4J's regularization and must be shrunk and zeroed with
         * it by the training procedure for the pruner to remove the block.
         */
        public Builder depthOnResidualBranches(double strength) {
            return depthOnResidualBranches(new FixedSchedule(Strengths.check("GroupLasso(DEPTH)", null, strength)));
        }

        public Builder depthOnResidualBranches(ISchedule strength) {
            this.residualDepth = java.util.Objects.requireNonNull(strength, "strength");
            return this;
        }

        /** Multiply each layer's strengths by {@link StructuredSparsity#sizeScale} = sqrt(group size) (fixed or {@link ScalableSchedule} strengths). */
        public Builder normalizeBySize() {
            this.normalizeBySize = true;
            return this;
        }

        public Builder groupLasso(GroupKind kind, double strength) {
            return groupLasso(kind, new FixedSchedule(Strengths.check("GroupLasso(" + kind + ")", null, strength)));
        }

        public Builder groupLasso(GroupKind kind, ISchedule strength) {
            strengths.put(kind, strength);
            return this;
        }

        public Builder filters(double strength) { return groupLasso(GroupKind.FILTER, strength); }
        public Builder filters(ISchedule strength) { return groupLasso(GroupKind.FILTER, strength); }
        public Builder channels(double strength) { return groupLasso(GroupKind.CHANNEL, strength); }
        public Builder channels(ISchedule strength) { return groupLasso(GroupKind.CHANNEL, strength); }
        public Builder shapes(double strength) { return groupLasso(GroupKind.SHAPE, strength); }
        public Builder shapes(ISchedule strength) { return groupLasso(GroupKind.SHAPE, strength); }

        /** Whole-layer Group Lasso (DEPTH) on the named layers, e.g. the convolutions of residual branches. */
        public Builder depth(double strength, String... layerNames) {
            groupLasso(GroupKind.DEPTH, strength);
            Collections.addAll(depthLayers, layerNames);
            return this;
        }

        /** Same as {@link #depth(double, String...)} with a scheduled strength. */
        public Builder depth(ISchedule strength, String... layerNames) {
            groupLasso(GroupKind.DEPTH, strength);
            Collections.addAll(depthLayers, layerNames);
            return this;
        }

        /** Names further layers for the DEPTH group. */
        public Builder depthLayers(String... layerNames) {
            Collections.addAll(depthLayers, layerNames);
            return this;
        }

        /** Adds {@link BinaryPush} (normalized by each layer's max|w|). */
        public Builder binaryPush(double strength) {
            return binaryPush(new FixedSchedule(Strengths.check("BinaryPush", null, strength)));
        }

        public Builder binaryPush(ISchedule strength) {
            this.binaryPush = strength;
            return this;
        }

        /** Binary push normalized by a fixed full-scale weight instead of the layer max. */
        public Builder binaryPushFullScale(double c) {
            BinaryPush.of(0).withFullScale(c);
            this.binaryPushFullScale = c;
            return this;
        }

        /** Restricts FILTER/CHANNEL/SHAPE and binary push to these layers (default: every eligible layer). */
        public Builder layers(String... layerNames) {
            Collections.addAll(layers, layerNames);
            return this;
        }

        /** Smoothing ε of the Group Lasso norm. */
        public Builder epsilon(double epsilon) {
            GroupLasso.of(GroupKind.FILTER, 0).withEpsilon(epsilon);
            this.epsilon = epsilon;
            return this;
        }

        public StructuredSparsity build() {
            if (strengths.isEmpty() && binaryPush == null && residualDepth == null) {
                throw new IllegalStateException("StructuredSparsity: configure at least one Group Lasso kind or binary push");
            }
            if (strengths.containsKey(GroupKind.DEPTH) && depthLayers.isEmpty()) {
                throw new IllegalStateException("StructuredSparsity: DEPTH Group Lasso needs the layers it applies to (depth(strength, names...))");
            }
            return new StructuredSparsity(this);
        }
    }
}
