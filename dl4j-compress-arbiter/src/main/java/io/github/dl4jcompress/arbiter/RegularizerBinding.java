package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.prune.AnyConfiguration;
import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.NamedLayer;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.List;

/**
 * Binds the unbound {@link GroupLasso} templates that {@link StructuredSparsityLayerSpace} puts on a layer to that
 * layer's weight shape ({@code template.bind(WeightLayout.of(name, layer))}), in place, on a built configuration; then
 * runs {@link StructuredSparsity#validate}. Already bound regularizers are left alone, so binding twice is harmless.
 */
public final class RegularizerBinding {

    private RegularizerBinding() {
    }

    /** @return the number of templates bound */
    public static int bind(MultiLayerConfiguration conf) {
        return bind(AnyConfiguration.of(conf));
    }

    /** As {@link #bind(MultiLayerConfiguration)}, for a graph. */
    public static int bind(ComputationGraphConfiguration conf) {
        return bind(AnyConfiguration.of(conf));
    }

    /** As {@link #bind(MultiLayerConfiguration)}, for a configuration of either kind. */
    public static int bind(AnyConfiguration conf) {
        int n = bind(conf.layers());
        conf.validateRegularizers();
        return n;
    }

    private static int bind(List<NamedLayer> layers) {
        int bound = 0;
        for (NamedLayer n : layers) {
            if (!(n.layer() instanceof BaseLayer) || ((BaseLayer) n.layer()).getRegularization() == null) {
                continue;
            }
            BaseLayer layer = (BaseLayer) n.layer();
            List<Regularization> out = new ArrayList<>();
            boolean changed = false;
            for (Regularization r : layer.getRegularization()) {
                if (r instanceof GroupLasso && !((GroupLasso) r).isBound()) {
                    if (!WeightLayout.isSupported(layer)) {
                        throw new IllegalStateException("Layer '" + n.name() + "' (" + layer.getClass().getSimpleName()
                                + ") has a Group Lasso but its weight layout is not supported");
                    }
                    out.add(((GroupLasso) r).bind(WeightLayout.of(n.name(), n.index(), layer)));
                    bound++;
                    changed = true;
                } else {
                    out.add(r);
                }
            }
            if (changed) {
                layer.setRegularization(out);
            }
        }
        return bound;
    }
}
