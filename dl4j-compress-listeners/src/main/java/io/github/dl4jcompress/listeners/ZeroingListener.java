package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SSL's zeroing rule as a {@link org.deeplearning4j.optimize.api.TrainingListener}: after each parameter update, every
 * weight group whose L2 norm is below {@code threshold × reference} is set to exactly zero, where the reference is the
 * largest group norm of that kind seen so far in that layer (for DEPTH: the layer's largest weight norm so far).
 *
 * <p>The kinds zeroed in a layer are the Group Lasso kinds configured on it, or a fixed set given to the builder.
 * With {@code keepZero} a zeroed group stays zero for the rest of training (a mask re-applied after every update);
 * without it the group may regrow if the data gradient pushes it out. Norms are checked every {@code frequency}
 * iterations (default 1); kept masks are re-applied after every update.
 *
 * <p>Guards (checked before anything is changed): a listener holding masks is bound to the network it first saw —
 * on a network whose group counts differ (e.g. the pruned one) it throws before the update, naming the layer; a NaN
 * or ±Infinity in a parameter of a grouped layer is refused naming layer, parameter, index and iteration.
 */
public class ZeroingListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(ZeroingListener.class);

    private final double threshold;
    private final boolean keepZero;
    private final int frequency;
    private final Set<GroupKind> kinds;
    private final Map<String, Double> reference = new HashMap<>();
    private final Map<String, INDArray> masks = new HashMap<>();
    /** Per layer: weights inside the groups zeroed at the last check. */
    private final Map<String, Long> zeroedByLayer = new HashMap<>();

    private ZeroingListener(Builder b) {
        this.threshold = b.threshold;
        this.keepZero = b.keepZero;
        this.kinds = b.kinds;
        this.frequency = b.frequency;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Before the update: refuses a network whose shapes no longer fit the masks held (e.g. the pruned network), so
     * that the error comes before DL4J changes the parameters or the updater state.
     */
    @Override
    public void onGradientCalculation(Model model) {
        GroupMasks.requireFit("ZeroingListener", ModelLayers.of(model), masks);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        List<ModelLayers.Entry> entries = ModelLayers.of(model);
        // guards first: nothing is changed when one fails
        GroupMasks.requireFit("ZeroingListener", entries, masks);
        GroupMasks.requireFinite("ZeroingListener", entries, iteration);
        boolean check = iteration % frequency == 0;
        for (ModelLayers.Entry e : entries) {
            if (!check) {
                reapplyMasks(e);
                continue;
            }
            Set<GroupKind> layerKinds = kinds != null ? kinds : e.regularizedKinds;
            if (layerKinds.isEmpty()) {
                continue;
            }
            INDArray shaped = e.layer.getParam("W");
            INDArray flat = Nd4j.toFlattened(e.layout.storageOrder(), shaped);
            Map<GroupKind, INDArray> applied = new EnumMap<>(GroupKind.class);
            for (GroupKind kind : layerKinds) {
                if (!e.layout.supports(kind)) {
                    continue;
                }
                String key = e.name + "/" + kind;
                INDArray norms = e.layout.groupNorms(flat, kind);
                double ref = Math.max(reference.getOrDefault(key, 0.0), norms.maxNumber().doubleValue());
                reference.put(key, ref);
                INDArray mask = masks.get(key);
                if (ref > 0) {
                    INDArray keep = norms.gte(threshold * ref).castTo(flat.dataType());
                    if (keepZero) {
                        mask = mask == null ? keep : mask.muli(keep);
                        masks.put(key, mask);
                    } else {
                        mask = keep;
                    }
                }
                if (mask != null && mask.minNumber().doubleValue() == 0) {
                    e.layout.scaleGroups(flat, kind, mask);
                    applied.put(kind, mask);
                }
            }
            long zeroed = weightsIn(e, applied, flat);
            Long before = zeroedByLayer.put(e.name, zeroed);
            if (!applied.isEmpty()) {
                e.layer.setParam("W", flat.reshape(e.layout.storageOrder(), shaped.shape()));
                if (before == null || zeroed != before) {
                    log.debug("Iteration {}: layer '{}' holds {} weights at zero (was {})", iteration, e.name, zeroed, before);
                }
            }
        }
    }

    /** Distinct weights of layer {@code e} inside the groups masked to zero ({@code applied}), each counted once. */
    private static long weightsIn(ModelLayers.Entry e, Map<GroupKind, INDArray> applied, INDArray like) {
        if (applied.isEmpty()) {
            return 0;
        }
        INDArray ones = Nd4j.ones(like.dataType(), like.length());
        applied.forEach((kind, mask) -> e.layout.scaleGroups(ones, kind, mask));
        return ones.length() - ones.sumNumber().longValue();
    }

    /** Between checks: re-zero the groups already masked in this layer (keepZero only). */
    private void reapplyMasks(ModelLayers.Entry e) {
        if (keepZero) {
            GroupMasks.apply(e, masks);
        }
    }

    /**
     * Weights inside the groups this listener zeroed at its last check, summed over the layers: each weight counted
     * once (a weight in a zero filter and a zero channel is one weight), so never more than the network's weights.
     * Without {@code keepZero} a group that regrew and was zeroed again is still counted once.
     */
    public long getZeroedWeights() {
        return zeroedByLayer.values().stream().mapToLong(Long::longValue).sum();
    }

    public double getThreshold() {
        return threshold;
    }

    public boolean isKeepZero() {
        return keepZero;
    }

    /** Builder: {@code threshold} relative to the layer (default 1e-4), {@code keepZero} (default false). */
    public static final class Builder {
        private double threshold = 1e-4;
        private boolean keepZero;
        private Set<GroupKind> kinds;
        private int frequency = 1;

        /**
         * Check the group norms every this many iterations (default 1). With keepZero, groups already zeroed are still
         * re-zeroed after every update.
         */
        public Builder frequency(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("ZeroingListener: frequency must be >= 1 iteration, got " + iterations);
            }
            this.frequency = iterations;
            return this;
        }

        public Builder threshold(double relativeThreshold) {
            if (!(relativeThreshold >= 0) || relativeThreshold >= 1) {
                throw new IllegalArgumentException("ZeroingListener: threshold is relative to the layer's largest group norm and must be in [0, 1), got "
                        + relativeThreshold);
            }
            this.threshold = relativeThreshold;
            return this;
        }

        public Builder keepZero(boolean keepZero) {
            this.keepZero = keepZero;
            return this;
        }

        /** Zero these kinds on every grouped layer instead of each layer's Group Lasso kinds. */
        public Builder kinds(GroupKind first, GroupKind... rest) {
            this.kinds = EnumSet.of(first, rest);
            return this;
        }

        public ZeroingListener build() {
            return new ZeroingListener(this);
        }
    }
}
