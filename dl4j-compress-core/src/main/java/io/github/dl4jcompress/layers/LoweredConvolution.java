package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * Configuration of a 2-D convolution (NCHW, dilation 1) computed as a "lowered" GEMM over the kept kernel positions
 * only: {@code z[n,f,oy,ox] = b[f] + sum_{k in kept} W[f,k] * x[n, c_k, oy*sh + ky_k - ph, ox*sw + kx_k - pw]},
 * {@code out = activation(z)}. A kept position {@code k} is an index into the flattened {@code (c, ky, kx)} kernel
 * ({@code k = (c*kH + ky)*kW + kx}); positions that are zero across all filters (shape-wise sparsity) are simply not
 * listed, so im2col and the GEMM skip them. With all positions kept it computes what DL4J's {@link ConvolutionLayer}
 * computes with the same weights. Weights are stored compactly as {@code W[nOut, kept.length]}.
 */
public class LoweredConvolution extends FeedForwardLayer {

    private int[] kernelSize = {1, 1};
    private int[] stride = {1, 1};
    private int[] padding = {0, 0};
    private ConvolutionMode convolutionMode = ConvolutionMode.Truncate;
    private boolean hasBias = true;
    private int[] keptPositions = new int[0];

    /** For Jackson. */
    public LoweredConvolution() {
    }

    protected LoweredConvolution(Builder b) {
        super(b);
        this.kernelSize = b.kernelSize.clone();
        this.stride = b.stride.clone();
        this.padding = b.padding.clone();
        this.convolutionMode = b.convolutionMode;
        this.hasBias = b.hasBias;
        this.keptPositions = b.keptPositions == null ? null : b.keptPositions.clone();
        initializeConstraints(b);
    }

    /**
     * A lowered copy of {@code conv} keeping {@code keptPositions}: same name, nIn/nOut, kernel, stride, padding, mode,
     * activation, bias, updaters, regularization, dropout and weight init.
     */
    public static LoweredConvolution of(ConvolutionLayer conv, int[] keptPositions) {
        String name = conv.getLayerName();
        if (conv.getKernelSize().length != 2) {
            throw new IllegalArgumentException("layer '" + name + "': only 2-D convolutions can be lowered");
        }
        if (conv.getDilation()[0] != 1 || conv.getDilation()[1] != 1) {
            throw new IllegalArgumentException("layer '" + name + "': dilation " + Arrays.toString(conv.getDilation())
                    + " is not supported by the lowered convolution (1 only)");
        }
        if (conv.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("layer '" + name + "': data format " + conv.getCnn2dDataFormat()
                    + " is not supported by the lowered convolution (NCHW only)");
        }
        if (conv.getClass() != ConvolutionLayer.class) {
            throw new IllegalArgumentException("layer '" + name + "': " + conv.getClass().getSimpleName()
                    + " is not a plain ConvolutionLayer");
        }
        Builder b = new Builder().kernelSize(conv.getKernelSize()).stride(conv.getStride()).padding(conv.getPadding())
                .convolutionMode(conv.getConvolutionMode()).hasBias(conv.hasBias()).keptPositions(keptPositions);
        b.name(name).nIn(conv.getNIn()).nOut(conv.getNOut()).activation(conv.getActivationFn());
        LoweredConvolution l = b.build();
        l.setWeightInitFn(conv.getWeightInitFn());
        l.setBiasInit(conv.getBiasInit());
        l.setGainInit(conv.getGainInit());
        l.setRegularization(conv.getRegularization());
        l.setRegularizationBias(conv.getRegularizationBias());
        l.setIUpdater(conv.getIUpdater());
        l.setBiasUpdater(conv.getBiasUpdater());
        l.setWeightNoise(conv.getWeightNoise());
        l.setGradientNormalization(conv.getGradientNormalization());
        l.setGradientNormalizationThreshold(conv.getGradientNormalizationThreshold());
        l.setIDropout(conv.getIDropout());
        l.setConstraints(conv.getConstraints());
        l.validate();
        return l;
    }

