package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.NamedLayer;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration side of {@link AnyNetwork}: a MultiLayerConfiguration or a ComputationGraphConfiguration behind
 * the few edits callers make before a network is rebuilt from it (its layers by name, the structured-sparsity
 * regularizers added or checked), so that they need no per-kind branches. Algorithms that exist for one kind only
 * (residual branches: graphs) read {@link #graph()} / {@link #chain()}.
 */
public final class AnyConfiguration {

    private final MultiLayerConfiguration chain;
    private final ComputationGraphConfiguration graph;

    private AnyConfiguration(MultiLayerConfiguration chain, ComputationGraphConfiguration graph) {
        this.chain = chain;
        this.graph = graph;
    }

    public static AnyConfiguration of(MultiLayerConfiguration conf) {
        return new AnyConfiguration(Objects.requireNonNull(conf, "configuration"), null);
    }

    public static AnyConfiguration of(ComputationGraphConfiguration conf) {
        return new AnyConfiguration(null, Objects.requireNonNull(conf, "configuration"));
    }

    /** A configuration of the given kind read from its JSON. */
    static AnyConfiguration fromJson(String json, boolean graph) {
        return graph ? of(ComputationGraphConfiguration.fromJson(json)) : of(MultiLayerConfiguration.fromJson(json));
    }

    /** A deep copy (through JSON). */
    public AnyConfiguration copy() {
        return fromJson(toJson(), isGraph());
    }

    public boolean isGraph() {
        return graph != null;
    }

    /** The MultiLayerConfiguration, or null for a graph. */
    public MultiLayerConfiguration chain() {
        return chain;
    }

    /** The ComputationGraphConfiguration, or null for a MultiLayerConfiguration. */
    public ComputationGraphConfiguration graph() {
        return graph;
    }

    public String toJson() {
        return chain != null ? chain.toJson() : graph.toJson();
    }

    /** The layer configurations with their names and indices (live: editing a layer edits this configuration). */
    public List<NamedLayer> layers() {
        return chain != null ? NamedLayer.of(chain) : NamedLayer.of(graph);
    }

    /** {@link StructuredSparsity#applyTo} for this kind: adds the regularizers in place; returns them by layer name. */
    public Map<String, List<Regularization>> apply(StructuredSparsity sparsity) {
        return chain != null ? sparsity.applyTo(chain) : sparsity.applyTo(graph);
    }

    /** {@link StructuredSparsity#validate} for this kind: throws naming the layer when a regularizer is misused. */
    public void validateRegularizers() {
        if (chain != null) {
            StructuredSparsity.validate(chain);
        } else {
            StructuredSparsity.validate(graph);
        }
    }

    /** Sets DL4J's iteration and epoch counters stored in the configuration (they drive schedules). */
    void setCounts(int iteration, int epoch) {
        if (chain != null) {
            chain.setIterationCount(iteration);
            chain.setEpochCount(epoch);
        } else {
            graph.setIterationCount(iteration);
            graph.setEpochCount(epoch);
        }
    }
}
