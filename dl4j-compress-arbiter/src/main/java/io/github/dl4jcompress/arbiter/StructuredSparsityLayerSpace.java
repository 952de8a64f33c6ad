package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.arbiter.layers.LayerSpace;
import org.deeplearning4j.arbiter.layers.fixed.FixedLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An Arbiter layer space that wraps any other layer space (Arbiter's {@code ConvolutionLayerSpace},
 * {@code DenseLayerSpace}, a {@link FixedLayerSpace}, ...) and adds Group Lasso strengths as parameter spaces, so
 * that they are searched exactly like Arbiter's own {@code l2(...)}: inside a {@code MultiLayerSpace} or a
 * {@code ComputationGraphSpace}. Arbiter discovers the nested spaces by reflection; sharing one space instance
 * between layers shares its sampled value.
 *
 * <p>For a candidate, the wrapped layer gets one {@link GroupLasso}{@code .of(kind, λ_kind)} per selected kind with
 * {@code λ_kind > 0}, appended to its other regularizers. They are <em>templates</em>: a layer's {@code nIn} is only
 * known once the configuration is built, so they are bound to the layer's weight shape afterwards by
 * {@link RegularizerBinding#bind} — which {@link CompressionTaskListener} does for Arbiter before each candidate
 * trains. The templates serialize with the candidate's configuration JSON.
 *
 * <p>A {@link #getZeroThreshold() zero threshold} space searches SSL's zeroing threshold (a listener setting, not part
 * of the layer): the wrapper only makes Arbiter assign it a slot among the candidate's parameters; register the same
 * space instance with {@link CompressionTaskListener} under {@link CompressionTaskListener#ZERO_THRESHOLD}, which
 * reads the sampled value for each candidate's {@code ZeroingListener}.
 */
public class StructuredSparsityLayerSpace<L extends Layer> extends LayerSpace<L> {

    @JsonProperty("layerSpace")
    private LayerSpace<L> layerSpace;
    @JsonProperty("layerName")
    private String layerName;
    @JsonProperty("filters")
    private ParameterSpace<Double> filters;
    @JsonProperty("channels")
    private ParameterSpace<Double> channels;
    @JsonProperty("shapes")
    private ParameterSpace<Double> shapes;
    @JsonProperty("kinds")
    private ParameterSpace<Set<GroupKind>> kinds;
    @JsonProperty("zeroThreshold")
    private ParameterSpace<Double> zeroThreshold;

    /** For Jackson. */
    protected StructuredSparsityLayerSpace() {
    }

    private StructuredSparsityLayerSpace(Builder<L> b) {
        this.layerSpace = b.layerSpace;
        this.layerName = b.layerName;
        this.filters = b.filters;
        this.channels = b.channels;
        this.shapes = b.shapes;
        this.kinds = b.kinds;
        this.zeroThreshold = b.zeroThreshold;
        this.numParameters = LeafUtils.countUniqueParameters(collectLeaves());
    }

    /** Wraps a layer space. */
    public static <L extends Layer> Builder<L> wrap(LayerSpace<L> layerSpace) {
        return new Builder<>(layerSpace);
    }

    /** Wraps a fixed layer (its name, if any, is kept). */
    public static <L extends Layer> Builder<L> wrap(L layer) {
        if (layer == null) {
            throw new IllegalArgumentException("StructuredSparsityLayerSpace: layer must not be null");
        }
        Builder<L> b = new Builder<>(new FixedLayerSpace<>(layer));
        b.layerName = layer.getLayerName();
        return b;
    }

    @Override
    @SuppressWarnings("unchecked")
    public L getValue(double[] parameterValues) {
        L layer = layerSpace.getValue(parameterValues);
        if (layerName != null) {
            layer.setLayerName(layerName);
        }
        if (!(layer instanceof BaseLayer)) {
            throw new IllegalStateException("StructuredSparsityLayerSpace: layer " + describe(layer) + " is a " + layer.getClass().getSimpleName()
                    + ", which has no weights to regularize");
        }
        Set<GroupKind> selected = kinds == null ? EnumSet.allOf(GroupKind.class) : kinds.getValue(parameterValues);
        BaseLayer base = (BaseLayer) layer;
        List<Regularization> regs = new ArrayList<>(base.getRegularization() == null ? List.of() : base.getRegularization());
        add(regs, selected, GroupKind.FILTER, filters, parameterValues, layer);
        add(regs, selected, GroupKind.CHANNEL, channels, parameterValues, layer);
        add(regs, selected, GroupKind.SHAPE, shapes, parameterValues, layer);
        base.setRegularization(regs);
        return layer;
    }

    private void add(List<Regularization> regs, Set<GroupKind> selected, GroupKind kind, ParameterSpace<Double> space, double[] values, Layer layer) {
        if (space == null || !selected.contains(kind)) {
            return;
        }
        double lambda = space.getValue(values);
        if (Double.isNaN(lambda) || Double.isInfinite(lambda) || lambda < 0) {
            throw new IllegalStateException("StructuredSparsityLayerSpace: layer " + describe(layer) + ", " + kind + " strength sampled as " + lambda
                    + "; strengths must be finite and >= 0");
        }
        if (lambda > 0) {
            regs.add(GroupLasso.of(kind, lambda));
        }
    }

    private static String describe(Layer layer) {
        return layer.getLayerName() == null ? "(unnamed)" : "'" + layer.getLayerName() + "'";
    }

    @Override
    public int numParameters() {
        return numParameters;
    }

    public LayerSpace<L> getLayerSpace() { return layerSpace; }
    public String getLayerName() { return layerName; }
    public ParameterSpace<Double> getFilters() { return filters; }
    public ParameterSpace<Double> getChannels() { return channels; }
    public ParameterSpace<Double> getShapes() { return shapes; }
    public ParameterSpace<Set<GroupKind>> getKinds() { return kinds; }
    public ParameterSpace<Double> getZeroThreshold() { return zeroThreshold; }

    @Override
    public String toString() {
        return "StructuredSparsityLayerSpace(" + (layerName == null ? "" : layerName + ": ") + layerSpace + ", filters=" + filters
                + ", channels=" + channels + ", shapes=" + shapes + ", kinds=" + kinds + ")";
    }

    /** Builder: at least one of filters / channels / shapes. */
    public static final class Builder<L extends Layer> {
        private final LayerSpace<L> layerSpace;
        private String layerName;
        private ParameterSpace<Double> filters;
        private ParameterSpace<Double> channels;
        private ParameterSpace<Double> shapes;
        private ParameterSpace<Set<GroupKind>> kinds;
        private ParameterSpace<Double> zeroThreshold;

        private Builder(LayerSpace<L> layerSpace) {
            if (layerSpace == null) {
                throw new IllegalArgumentException("StructuredSparsityLayerSpace: layer space must not be null");
            }
            this.layerSpace = layerSpace;
        }

        /** The layer's name (needed to read per-layer results; Arbiter's own layer spaces have no name). */
        public Builder<L> name(String name) { this.layerName = name; return this; }
        public Builder<L> filters(ParameterSpace<Double> s) { this.filters = s; return this; }
        public Builder<L> filters(double s) { return filters(new FixedValue<>(s)); }
        public Builder<L> channels(ParameterSpace<Double> s) { this.channels = s; return this; }
        public Builder<L> channels(double s) { return channels(new FixedValue<>(s)); }
        public Builder<L> shapes(ParameterSpace<Double> s) { this.shapes = s; return this; }
        public Builder<L> shapes(double s) { return shapes(new FixedValue<>(s)); }

        /** Which of the configured kinds a candidate uses (default: all configured). */
        public Builder<L> kinds(ParameterSpace<Set<GroupKind>> kinds) { this.kinds = kinds; return this; }

        /**
         * SSL's relative zeroing threshold as a searched value (see the class comment): give the same instance to
         * {@link CompressionTaskListener}'s named spaces under {@link CompressionTaskListener#ZERO_THRESHOLD}.
         */
        public Builder<L> zeroThreshold(ParameterSpace<Double> s) { this.zeroThreshold = s; return this; }

        public StructuredSparsityLayerSpace<L> build() {
            if (filters == null && channels == null && shapes == null) {
                throw new IllegalStateException("StructuredSparsityLayerSpace" + (layerName == null ? "" : " for layer '" + layerName + "'")
                        + ": no strength space configured; set filters(...), channels(...) and/or shapes(...)");
            }
            if (kinds instanceof GroupKindsSpace) {
                for (Set<GroupKind> option : ((GroupKindsSpace) kinds).getOptions()) {
                    for (GroupKind k : option) {
                        if ((k == GroupKind.FILTER && filters == null) || (k == GroupKind.CHANNEL && channels == null)
                                || (k == GroupKind.SHAPE && shapes == null) || k == GroupKind.DEPTH) {
                            throw new IllegalStateException("StructuredSparsityLayerSpace" + (layerName == null ? "" : " for layer '" + layerName + "'")
                                    + ": kinds option " + option + " names " + k + " but no " + k + " strength space is configured");
                        }
                    }
                }
            }
            return new StructuredSparsityLayerSpace<>(this);
        }
    }
}
