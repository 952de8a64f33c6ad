package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.stream.IntStream;

/**
 * Configuration of a 2-D convolution (NCHW, dilation 1) computed as a "lowered" GEMM over the kept kernel positions
 * only: {@code z[n,f,oy,ox] = b[f] + sum_{k in kept} W[f,k] * x[n, c_k, oy*sh + ky_k - ph, ox*sw + kx_k - pw]},
 * {@code out = activation(z)}. A kept position {@code k} is an index into the flattened {@code (c, ky, kx)} kernel
 * ({@code k = (c*kH + ky)*kW + kx}); positions that are zero across all filters (shape-wise sparsity) are simply not
 * listed, so im2col and the GEMM skip them. With all positions kept ({@link Builder#allPositions()}, or no kept
 * positions given) it computes what DL4J's {@link ConvolutionLayer} computes with the same weights. Weights are
 * stored compactly as {@code W[nOut, kept]}.
 *
 * <p>It is a {@link ConvolutionLayer} for DL4J's configuration machinery (the convolution mode is resolved from the
 * global builder like DL4J's own layers; output types, preprocessors), but its parameters and runtime layer are its
 * own. Code that keys on the exact class (the pruner's rules, the regularizers' layouts) does not mistake it for a
 * plain convolution.
 */
public class LoweredConvolution extends ConvolutionLayer {

    /** Kept kernel positions, sorted; null means every position ({@code nIn*kH*kW}). */
    private int[] keptPositions;

    /** For Jackson. */
    public LoweredConvolution() {
    }

    protected LoweredConvolution(Builder b) {
        super(b);
        this.keptPositions = b.keptPositions == null ? null : b.keptPositions.clone();
    }

    /**
     * A lowered copy of {@code conv} keeping {@code keptPositions} (null: all): same name, nIn/nOut, kernel, stride,
     * padding, mode (null stays null and is resolved when the configuration is built), activation, bias, updaters,
     * regularization, dropout, weight noise, constraints and weight init. Works on built and unbuilt layers.
     */
    public static LoweredConvolution of(ConvolutionLayer conv, int[] keptPositions) {
        String name = conv.getLayerName();
        if (conv.getClass() != ConvolutionLayer.class) {
            throw new IllegalArgumentException("layer '" + name + "': " + conv.getClass().getSimpleName()
                    + " is not a plain ConvolutionLayer");
        }
        Builder b = new Builder().kernelSize(conv.getKernelSize()).stride(conv.getStride()).padding(conv.getPadding())
                .dilation(conv.getDilation()).hasBias(conv.hasBias());
        if (conv.getConvolutionMode() != null) {
            b.convolutionMode(conv.getConvolutionMode());
        }
        if (keptPositions != null) {
            b.keptPositions(keptPositions);
        }
        b.name(name).nIn(conv.getNIn()).nOut(conv.getNOut()).activation(conv.getActivationFn());
        LoweredConvolution l = b.build();
        copyTrainingSettings(conv, l);
        l.validate();
        return l;
    }

    /** DL4J's {@code ConvolutionLayer} computing what this dense layer computes (same settings), for code that needs it. */
    public ConvolutionLayer toConvolutionLayer() {
        if (!isDense()) {
            throw new IllegalStateException("layer '" + getLayerName() + "': only a dense lowered convolution ("
                    + keptCount() + " of " + totalPositions() + " positions kept) has a ConvolutionLayer equivalent");
        }
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(kernelSize).stride(stride).padding(padding).hasBias(hasBias)
                .dilation(1, 1);
        if (convolutionMode != null) {
            b.convolutionMode(convolutionMode);
        }
        b.name(getLayerName()).nIn(nIn).nOut(nOut).activation(getActivationFn());
        ConvolutionLayer c = b.build();
        copyTrainingSettings(this, c);
        return c;
    }

    /** Format, cuDNN settings (unused, kept for equality), weight init, bias init, gain, regularization, updaters, weight noise, gradient normalization, dropout, constraints. */
    private static void copyTrainingSettings(ConvolutionLayer from, ConvolutionLayer to) {
        to.setCnn2dDataFormat(from.getCnn2dDataFormat());
        to.setCudnnAlgoMode(from.getCudnnAlgoMode());
        to.setCudnnAllowFallback(from.isCudnnAllowFallback());
        to.setWeightInitFn(from.getWeightInitFn());
        to.setBiasInit(from.getBiasInit());
        to.setGainInit(from.getGainInit());
        to.setRegularization(from.getRegularization());
        to.setRegularizationBias(from.getRegularizationBias());
        to.setIUpdater(from.getIUpdater());
        to.setBiasUpdater(from.getBiasUpdater());
        to.setWeightNoise(from.getWeightNoise());
        to.setGradientNormalization(from.getGradientNormalization());
        to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
        to.setIDropout(from.getIDropout());
        to.setConstraints(from.getConstraints());
    }

    /** Number of kernel positions {@code nIn*kH*kW} (0 while nIn is unknown). */
    public long totalPositions() {
        return nIn * (long) kernelSize[0] * kernelSize[1];
    }

