package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.HashMap;
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
 */
public class ZeroingListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(ZeroingListener.class);

    private final double threshold;
    private final boolean keepZero;
    private final int frequency;
    private final Set<GroupKind> kinds;
    private final Map<String, Double> reference = new HashMap<>();
    private final Map<String, INDArray> masks = new HashMap<>();
    private long zeroedTotal;

    private ZeroingListener(Builder b) {
        this.threshold = b.threshold;
        this.keepZero = b.keepZero;
        this.kinds = b.kinds;
        this.frequency = b.frequency;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        boolean check = iteration % frequency == 0;
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
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
            boolean changed = false;
            for (GroupKind kind : layerKinds) {
                if (!e.layout.supports(kind)) {
                    continue;
                }
                String key = e.name + "/" + kind;
                INDArray norms = e.layout.groupNorms(flat, kind);
                double ref = Math.max(reference.getOrDefault(key, 0.0), norms.maxNumber().doubleValue());
                reference.put(key, ref);
                INDArray keep = norms.gte(threshold * ref).castTo(flat.dataType());
                if (ref == 0) {
                    continue;
                }
                INDArray mask = masks.get(key);
                if (keepZero) {
                    mask = mask == null ? keep : mask.muli(keep);
                    masks.put(key, mask);
                } else {
                    mask = keep;
                }
                long zeroGroups = mask.length() - mask.sumNumber().longValue();
                if (zeroGroups == 0) {
                    continue;
                }
                e.layout.scaleGroups(flat, kind, mask);
                changed = true;
            }
            if (changed) {
                long zerosBefore = shaped.length() - shaped.neq(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
                e.layer.setParam("W", flat.reshape(e.layout.storageOrder(), shaped.shape()));
                long zerosAfter = flat.length() - flat.neq(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
                if (zerosAfter > zerosBefore) {
                    zeroedTotal += zerosAfter - zerosBefore;
                    log.debug("Iteration {}: layer '{}' zeroed {} more weights", iteration, e.name, zerosAfter - zerosBefore);
                }
            }
        }
    }

    /** Between checks: re-zero the groups already masked in this layer (keepZero only). */
    private void reapplyMasks(ModelLayers.Entry e) {
        if (keepZero) {
            GroupMasks.apply(e, masks);
        }
    }

    /** Weights newly set to zero by this listener so far. */
    public long getZeroedWeights() {
        return zeroedTotal;
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
