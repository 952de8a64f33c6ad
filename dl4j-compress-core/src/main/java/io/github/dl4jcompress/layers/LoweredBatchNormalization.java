package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;

/**
 * DL4J's {@link BatchNormalization} (same configuration, parameters, serialized fields and running-statistics rule)
 * whose runtime layer computes float NCHW batch normalization in Java over reused buffers: training
 * {@code y = γ (x − μ_B)/sqrt(σ²_B + ε) + β} with the batch statistics per channel over (n, h, w), backward
 * {@code dx = γ/sqrt(σ²_B + ε) · (dy − mean(dy) − x̂ · mean(dy x̂))}, {@code dγ = Σ dy x̂}, {@code dβ = Σ dy}, and the
 * running mean and variance (or log10 std) moved towards the batch statistics through their "gradients", exactly as
 * DL4J does; inference with the running statistics. Everything else (double data, rank 2, NHWC, locked γ/β, dropout,
 * an activation) is left to DL4J's implementation. {@link Lowering#lower} swaps DL4J's batch normalization for this
 * one and {@link Lowering#restore} swaps it back. The pruner's rules key on the exact class: restore before pruning.
 */
public class LoweredBatchNormalization extends BatchNormalization {

    /** For Jackson. */
    public LoweredBatchNormalization() {
    }

    /** A copy of {@code bn} (every field, built or not) computed by the Java runtime layer. */
    public static LoweredBatchNormalization of(BatchNormalization bn) {
        if (bn.getClass() != BatchNormalization.class) {
            throw new IllegalArgumentException("layer '" + bn.getLayerName() + "': " + bn.getClass().getSimpleName()
                    + " is not a plain BatchNormalization");
        }
        LoweredBatchNormalization l = new LoweredBatchNormalization();
        copyFields(bn, l);
        return l;
    }

    /** DL4J's own layer with the same settings. */
    public BatchNormalization toBatchNormalization() {
        BatchNormalization b = new BatchNormalization.Builder().build();
        copyFields(this, b);
        return b;
    }

    /**
     * Copies every instance field declared by {@link BatchNormalization} and its superclasses (the subclass adds
     * none), so that no setting is lost whatever DL4J's version adds. Arrays are cloned by {@link #clone()} users.
     */
    private static void copyFields(BatchNormalization from, BatchNormalization to) {
        for (Class<?> c = BatchNormalization.class; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(to, f.get(from));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy field " + c.getSimpleName() + "." + f.getName()
                            + " of layer '" + from.getLayerName() + "'", e);
                }
            }
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet("BatchNormalization", getLayerName(), layerIndex, getNOut());
        return RuntimeLayers.wire(new LoweredBatchNormalizationLayer(conf, networkDataType), conf, initializer(), listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public LoweredBatchNormalization clone() {
        return (LoweredBatchNormalization) super.clone();
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof LoweredBatchNormalization;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoweredBatchNormalization && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 2;
    }
}
