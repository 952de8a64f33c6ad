package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The runtime layer of a {@link LoweredSubsampling}: Java max / average pooling of float NCHW input without padding
 * (Truncate mode, dilation 1, no dropout); anything else goes to DL4J's {@link SubsamplingLayer}. Max pooling sends
 * each window's gradient to its first maximum in row-major window order, as DL4J's {@code maxpool2d_bp} does (found
 * in the backward pass, so that the forward pass is branch-free). A training forward pass keeps its input and output
 * for the backward pass; buffers are reused across iterations.
 */
public class LoweredSubsamplingLayer extends SubsamplingLayer {

    private transient float[] xJ, outJ, epsJ, dxJ;
    /** {mb, c, h, w, oh, ow} of the buffers. */
    private transient int[] geom;
    /** True between a training forward pass and the backward pass that uses its input and output copies. */
    private transient boolean cached;

    public LoweredSubsamplingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** True if the Java path computes this layer on {@code in}. */
    private boolean javaPath(INDArray in) {
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
        int[] pad = c.getPadding();
        int[] dil = c.getDilation();
        return in != null && in.rank() == 4 && in.dataType() == DataType.FLOAT
                && (c.getPoolingType() == PoolingType.MAX || c.getPoolingType() == PoolingType.AVG)
                && (pad == null || (pad[0] == 0 && pad[1] == 0)) && (dil == null || (dil[0] == 1 && dil[1] == 1))
                && c.getConvolutionMode() == ConvolutionMode.Truncate
                && (c.getCnn2dDataFormat() == null || c.getCnn2dDataFormat() == CNN2DFormat.NCHW)
                && c.getIDropout() == null && maskArray == null;
    }

    /** Sizes the buffers for {@code in}; returns {mb, c, h, w, oh, ow}. */
    private int[] prepare(INDArray in) {
        int[] k = layerConf().getKernelSize();
        int[] s = layerConf().getStride();
        int h = (int) in.size(2), w = (int) in.size(3);
        if (h < k[0] || w < k[1]) {
            throw new IllegalStateException("pooling '" + layerConf().getLayerName() + "' (layer " + getIndex() + "): input "
                    + h + "x" + w + " is smaller than the kernel " + k[0] + "x" + k[1]);
        }
        int[] g = {(int) in.size(0), (int) in.size(1), h, w, (h - k[0]) / s[0] + 1, (w - k[1]) / s[1] + 1};
        if (!Arrays.equals(g, geom)) {
            int inLen = g[0] * g[1] * h * w;
            int outLen = g[0] * g[1] * g[4] * g[5];
            xJ = new float[inLen];
            dxJ = new float[inLen];
            outJ = new float[outLen];
            epsJ = new float[outLen];
            geom = g;
            cached = false;
        }
        return g;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!javaPath(input)) {
            cached = false;
            return super.activate(training, workspaceMgr);
        }
        int[] g = forward();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[]{g[0], g[1], g[4], g[5]}, 'c');
        DataCopy.write(outJ, out);
        cached = training;
        return out;
    }

    /** Pools {@link #input} into {@link #outJ} (branch-free maxima; their positions are found in the backward pass). */
    private int[] forward() {
        int[] g = prepare(input);
        DataCopy.read(input, xJ);
        int[] k = layerConf().getKernelSize();
        int[] s = layerConf().getStride();
        boolean max = layerConf().getPoolingType() == PoolingType.MAX;
        int h = g[2], w = g[3], oh = g[4], ow = g[5];
        float inv = 1f / (k[0] * k[1]);
        int o = 0;
        for (int nc = 0; nc < g[0] * g[1]; nc++) {
            int base = nc * h * w;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int first = base + oy * s[0] * w + ox * s[1];
                    if (max) {
                        float best = Float.NEGATIVE_INFINITY;
                        for (int ky = 0; ky < k[0]; ky++) {
                            int row = first + ky * w;
                            for (int kx = 0; kx < k[1]; kx++) {
                                best = Math.max(best, xJ[row + kx]);
                            }
                        }
                        outJ[o] = best;
                    } else {
                        float sum = 0f;
                        for (int ky = 0; ky < k[0]; ky++) {
                            int row = first + ky * w;
                            for (int kx = 0; kx < k[1]; kx++) {
                                sum += xJ[row + kx];
                            }
                        }
                        outJ[o] = sum * inv;
                    }
                    o++;
                }
            }
        }
        return g;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!javaPath(input)) {
            cached = false;
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        int[] g = cached ? geom : forward();
        cached = false;
        DataCopy.read(epsilon.dataType() == DataType.FLOAT ? epsilon : epsilon.castTo(DataType.FLOAT), epsJ);
        int outLen = g[0] * g[1] * g[4] * g[5];
        Arrays.fill(dxJ, 0f);
        int[] k = layerConf().getKernelSize();
        int[] s = layerConf().getStride();
        int h = g[2], w = g[3], oh = g[4], ow = g[5];
        if (layerConf().getPoolingType() == PoolingType.MAX) {
            int o = 0;
            for (int nc = 0; nc < g[0] * g[1]; nc++) {
                int base = nc * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        // the first position holding the window's maximum (scanned backwards, branch-free)
                        float best = outJ[o];
                        int first = base + oy * s[0] * w + ox * s[1];
                        int arg = first;
                        for (int ky = k[0] - 1; ky >= 0; ky--) {
                            int row = first + ky * w;
                            for (int kx = k[1] - 1; kx >= 0; kx--) {
                                arg = xJ[row + kx] == best ? row + kx : arg;
                            }
                        }
                        dxJ[arg] += epsJ[o++];
                    }
                }
            }
        } else {
            float inv = 1f / (k[0] * k[1]);
            int o = 0;
            for (int nc = 0; nc < g[0] * g[1]; nc++) {
                int base = nc * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float e = epsJ[o++] * inv;
                        int first = base + oy * s[0] * w + ox * s[1];
                        for (int ky = 0; ky < k[0]; ky++) {
                            int row = first + ky * w;
                            for (int kx = 0; kx < k[1]; kx++) {
                                dxJ[row + kx] += e;
                            }
                        }
                    }
                }
            }
        }
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        DataCopy.write(dxJ, epsNext);
        return new Pair<>(new DefaultGradient(), epsNext);
    }

    @Override
    public void clear() {
        super.clear();
        cached = false;
    }
}
