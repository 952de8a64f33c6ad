package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link SubsamplingLayer} (same configuration, output types and serialized fields) whose runtime layer
 * computes max and average pooling of float NCHW data without padding in Java over reused buffers
 * ({@code dx[first argmax(window)] += eps}; average: {@code dx[window] += eps / (kH kW)}); everything else (other pooling
 * types, padding, Same mode, dilation, NHWC, double data, dropout) is left to DL4J's implementation.
 * {@link Lowering#lower} swaps DL4J's pooling for this one and {@link Lowering#restore} swaps it back. The pruner's
 * rules key on the exact class: restore before pruning unless the rules list this class.
 */
public class LoweredSubsampling extends SubsamplingLayer {

    /** For Jackson. */
    public LoweredSubsampling() {
    }

    /** A copy of {@code pool} (every field, built or not) computed by the Java runtime layer. */
    public static LoweredSubsampling of(SubsamplingLayer pool) {
        if (pool.getClass() != SubsamplingLayer.class) {
            throw new IllegalArgumentException("layer '" + pool.getLayerName() + "': " + pool.getClass().getSimpleName()
                    + " is not a plain SubsamplingLayer");
        }
        LoweredSubsampling l = new LoweredSubsampling();
        copy(pool, l);
        return l;
    }

    /** DL4J's own layer with the same settings. */
    public SubsamplingLayer toSubsamplingLayer() {
        SubsamplingLayer s = new SubsamplingLayer.Builder().build();
        copy(this, s);
        return s;
    }

    private static void copy(SubsamplingLayer from, SubsamplingLayer to) {
        to.setLayerName(from.getLayerName());
        to.setIDropout(from.getIDropout());
        to.setConstraints(from.getConstraints());
        to.setConvolutionMode(from.getConvolutionMode());
        to.setPoolingType(from.getPoolingType());
        to.setKernelSize(from.getKernelSize() == null ? null : from.getKernelSize().clone());
        to.setStride(from.getStride() == null ? null : from.getStride().clone());
        to.setPadding(from.getPadding() == null ? null : from.getPadding().clone());
        to.setDilation(from.getDilation() == null ? null : from.getDilation().clone());
        to.setPnorm(from.getPnorm());
        to.setEps(from.getEps());
        to.setCudnnAllowFallback(from.isCudnnAllowFallback());
        to.setCnn2dDataFormat(from.getCnn2dDataFormat());
        to.setDefaultValueOverridden(from.isDefaultValueOverridden());
        to.setAvgPoolIncludePadInDivisor(from.isAvgPoolIncludePadInDivisor());
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return RuntimeLayers.wire(new LoweredSubsamplingLayer(conf, networkDataType), conf, initializer(), listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public LoweredSubsampling clone() {
        return (LoweredSubsampling) super.clone();
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof LoweredSubsampling;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoweredSubsampling && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 1;
    }
}
