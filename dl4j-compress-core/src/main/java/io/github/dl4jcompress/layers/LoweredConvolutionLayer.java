package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of a {@link LoweredConvolution}: im2col over the kept kernel positions, one GEMM
 * {@code Z[nOut, M] = W[nOut, kept] * col[kept, M]} ({@code M = batch*outH*outW}), then bias and activation fused
 * into the copy that reorders {@code Z} to NCHW. Small weight matrices ({@code nOut*kept <= 1024}) are multiplied in
 * Java, larger ones by ND4J's BLAS GEMM (forward and backward). Backprop: {@code dW = dZ col^T}, {@code db = sum dZ},
 * {@code dx = col2im(W^T dZ)} (only kept positions receive gradient). Float data only.
 */
public class LoweredConvolutionLayer extends BaseLayer<LoweredConvolution> {

    /** Largest {@code nOut * kept} multiplied by the Java GEMM instead of ND4J's. */
    static final long JAVA_GEMM_MAX_WEIGHTS = 1024;

    private transient int[] posC;
    private transient int[] posY;
    private transient int[] posX;
    private transient float[] xBuf;
    private transient float[] colBuf;
    private transient float[] zBuf;
    private transient float[] outBuf;
    private transient float[] wBuf;

    public LoweredConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    /** Output geometry of the current input: {mb, c, h, w, oh, ow, ph, pw}. */
    private int[] geometry(INDArray in) {
        LoweredConvolution c = layerConf();
        if (in.rank() != 4) {
            throw new IllegalStateException("lowered convolution '" + c.getLayerName() + "' expects rank-4 NCHW input, got shape "
                    + java.util.Arrays.toString(in.shape()));
        }
        if (in.size(1) != c.getNIn()) {
            throw new IllegalStateException("lowered convolution '" + c.getLayerName() + "' expects " + c.getNIn()
                    + " input channels, got " + in.size(1) + " (shape " + java.util.Arrays.toString(in.shape()) + ")");
        }
        if (in.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("lowered convolution '" + c.getLayerName() + "' supports FLOAT data only, got "
                    + in.dataType());
        }
        int[] dil = {1, 1};
        int[] pad;
        int[] out;
        if (c.getConvolutionMode() == ConvolutionMode.Same) {
            out = ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(), null, ConvolutionMode.Same, dil, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[]{(int) in.size(2), (int) in.size(3)},
                    c.getKernelSize(), c.getStride(), dil);
        } else {
            pad = c.getPadding();
            out = ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(), pad, c.getConvolutionMode(), dil, CNN2DFormat.NCHW);
        }
        return new int[]{(int) in.size(0), (int) in.size(1), (int) in.size(2), (int) in.size(3), out[0], out[1], pad[0], pad[1]};
    }

    private void positions() {
        if (posC != null) {
            return;
        }
        LoweredConvolution c = layerConf();
        int kh = c.getKernelSize()[0];
        int kw = c.getKernelSize()[1];
        int[] kept = c.getKeptPositions();
        posC = new int[kept.length];
        posY = new int[kept.length];
        posX = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            posC[i] = kept[i] / (kh * kw);
            posY[i] = (kept[i] / kw) % kh;
            posX[i] = kept[i] % kw;
        }
    }

    private static float[] ensure(float[] buf, int len) {
        return buf != null && buf.length >= len ? buf : new float[len];
    }

    /** Copies a c-order array's values into {@code dst[0..length)}. */
    static void read(INDArray a, float[] dst) {
        INDArray c = a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
        // asNioFloat() is positioned at the buffer's offset, which is the array's offset (ND4J views share it)
        c.data().asNioFloat().get(dst, 0, (int) c.length());
    }

    /** Writes {@code src[0..length)} into a fresh c-order array (no view). */
    static void write(float[] src, INDArray a) {
        if (a.ordering() != 'c' || !Shape.hasDefaultStridesForShape(a)) {
            throw new IllegalStateException("internal: target must be a c-order array with default strides");
        }
        a.data().asNioFloat().put(src, 0, (int) a.length());
    }

    /** im2col of the current input into colBuf; returns the geometry. */
    private int[] lower(INDArray in) {
        positions();
        int[] g = geometry(in);
        int mb = g[0];
        int inLen = mb * g[1] * g[2] * g[3];
        xBuf = ensure(xBuf, inLen);
        read(in, xBuf);
        int m = mb * g[4] * g[5];
        colBuf = ensure(colBuf, posC.length * m);
        int[] s = layerConf().getStride();
        LoweredKernels.im2col(xBuf, mb, g[1], g[2], g[3], posC, posY, posX, s[0], s[1], g[6], g[7], g[4], g[5], colBuf);
        return g;
    }

    /** zBuf[nOut, M] = W colBuf (no bias). */
    private void multiply(INDArray w, int m, LayerWorkspaceMgr mgr) {
        int nOut = (int) layerConf().getNOut();
        int k = posC.length;
        zBuf = ensure(zBuf, nOut * m);
        if ((long) nOut * k <= JAVA_GEMM_MAX_WEIGHTS) {
            wBuf = ensure(wBuf, nOut * k);
            read(w, wBuf);
            LoweredKernels.gemm(wBuf, nOut, k, colBuf, m, zBuf);
        } else {
            INDArray col = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, new long[]{k, m}, 'c');
            write(colBuf, col);
            INDArray z = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, new long[]{nOut, m}, 'c');
            Nd4j.gemm(w, col, z, false, false, 1.0, 0.0);
            read(z, zBuf);
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray w = getParamWithNoise(LoweredConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        int[] g = lower(input);
        int mb = g[0];
        int oh = g[4];
        int ow = g[5];
        int m = mb * oh * ow;
        multiply(w, m, workspaceMgr);
        int nOut = (int) layerConf().getNOut();
        float[] bias = new float[nOut];
        if (hasBias()) {
            read(getParamWithNoise(LoweredConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr), bias);
        }
        IActivation afn = layerConf().getActivationFn();
        boolean relu = afn instanceof ActivationReLU && isPlainRelu((ActivationReLU) afn);
        boolean fused = relu || afn instanceof ActivationIdentity;
        outBuf = ensure(outBuf, nOut * m);
        int plane = oh * ow;
        for (int n = 0; n < mb; n++) {
            for (int f = 0; f < nOut; f++) {
                int src = f * m + n * plane;
                int dst = (n * nOut + f) * plane;
                float b = bias[f];
                if (relu) {
                    for (int p = 0; p < plane; p++) {
                        float v = zBuf[src + p] + b;
                        outBuf[dst + p] = v > 0f ? v : 0f;
                    }
                } else {
                    for (int p = 0; p < plane; p++) {
                        outBuf[dst + p] = zBuf[src + p] + b;
                    }
                }
            }
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, new long[]{mb, nOut, oh, ow}, 'c');
        write(outBuf, out);
        if (!fused) {
            out = afn.getActivation(out, training);
        }
        return out;
    }

    private static boolean isPlainRelu(ActivationReLU r) {
        return (r.getMax() == null || Double.isInfinite(r.getMax()))
                && (r.getThreshold() == null || r.getThreshold() == 0.0)
                && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0.0);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray w = getParamWithNoise(LoweredConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        int[] g = lower(input);
        int mb = g[0];
        int oh = g[4];
        int ow = g[5];
        int m = mb * oh * ow;
        int plane = oh * ow;
        int nOut = (int) layerConf().getNOut();
        int k = posC.length;
        multiply(w, m, workspaceMgr);
        float[] bias = new float[nOut];
        if (hasBias()) {
            read(getParamWithNoise(LoweredConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr), bias);
        }
        // pre-activation in NCHW, then dL/dz through the activation
        float[] pre = new float[nOut * m];
        for (int n = 0; n < mb; n++) {
            for (int f = 0; f < nOut; f++) {
                int src = f * m + n * plane;
                int dst = (n * nOut + f) * plane;
                for (int p = 0; p < plane; p++) {
                    pre[dst + p] = zBuf[src + p] + bias[f];
                }
            }
        }
        INDArray z = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{mb, nOut, oh, ow}, 'c');
        write(pre, z);
        INDArray eps = epsilon.castTo(DataType.FLOAT);
        INDArray delta = layerConf().getActivationFn().backprop(z, eps.dup('c')).getFirst();
        float[] d = new float[nOut * m];
        read(delta, d);
        // dZ in [nOut, M] layout
        float[] dz = new float[nOut * m];
        float[] db = new float[nOut];
        for (int n = 0; n < mb; n++) {
            for (int f = 0; f < nOut; f++) {
                int src = (n * nOut + f) * plane;
                int dst = f * m + n * plane;
                float s = 0f;
                for (int p = 0; p < plane; p++) {
                    float v = d[src + p];
                    dz[dst + p] = v;
                    s += v;
                }
                db[f] += s;
            }
        }
        float[] wv = new float[nOut * k];
        read(w, wv);
        float[] dw = new float[nOut * k];
        float[] dcol = new float[k * m];
        if ((long) nOut * k <= JAVA_GEMM_MAX_WEIGHTS) {
            // dW[f][k] = sum_j dz[f][j] col[k][j], accumulated in blocks for accuracy
            for (int f = 0; f < nOut; f++) {
                int dzRow = f * m;
                for (int kk = 0; kk < k; kk++) {
                    int colRow = kk * m;
                    double acc = 0.0;
                    float part = 0f;
                    for (int j = 0; j < m; j++) {
                        part += dz[dzRow + j] * colBuf[colRow + j];
                        if ((j & 1023) == 1023) {
                            acc += part;
                            part = 0f;
                        }
                    }
                    dw[f * k + kk] = (float) (acc + part);
                }
            }
            // dcol[k][j] = sum_f W[f][k] dz[f][j]
            float[] wt = new float[k * nOut];
            for (int f = 0; f < nOut; f++) {
                for (int kk = 0; kk < k; kk++) {
                    wt[kk * nOut + f] = wv[f * k + kk];
                }
            }
            LoweredKernels.gemm(wt, k, nOut, dz, m, dcol);
        } else {
            INDArray dzArr = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{nOut, m}, 'c');
            write(dz, dzArr);
            INDArray colArr = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{k, m}, 'c');
            write(colBuf, colArr);
            INDArray dwArr = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{nOut, k}, 'c');
            Nd4j.gemm(dzArr, colArr, dwArr, false, true, 1.0, 0.0);
            read(dwArr, dw);
            INDArray dcolArr = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{k, m}, 'c');
            Nd4j.gemm(w, dzArr, dcolArr, true, false, 1.0, 0.0);
            read(dcolArr, dcol);
        }
        float[] dx = new float[mb * g[1] * g[2] * g[3]];
        int[] s = layerConf().getStride();
        LoweredKernels.col2imAdd(dcol, mb, g[1], g[2], g[3], posC, posY, posX, s[0], s[1], g[6], g[7], oh, ow, dx);

        Gradient ret = new DefaultGradient();
        INDArray wGrad = gradientViews.get(LoweredConvolutionParamInitializer.WEIGHT_KEY);
        wGrad.assign(Nd4j.create(dw, new long[]{nOut, k}, 'c'));
        ret.gradientForVariable().put(LoweredConvolutionParamInitializer.WEIGHT_KEY, wGrad);
        if (hasBias()) {
            INDArray bGrad = gradientViews.get(LoweredConvolutionParamInitializer.BIAS_KEY);
            bGrad.assign(Nd4j.create(db, new long[]{1, nOut}, 'c'));
            ret.gradientForVariable().put(LoweredConvolutionParamInitializer.BIAS_KEY, bGrad);
        }
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        write(dx, epsNext);
        weightNoiseParams.clear();
        epsNext = backpropDropOutIfPresent(epsNext);
        return new Pair<>(ret, epsNext);
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("lowered convolution '" + layerConf().getLayerName()
                + "': use activate(); preOutput is not provided");
    }
}