    /** The kept positions, resolving "all" once nIn is known. */
    public int[] keptPositions() {
        if (keptPositions != null) {
            return keptPositions;
        }
        if (nIn <= 0) {
            throw new IllegalStateException("layer '" + getLayerName() + "': nIn is not known yet (set nIn or an input type)");
        }
        return IntStream.range(0, (int) totalPositions()).toArray();
    }

    /** Number of kept positions (the columns of {@code W}). */
    public int keptCount() {
        return keptPositions != null ? keptPositions.length : (int) totalPositions();
    }

    /** True when every kernel position is kept (a dense convolution). */
    public boolean isDense() {
        return keptPositions == null || (nIn > 0 && keptPositions.length == totalPositions());
    }

    /** Checks kernel/stride/padding/dilation/format and that kept positions are sorted, distinct and in {@code [0, nIn*kH*kW)}. */
    public void validate() {
        String name = "layer '" + getLayerName() + "'";
        if (kernelSize == null || kernelSize.length != 2 || kernelSize[0] < 1 || kernelSize[1] < 1) {
            throw new IllegalArgumentException(name + ": kernelSize must be 2 positive values, got " + Arrays.toString(kernelSize));
        }
        if (stride == null || stride.length != 2 || stride[0] < 1 || stride[1] < 1) {
            throw new IllegalArgumentException(name + ": stride must be 2 positive values, got " + Arrays.toString(stride));
        }
        if (padding == null || padding.length != 2 || padding[0] < 0 || padding[1] < 0) {
            throw new IllegalArgumentException(name + ": padding must be 2 values >= 0, got " + Arrays.toString(padding));
        }
        if (dilation != null && (dilation.length != 2 || dilation[0] != 1 || dilation[1] != 1)) {
            throw new IllegalArgumentException(name + ": dilation " + Arrays.toString(dilation)
                    + " is not supported by the lowered convolution (1 only)");
        }
        if (cnn2dDataFormat != null && cnn2dDataFormat != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(name + ": data format " + cnn2dDataFormat
                    + " is not supported by the lowered convolution (NCHW only)");
        }
        if (convolutionMode == ConvolutionMode.Causal) {
            throw new IllegalArgumentException(name + ": convolution mode Causal is not supported (2-D convolution)");
        }
        if (keptPositions == null) {
            return;
        }
        if (keptPositions.length == 0) {
            throw new IllegalArgumentException(name + ": at least one kept kernel position is required");
        }
        long total = totalPositions();
        for (int i = 0; i < keptPositions.length; i++) {
            int k = keptPositions[i];
            if (k < 0 || (nIn > 0 && k >= total) || (i > 0 && k <= keptPositions[i - 1])) {
                throw new IllegalArgumentException(name + ": kept positions must be sorted, distinct and in [0, "
                        + (nIn > 0 ? String.valueOf(total) : "nIn*" + kernelSize[0] * kernelSize[1]) + "), got " + k + " at index " + i);
            }
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        if (convolutionMode == null) {
            convolutionMode = ConvolutionMode.Truncate;
        }
        validate();
        return RuntimeLayers.wire(new LoweredConvolutionLayer(conf, networkDataType), conf, initializer(), trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return LoweredConvolutionParamInitializer.getInstance();
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        validate();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) getOutputType(-1, inputType);
        long paramSize = initializer().numParams(this);
        long colPerEx = (long) keptCount() * out.getHeight() * out.getWidth();
        return new LayerMemoryReport.Builder(getLayerName(), LoweredConvolution.class, inputType, out)
                .standardMemory(paramSize, getIUpdater() == null ? 0 : getIUpdater().stateSize(paramSize))
                .workingMemory(0, colPerEx, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    /** The kept positions as configured (null = all); see {@link #keptPositions()} for the resolved list. */
    public int[] getKeptPositions() {
        return keptPositions;
    }

    public void setKeptPositions(int[] keptPositions) {
        this.keptPositions = keptPositions;
    }

    @Override
    public LoweredConvolution clone() {
        LoweredConvolution c = (LoweredConvolution) super.clone();
        c.keptPositions = keptPositions == null ? null : keptPositions.clone();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LoweredConvolution) || !super.equals(o)) {
            return false;
        }
        return Arrays.equals(keptPositions, ((LoweredConvolution) o).keptPositions);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(keptPositions);
    }

    /**
     * Builds a {@link LoweredConvolution}. Kernel, stride, padding, mode and bias as DL4J's convolution builder (mode
     * unset: the global configuration's); {@link #keptPositions(int...)} for a shape-sparse kernel, or
     * {@link #allPositions()} (the default) for a dense one.
     */
    public static class Builder extends ConvolutionLayer.BaseConvBuilder<Builder> {
        private int[] keptPositions;

        public Builder() {
            super();
        }

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        /** Keep these kernel positions {@code (c*kH + ky)*kW + kx}, sorted and distinct. */
        public Builder keptPositions(int... k) {
            this.keptPositions = k.clone();
            return this;
        }

        /** Keep every kernel position: a dense convolution with the lowered layer's speed (the default). */
        public Builder allPositions() {
            this.keptPositions = null;
            return this;
        }

        @Override
        protected boolean allowCausal() {
            return false;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LoweredConvolution build() {
            LoweredConvolution l = new LoweredConvolution(this);
            l.validate();
            return l;
        }
    }
}
