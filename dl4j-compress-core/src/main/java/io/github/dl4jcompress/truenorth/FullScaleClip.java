package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A DL4J {@link LayerConstraint} that keeps a layer's weights within the TrueNorth full scale {@code c}:
 * <pre>
 *   w ← min(c, max(−c, w))      after every parameter update
 * </pre>
 * so that {@code max|W| ≤ c} and the synapse probability {@code p = |w| / c} stays in [0, 1]. Used together with a
 * {@link io.github.dl4jcompress.regularization.BinaryPush} toward the same fixed full scale: the push drives
 * {@code p} to 0 or 1, this clip stops weights from overshooting {@code c}, so the deployment's own normalization
 * ({@code c = max|W|}, {@link SynapseMapping}) sees the same {@code c} as the penalty once any weight sits at it.
 * Applies to the parameters named in {@link #getParams()} (default {@code "W"}).
 */
public class FullScaleClip implements LayerConstraint {

    private final double fullScale;
    private Set<String> params;

    /** Clips parameter "W" to {@code [−fullScale, fullScale]}; {@code fullScale} finite and {@code > 0}. */
    public FullScaleClip(double fullScale) {
        this(fullScale, Set.of("W"));
    }

    public FullScaleClip(@JsonProperty("fullScale") double fullScale, @JsonProperty("params") Set<String> params) {
        if (!(fullScale > 0) || Double.isInfinite(fullScale)) {
            throw new IllegalArgumentException("FullScaleClip: full scale must be finite and > 0, got " + fullScale);
        }
        this.fullScale = fullScale;
        this.params = new LinkedHashSet<>(params == null || params.isEmpty() ? Set.of("W") : params);
    }

    @JsonProperty("fullScale")
    public double getFullScale() {
        return fullScale;
    }

    @Override
    @JsonProperty("params")
    public Set<String> getParams() {
        return Collections.unmodifiableSet(params);
    }

    @Override
    public void setParams(Set<String> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("FullScaleClip: parameter set must not be empty");
        }
        this.params = new LinkedHashSet<>(params);
    }

    @Override
    public void applyConstraint(Layer layer, int iteration, int epoch) {
        for (String name : params) {
            INDArray p = layer.paramTable().get(name);
            if (p == null) {
                throw new IllegalArgumentException("FullScaleClip: layer '" + layer.conf().getLayer().getLayerName()
                        + "' has no parameter '" + name + "'");
            }
            BooleanIndexing.replaceWhere(p, fullScale, Conditions.greaterThan(fullScale));
            BooleanIndexing.replaceWhere(p, -fullScale, Conditions.lessThan(-fullScale));
        }
    }

    @Override
    public FullScaleClip clone() {
        return new FullScaleClip(fullScale, params);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FullScaleClip && Double.compare(fullScale, ((FullScaleClip) o).fullScale) == 0
                && params.equals(((FullScaleClip) o).params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fullScale, params);
    }

    @Override
    public String toString() {
        return "FullScaleClip{c=" + fullScale + ", params=" + params + "}";
    }
}
