package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link ActivationLayer} (same configuration and serialized fields) whose runtime layer computes a plain ReLU
 * of float data in Java over reused buffers: {@code y = max(x, 0)}, {@code dx = eps·[x > 0]} (DL4J's derivative, 0 at
 * 0), without DL4J's copy of the input in each direction; anything else goes to DL4J's implementation.
 * {@link Lowering#lower} swaps DL4J's activation layers with a plain ReLU for this one and {@link Lowering#restore}
 * swaps it back.
 */
public class LoweredActivation extends ActivationLayer {

    /** For Jackson. */
    public LoweredActivation() {
    }

    /** True if {@code a} is DL4J's ReLU without threshold, cap or negative slope. */
    static boolean isPlainRelu(IActivation a) {
        return a instanceof ActivationReLU r && (r.getMax() == null || Double.isInfinite(r.getMax()))
                && (r.getThreshold() == null || r.getThreshold() == 0.0)
                && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0.0);
    }

    /** A copy of {@code layer} (a plain {@link ActivationLayer}) computed by the Java runtime layer. */
    public static LoweredActivation of(ActivationLayer layer) {
        if (layer.getClass() != ActivationLayer.class) {
            throw new IllegalArgumentException("layer '" + layer.getLayerName() + "': " + layer.getClass().getSimpleName()
                    + " is not a plain ActivationLayer");
        }
        LoweredActivation l = new LoweredActivation();
        copy(layer, l);
        return l;
    }

    /** DL4J's own layer with the same settings. */
    public ActivationLayer toActivationLayer() {
        ActivationLayer a = new ActivationLayer();
        copy(this, a);
        return a;
    }

    private static void copy(ActivationLayer from, ActivationLayer to) {
        to.setLayerName(from.getLayerName());
        to.setIDropout(from.getIDropout());
        to.setConstraints(from.getConstraints());
        to.setActivationFn(from.getActivationFn());
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return RuntimeLayers.wire(new LoweredActivationLayer(conf, networkDataType), conf, initializer(), listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public LoweredActivation clone() {
        return (LoweredActivation) super.clone();
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof LoweredActivation;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoweredActivation && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 2;
    }
}
