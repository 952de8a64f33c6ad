package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * Everything the project knows about one layer type, in one place: how its weights group (a {@link LayoutReader}, for
 * the regularizers, the cost model and the zeroing; null = the type has no groupable weight) and how it is sliced when
 * channels are removed (a package-private rule for the pruner; null = pruning stops at it and keeps its input and output
 * whole). Registered per class in {@link LayerRegistry}. Built-in entries are obtained with
 * {@link LayerRegistry#entry(Class)}; a user's layer type usually reuses one of them:
 * <pre>{@code
 * LayerRegistry.register(MyDense.class, LayerRegistry.entry(DenseLayer.class));
 * }</pre>
 */
public final class LayerEntry {

    private final LayoutReader layout;
    private final LayerRule rule;
    private final boolean terminal;

    LayerEntry(LayoutReader layout, LayerRule rule, boolean terminal) {
        this.layout = layout;
        this.rule = rule;
        this.terminal = terminal;
    }

    /** A type nothing is known about: no weight groups, pruning stops at it (as for an unregistered type). */
    public static LayerEntry unsupported() {
        return new LayerEntry(null, null, false);
    }

    /** The same slicing rule with another weight-group reader (null: no groups). */
    public LayerEntry withLayout(LayoutReader reader) {
        return new LayerEntry(reader, rule, terminal);
    }

    /** The same weight groups, but the pruner stops at the type (keeps its input and output whole). */
    public LayerEntry withoutPruning() {
        return new LayerEntry(layout, null, terminal);
    }

    /** True if this layer configuration has a groupable weight (FILTER/CHANNEL/... groups exist). */
    public boolean hasLayout(Layer layer) {
        return layout != null && layout.appliesTo(layer);
    }

    /** True if the pruner can slice the type. */
    public boolean isPrunable() {
        return rule != null;
    }

    /** The layout of {@code layer}; call only if {@link #hasLayout(Layer)}. */
    public WeightLayout layoutOf(String layerName, int layerIndex, Layer layer) {
        return layout.read(layerName, layerIndex, layer);
    }

    LayerRule rule() {
        return rule;
    }

    /** Parameter-free loss / detection output: reads the network output as is, which is no limitation. */
    boolean isTerminal() {
        return terminal;
    }
}