    /** Checks kernel/stride/padding and that kept positions are sorted, distinct and inside {@code nIn*kH*kW}. */
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
        if (convolutionMode == ConvolutionMode.Causal) {
            throw new IllegalArgumentException(name + ": convolution mode Causal is not supported (2-D convolution)");
        }
        if (keptPositions == null || keptPositions.length == 0) {
            throw new IllegalArgumentException(name + ": at least one kept kernel position is required");
        }
        long total = nIn * kernelSize[0] * kernelSize[1];
        for (int i = 0; i < keptPositions.length; i++) {
            int k = keptPositions[i];
            if (k < 0 || (nIn > 0 && k >= total) || (i > 0 && k <= keptPositions[i - 1])) {
                throw new IllegalArgumentException(name + ": kept positions must be sorted, distinct and in [0, "
                        + total + "), got " + k + " at index " + i);
            }
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        validate();
        LoweredConvolutionLayer ret = new LoweredConvolutionLayer(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public ParamInitializer initializer() {
        return LoweredConvolutionParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalStateException("Invalid input for lowered convolution (layer name=\"" + getLayerName()
                    + "\"): expected CNN input, got " + inputType);
        }
        return InputTypeUtil.getOutputTypeCnnLayers(inputType, kernelSize, stride, padding, new int[]{1, 1},
                convolutionMode, nOut, layerIndex, getLayerName(), CNN2DFormat.NCHW, LoweredConvolution.class);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalStateException("Invalid input for lowered convolution (layer name=\"" + getLayerName()
                    + "\"): expected CNN input, got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalStateException("lowered convolution (layer name=\"" + getLayerName()
                    + "\") supports NCHW input only, got " + c.getFormat());
        }
        if (nIn <= 0 || override) {
            this.nIn = c.getChannels();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, getLayerName());
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) getOutputType(-1, inputType);
        long paramSize = initializer().numParams(this);
        long colPerEx = (long) keptPositions.length * out.getHeight() * out.getWidth();
        return new LayerMemoryReport.Builder(getLayerName(), LoweredConvolution.class, inputType, out)
                .standardMemory(paramSize, getIUpdater() == null ? 0 : getIUpdater().stateSize(paramSize))
                .workingMemory(0, colPerEx, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    public boolean hasBias() {
        return hasBias;
    }

    public int[] getKernelSize() {
        return kernelSize;
    }

    public void setKernelSize(int[] kernelSize) {
        this.kernelSize = kernelSize;
    }

    public int[] getStride() {
        return stride;
    }

    public void setStride(int[] stride) {
        this.stride = stride;
    }

    public int[] getPadding() {
        return padding;
    }

    public void setPadding(int[] padding) {
        this.padding = padding;
    }

    public ConvolutionMode getConvolutionMode() {
        return convolutionMode;
    }

    public void setConvolutionMode(ConvolutionMode convolutionMode) {
        this.convolutionMode = convolutionMode;
    }

    public boolean isHasBias() {
        return hasBias;
    }

    public void setHasBias(boolean hasBias) {
        this.hasBias = hasBias;
    }

    public int[] getKeptPositions() {
        return keptPositions;
    }

    public void setKeptPositions(int[] keptPositions) {
        this.keptPositions = keptPositions;
    }

    @Override
    public LoweredConvolution clone() {
        LoweredConvolution c = (LoweredConvolution) super.clone();
        c.kernelSize = kernelSize.clone();
        c.stride = stride.clone();
        c.padding = padding.clone();
        c.keptPositions = keptPositions.clone();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LoweredConvolution) || !super.equals(o)) {
            return false;
        }
        LoweredConvolution l = (LoweredConvolution) o;
        return hasBias == l.hasBias && convolutionMode == l.convolutionMode && Arrays.equals(kernelSize, l.kernelSize)
                && Arrays.equals(stride, l.stride) && Arrays.equals(padding, l.padding)
                && Arrays.equals(keptPositions, l.keptPositions);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(keptPositions);
    }

    /** Builds a {@link LoweredConvolution}; {@code keptPositions} is required. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int[] kernelSize = {1, 1};
        private int[] stride = {1, 1};
        private int[] padding = {0, 0};
        private ConvolutionMode convolutionMode = ConvolutionMode.Truncate;
        private boolean hasBias = true;
        private int[] keptPositions;

        public Builder kernelSize(int... k) {
            this.kernelSize = k.clone();
            return this;
        }

        public Builder stride(int... s) {
            this.stride = s.clone();
            return this;
        }

        public Builder padding(int... p) {
            this.padding = p.clone();
            return this;
        }

        public Builder convolutionMode(ConvolutionMode m) {
            this.convolutionMode = m;
            return this;
        }

        public Builder hasBias(boolean b) {
            this.hasBias = b;
            return this;
        }

        public Builder keptPositions(int... k) {
            this.keptPositions = k.clone();
            return this;
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
