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
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The layer of a {@link LoweredConvolution}: im2col over the kept kernel positions (Java, into a reused buffer), one
 * GEMM {@code Z[nOut, M] = W col[kept, M]} ({@code M = batch*outH*outW}), then bias and activation; backprop
 * {@code dZ = act'(z) * eps}, {@code db = sum_j dZ}, {@code dW = dZ col^T}, {@code dx = col2im(W^T dZ)} (only kept
 * positions receive gradient). Float data with ReLU or identity runs in Java arrays end to end (GEMMs by
 * {@link SmallGemm}, bias and activation fused into the reorder), by groups of images whose column matrix fits in
 * the L2 cache (the backward pass lowers each group again instead of keeping a batch-sized column matrix), or, for
 * stride 1 with few wasted columns, image by image as implicit GEMMs over the zero-padded image (no column matrix);
 * other cases use ND4J's BLAS on the whole batch, keeping the column matrix and pre-activation of a training forward
 * pass for the backward pass. Float and double. All buffers are reused across iterations (reallocated only when the
 * input geometry changes), outside DL4J's workspaces.
 */
public class LoweredConvolutionLayer extends BaseLayer<LoweredConvolution> {

    private transient LoweredKernels.Plan plan;
    private transient int[] planKey;
    private transient int planBatch = -1;
    private transient DataType planType;
    /** Java staging: input, column matrix (zeros outside the image stay), W^T dZ, input gradient. */
    private transient Object xJ, colJ, dcolJ, dxJ;
    /** Detached matrices: col [kept, M] (also W^T dZ in backprop), z [nOut, M] (also dZ), pre-activation NCHW. */
    private transient INDArray col, z, pre;
    /** True between a training forward pass and the backward pass that uses its col and pre (or outJ). */
    private transient boolean cached;
    /**
     * Java float path (ReLU / identity activation): z (then dZ), output (kept for the ReLU mask), epsilon, bias (then
     * its gradient), W and dW in Java arrays; the GEMMs by {@link SmallGemm}, so no column matrix crosses to native memory.
     */
    private transient float[] zJ, outJ, epsJ, biasJ, wJ, dwJ;
    /** Java float path: images per group ({@link #GROUP_FLOATS}), and the column matrix of a shorter last group. */
    private transient int group;
    private transient float[] colTailJ;
    /**
     * Implicit GEMM (stride 1, Java float path): one image zero-padded to {@code hp x wp} per channel ({@link #xpJ};
     * {@link #dxpJ} its gradient), where row {@code p} of the column matrix is {@code xp[rowStart[p] + j]} with
     * {@code j = y*wp + x} (columns {@code x >= ow} computed and discarded), so nothing is lowered.
     */
    private transient float[] xpJ, dxpJ;
    private transient int[] rowStart;
    private transient int hp, wp;
    /**
     * Implicit input gradient: dZ of one image zero-padded by {@code kh-1, kw-1} all round ({@link #dzqJ},
     * {@code hq x wq} per filter), the flipped weights {@code W'[c, (f, kh-1-ky, kw-1-kx)] = W[f, (c, ky, kx)]}
     * ({@link #wtJ}) and their shifted row starts, so that {@code dx} is another implicit GEMM.
     */
    private transient float[] dzqJ, wtJ;
    private transient int[] rowStartT;
    private transient int hq, wq;

    /** Largest ratio of computed to useful output columns ({@code wp / ow}) for which the implicit GEMM is used. */
    private static final double IMPLICIT_MAX_WASTE = 1.2;

    /** Column-matrix floats per group of images in the Java path (1 MB: measured on ResNet-20 stage 3, 10.6 ms per layer vs 12.0 at 512 KB and 12.7 at 2 MB). */
    private static final int GROUP_FLOATS = 1 << 18;

    /** Row length of the Java path's matrices: a multiple of 16 floats (whole vectors; zero columns past the data). */
    private static int padded(int columns) {
        return (columns + 15) / 16 * 16;
    }

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

    private String where() {
        return "lowered convolution '" + layerConf().getLayerName() + "' (layer " + getIndex() + ")";
    }

    /** Output geometry of the current input: {mb, c, h, w, oh, ow, ph, pw}. */
    private int[] geometry(INDArray in) {
        LoweredConvolution c = layerConf();
        if (in.rank() != 4) {
            throw new IllegalStateException(where() + " expects rank-4 NCHW input, got shape " + Arrays.toString(in.shape()));
        }
        if (in.size(1) != c.getNIn()) {
            throw new IllegalStateException(where() + " expects " + c.getNIn() + " input channels, got " + in.size(1)
                    + " (shape " + Arrays.toString(in.shape()) + ")");
        }
        if (in.dataType() != DataType.FLOAT && in.dataType() != DataType.DOUBLE) {
            throw new IllegalStateException(where() + " supports FLOAT and DOUBLE data, got " + in.dataType());
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

    /** (Re)builds the plan and buffers for geometry {@code g} and data type {@code dt}. */
    private void prepare(int[] g, DataType dt) {
        int mb = g[0];
        int[] key = Arrays.copyOfRange(g, 1, g.length);
        boolean same = Arrays.equals(key, planKey) && dt == planType;
        if (same && mb == planBatch) {
            return;
        }
        LoweredConvolution c = layerConf();
        if (!same) {
            int kh = c.getKernelSize()[0];
            int kw = c.getKernelSize()[1];
            int[] kept = c.keptPositions();
            int[] pc = new int[kept.length], py = new int[kept.length], px = new int[kept.length];
            for (int i = 0; i < kept.length; i++) {
                pc[i] = kept[i] / (kh * kw);
                py[i] = (kept[i] / kw) % kh;
                px[i] = kept[i] % kw;
            }
            int[] s = c.getStride();
            plan = new LoweredKernels.Plan(g[1], g[2], g[3], pc, py, px, s[0], s[1], g[6], g[7], g[4], g[5]);
        }
        int k = c.keptCount();
        int nOut = (int) c.getNOut();
        long m = (long) mb * g[4] * g[5];
        long inLen = (long) mb * g[1] * g[2] * g[3];
        if (m * Math.max(k, nOut) > Integer.MAX_VALUE || inLen > Integer.MAX_VALUE) {
            throw new IllegalStateException(where() + ": batch " + mb + " too large for one column matrix ("
                    + k + " x " + m + "); use smaller batches");
        }
        boolean f = dt == DataType.FLOAT;
        xJ = f ? new float[(int) inLen] : new double[(int) inLen];
        dxJ = f ? new float[(int) inLen] : new double[(int) inLen];
        if (f && fusable()) {
            int plane = g[4] * g[5];
            group = Math.max(1, Math.min(mb, GROUP_FLOATS / Math.max(1, k * plane)));
            int[] st = c.getStride();
            int kh = c.getKernelSize()[0], kw = c.getKernelSize()[1];
            rowStart = null;
            if (st[0] == 1 && st[1] == 1 && (g[5] + kw - 1) <= IMPLICIT_MAX_WASTE * g[5]) {
                hp = g[4] + kh - 1;
                wp = g[5] + kw - 1;
                int[] kept = c.keptPositions();
                rowStart = new int[k];
                for (int i = 0; i < k; i++) {
                    rowStart[i] = kept[i] / (kh * kw) * hp * wp + (kept[i] / kw) % kh * wp + kept[i] % kw;
                }
                int slack = 2 * 16 + kw;
                xpJ = new float[g[1] * hp * wp + slack];
                hq = g[4] + 2 * (kh - 1);
                wq = g[5] + 2 * (kw - 1);
                int taps = nOut * kh * kw;
                rowStartT = new int[taps];
                for (int t = 0; t < taps; t++) {
                    rowStartT[t] = t / (kh * kw) * hq * wq + (t / kw) % kh * wq + t % kw + g[6] * wq;
                }
                dzqJ = new float[nOut * hq * wq + slack];
                wtJ = new float[g[1] * taps];
                dxpJ = new float[g[1] * padded(g[2] * wq)];
                group = 1;
                plane = padded(g[4] * wp);
            }
            int tail = mb % group;
            colJ = rowStart != null ? null : new float[k * padded(group * plane)];
            colTailJ = tail == 0 ? null : new float[k * padded(tail * plane)];
            dcolJ = rowStart != null ? null : new float[k * padded(group * plane)];
            col = null;
            z = null;
            pre = null;
            zJ = new float[nOut * padded(group * plane)];
            outJ = new float[(int) (nOut * m)];
            epsJ = new float[(int) (nOut * m)];
            biasJ = new float[nOut];
            wJ = new float[nOut * k];
            dwJ = new float[nOut * k];
        } else {
            colJ = f ? new float[(int) (k * m)] : new double[(int) (k * m)];
            dcolJ = f ? new float[(int) (k * m)] : new double[(int) (k * m)];
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                col = Nd4j.createUninitialized(dt, new long[]{k, m}, 'c');
                z = Nd4j.createUninitialized(dt, new long[]{nOut, m}, 'c');
                pre = Nd4j.createUninitialized(dt, new long[]{mb, nOut, g[4], g[5]}, 'c');
            }
        }
        planKey = key;
        planBatch = mb;
        planType = dt;
        cached = false;
    }

    /**
     * Copies {@code in} into {@link #xJ} and, outside the Java float path, im2col of the whole batch into
     * {@link #colJ} and {@link #col} (the Java path lowers group by group); returns the geometry.
     */
    private int[] lower(INDArray in) {
        int[] g = geometry(in);
        DataType dt = in.dataType();
        prepare(g, dt);
        DataCopy.read(in, xJ);
        if (zJ != null) {
            return g;
        }
        if (dt == DataType.FLOAT) {
            LoweredKernels.im2col(plan, (float[]) xJ, g[0], (float[]) colJ);
        } else {
            LoweredKernels.im2col(plan, (double[]) xJ, g[0], (double[]) colJ);
        }
        if (col != null) {
            DataCopy.write(colJ, col);
        }
        return g;
    }

    /** {@code target[n, f, p] = z[f, n*plane + p] + b[f]} for target of shape [mb, nOut, oh, ow] (c order). */
    private void preActivation(INDArray w, INDArray b, int[] g, INDArray target) {
        Nd4j.gemm(w.castTo(col.dataType()), col, z, false, false, 1.0, 0.0);
        int nOut = (int) layerConf().getNOut();
        int plane = g[4] * g[5];
        INDArray t3 = target.reshape('c', g[0], nOut, plane);
        t3.assign(z.reshape('c', nOut, g[0], plane).permute(1, 0, 2));
        if (b != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(t3, b.reshape(nOut).castTo(t3.dataType()), t3, 1));
        }
    }

    private INDArray bias(boolean training, LayerWorkspaceMgr mgr) {
        return hasBias() ? getParamWithNoise(LoweredConvolutionParamInitializer.BIAS_KEY, training, mgr) : null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray w = getParamWithNoise(LoweredConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        int[] g = lower(input);
        int nOut = (int) layerConf().getNOut();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                new long[]{g[0], nOut, g[4], g[5]}, 'c');
        if (input.dataType() == DataType.FLOAT && fusable()) {
            if (rowStart != null) {
                activateImplicit(w, bias(training, workspaceMgr), g, out);
            } else {
                activateFused(w, bias(training, workspaceMgr), g, out);
            }
            cached = training;
            return out;
        }
        preActivation(w, bias(training, workspaceMgr), g, out);
        if (training) {
            pre.assign(out);
        }
        cached = training;
        return layerConf().getActivationFn().getActivation(out, training);
    }

    /**
     * ReLU (plain) or identity with the SIMD GEMM available: the Java path (bias, activation and the [nOut, M] to
     * NCHW reorder in one pass; no native copies).
     */
    private boolean fusable() {
        IActivation a = layerConf().getActivationFn();
        return SmallGemm.simd() != null && (a instanceof ActivationIdentity || LoweredActivation.isPlainRelu(a));
    }

    private boolean relu() {
        return layerConf().getActivationFn() instanceof ActivationReLU;
    }

    /**
     * The column matrix of images {@code [n0, n0 + count)}, {@code col[kept, padded(count*plane)]}, into {@link #colJ} (or
     * {@link #colTailJ} for a shorter last group, whose layout differs: each buffer keeps its zeros outside the image).
     */
    private float[] lowerGroup(int[] g, int n0, int count) {
        float[] c = count == group ? (float[]) colJ : colTailJ;
        LoweredKernels.im2col(plan, (float[]) xJ, n0 * g[1] * g[2] * g[3], count, c, padded(count * g[4] * g[5]));
        return c;
    }

    /**
     * {@code out[n, f, p] = act(z[f, n*plane + p] + b[f])}, {@code z = W col}, by groups of {@link #group} images
     * (their column matrix stays in cache); the output stays in {@link #outJ} and is copied to {@code out} unless
     * it is null.
     */
    private void activateFused(INDArray w, INDArray b, int[] g, INDArray out) {
        int nOut = (int) layerConf().getNOut();
        int k = layerConf().keptCount();
        readWeightsAndBias(w, b);
        int mb = g[0];
        int plane = g[4] * g[5];
        boolean relu = relu();
        for (int n0 = 0; n0 < mb; n0 += group) {
            int count = Math.min(group, mb - n0);
            int m = padded(count * plane);
            SmallGemm.simd().nn(wJ, nOut, k, lowerGroup(g, n0, count), m, zJ);
            for (int i = 0; i < count; i++) {
                for (int f = 0; f < nOut; f++) {
                    int src = f * m + i * plane;
                    int dst = ((n0 + i) * nOut + f) * plane;
                    biasAndActivation(zJ, src, outJ, dst, plane, biasJ[f], relu);
                }
            }
        }
        if (out != null) {
            DataCopy.write(outJ, out);
        }
    }

    /** W into {@link #wJ}, b into {@link #biasJ} (zeros without a bias). */
    private void readWeightsAndBias(INDArray w, INDArray b) {
        DataCopy.read(w, wJ);
        if (b != null) {
            DataCopy.read(b, biasJ);
        } else {
            Arrays.fill(biasJ, 0f);
        }
    }

    /** {@code out[dst + i] = act(z[src + i] + bias)} for {@code i < length}, act = ReLU or identity. */
    private static void biasAndActivation(float[] z, int src, float[] out, int dst, int length, float bias, boolean relu) {
        if (relu) {
            for (int i = 0; i < length; i++) {
                out[dst + i] = Math.max(z[src + i] + bias, 0f);
            }
        } else {
            for (int i = 0; i < length; i++) {
                out[dst + i] = z[src + i] + bias;
            }
        }
    }

    /** Image {@code n} of {@link #xJ} into the interior of {@link #xpJ} (its zero border is never written). */
    private void padImage(int[] g, int n) {
        int c = g[1], h = g[2], w = g[3], ph = g[6], pw = g[7];
        int x0 = Math.max(0, -pw), x1 = Math.min(w, wp - pw);
        float[] x = (float[]) xJ;
        for (int ch = 0; ch < c; ch++) {
            for (int iy = Math.max(0, -ph); iy < Math.min(h, hp - ph); iy++) {
                System.arraycopy(x, ((n * c + ch) * h + iy) * w + x0, xpJ, (ch * hp + iy + ph) * wp + x0 + pw, x1 - x0);
            }
        }
    }

    /**
     * Forward pass by implicit GEMM, image by image: {@code z[f, y*wp + x] = sum_p W[f, p] xp[rowStart[p] + y*wp + x]},
     * then {@code out[n, f, y, x] = act(z + b[f])} for {@code x < ow}.
     */
    private void activateImplicit(INDArray w, INDArray b, int[] g, INDArray out) {
        int nOut = (int) layerConf().getNOut();
        int k = layerConf().keptCount();
        readWeightsAndBias(w, b);
        int oh = g[4], ow = g[5];
        int n = padded(oh * wp);
        boolean relu = relu();
        for (int img = 0; img < g[0]; img++) {
            padImage(g, img);
            SmallGemm.simd().productRows(wJ, k, 1, nOut, k, xpJ, rowStart, n, zJ);
            for (int f = 0; f < nOut; f++) {
                float bf = biasJ[f];
                for (int y = 0; y < oh; y++) {
                    int src = f * n + y * wp;
                    int dst = ((img * nOut + f) * oh + y) * ow;
                    biasAndActivation(zJ, src, outJ, dst, ow, bf, relu);
                }
            }
        }
        if (out != null) {
            DataCopy.write(outJ, out);
        }
    }

    /**
     * Backward pass by implicit GEMM, image by image: {@code dZ[f, y*wp + x] = eps * act'} (0 for {@code x >= ow}, so
     * the discarded columns add nothing), {@code dW += dZ Xp^T} over the shifted rows, and the input gradient as the
     * full correlation {@code dx[c, iy, ix] = sum_{f, ky', kx'} W'[c, (f, ky', kx')] dzq[f, iy + ph + ky', ix + pw + kx']}
     * (one implicit GEMM over {@link #dzqJ}'s shifted rows; no column-matrix gradient).
     */
    private Pair<Gradient, INDArray> backwardImplicit(INDArray epsilon, INDArray w, int[] g, LayerWorkspaceMgr workspaceMgr) {
        DataCopy.read(epsilon.dataType() == DataType.FLOAT ? epsilon : epsilon.castTo(DataType.FLOAT), epsJ);
        DataCopy.read(w, wJ);
        int nOut = (int) layerConf().getNOut();
        int k = layerConf().keptCount();
        int c = g[1], h = g[2], wIn = g[3], oh = g[4], ow = g[5], pw = g[7];
        int n = padded(oh * wp);
        boolean relu = relu();
        Arrays.fill(biasJ, 0f);
        Arrays.fill(dwJ, 0f);
        Arrays.fill(zJ, 0f);
        float[] dx = (float[]) dxJ;
        SmallGemm gemm = SmallGemm.simd();
        int kh = layerConf().getKernelSize()[0], kw = layerConf().getKernelSize()[1];
        int taps = nOut * kh * kw;
        int nx = padded(h * wq);
        Arrays.fill(wtJ, 0f);
        int[] kept = layerConf().keptPositions();
        for (int f = 0; f < nOut; f++) {
            for (int p = 0; p < k; p++) {
                int ky = kept[p] / kw % kh, kx = kept[p] % kw;
                wtJ[kept[p] / (kh * kw) * taps + f * kh * kw + (kh - 1 - ky) * kw + kw - 1 - kx] = wJ[f * k + p];
            }
        }
        for (int img = 0; img < g[0]; img++) {
            for (int f = 0; f < nOut; f++) {
                float sum = 0f;
                for (int y = 0; y < oh; y++) {
                    int src = ((img * nOut + f) * oh + y) * ow;
                    int dst = f * n + y * wp;
                    int q = (f * hq + y + kh - 1) * wq + kw - 1;
                    for (int x = 0; x < ow; x++) {
                        float d = relu && outJ[src + x] <= 0f ? 0f : epsJ[src + x];
                        zJ[dst + x] = d;
                        dzqJ[q + x] = d;
                        sum += d;
                    }
                }
                biasJ[f] += sum;
            }
            padImage(g, img);
            gemm.ntAddRows(zJ, nOut, n, xpJ, rowStart, k, dwJ);
            gemm.productRows(wtJ, taps, 1, c, taps, dzqJ, rowStartT, nx, dxpJ);
            for (int ch = 0; ch < c; ch++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(dxpJ, ch * nx + iy * wq + pw, dx, ((img * c + ch) * h + iy) * wIn, wIn);
                }
            }
        }
        return gradients(g, dx, workspaceMgr);
    }

    /**
     * Backward pass of the Java path, group by group: {@code dZ[f, i*plane + p] = eps[n0 + i, f, p] * act'} (into
     * {@link #zJ}), {@code db[f] += sum dZ[f, :]}, the group's column matrix again (unless one group holds the batch
     * and the forward pass left it in place), {@code dW += dZ col^T}, {@code dcol = W^T dZ}, {@code dx = col2im(dcol)}.
     */
    private Pair<Gradient, INDArray> backwardFused(INDArray epsilon, INDArray w, int[] g, LayerWorkspaceMgr workspaceMgr) {
        DataCopy.read(epsilon.dataType() == DataType.FLOAT ? epsilon : epsilon.castTo(DataType.FLOAT), epsJ);
        DataCopy.read(w, wJ);
        int nOut = (int) layerConf().getNOut();
        int k = layerConf().keptCount();
        int mb = g[0];
        int plane = g[4] * g[5];
        int imageSize = g[1] * g[2] * g[3];
        boolean relu = relu();
        Arrays.fill(biasJ, 0f);
        Arrays.fill(dwJ, 0f);
        float[] dx = (float[]) dxJ;
        SmallGemm gemm = SmallGemm.simd();
        for (int n0 = 0; n0 < mb; n0 += group) {
            int count = Math.min(group, mb - n0);
            int m = padded(count * plane);
            for (int f = 0; f < nOut; f++) {
                Arrays.fill(zJ, f * m + count * plane, (f + 1) * m, 0f);
            }
            for (int i = 0; i < count; i++) {
                for (int f = 0; f < nOut; f++) {
                    int src = ((n0 + i) * nOut + f) * plane;
                    int dst = f * m + i * plane;
                    float sum = 0f;
                    for (int p = 0; p < plane; p++) {
                        float d = relu && outJ[src + p] <= 0f ? 0f : epsJ[src + p];
                        zJ[dst + p] = d;
                        sum += d;
                    }
                    biasJ[f] += sum;
                }
            }
            float[] c = count == mb ? (float[]) colJ : lowerGroup(g, n0, count);
            gemm.ntAdd(zJ, nOut, m, c, k, dwJ);
            gemm.tn(wJ, nOut, k, zJ, m, (float[]) dcolJ);
            Arrays.fill(dx, n0 * imageSize, (n0 + count) * imageSize, 0f);
            LoweredKernels.col2imAdd(plan, (float[]) dcolJ, count, dx, n0 * imageSize, m);
        }
        return gradients(g, dx, workspaceMgr);
    }

    /** The Java path's gradients ({@link #dwJ}, {@link #biasJ}) and epsilon ({@code dx}) as DL4J expects them. */
    private Pair<Gradient, INDArray> gradients(int[] g, float[] dx, LayerWorkspaceMgr workspaceMgr) {
        Gradient ret = new DefaultGradient();
        INDArray wGrad = gradientViews.get(LoweredConvolutionParamInitializer.WEIGHT_KEY);
        DataCopy.write(dwJ, wGrad);
        ret.gradientForVariable().put(LoweredConvolutionParamInitializer.WEIGHT_KEY, wGrad);
        if (hasBias()) {
            INDArray bGrad = gradientViews.get(LoweredConvolutionParamInitializer.BIAS_KEY);
            DataCopy.write(biasJ, bGrad);
            ret.gradientForVariable().put(LoweredConvolutionParamInitializer.BIAS_KEY, bGrad);
        }
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        DataCopy.write(dx, epsNext);
        weightNoiseParams.clear();
        epsNext = backpropDropOutIfPresent(epsNext);
        return new Pair<>(ret, epsNext);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray w = getParamWithNoise(LoweredConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        if (input.dataType() == DataType.FLOAT && fusable()) {
            int[] g;
            if (cached) {
                g = geometry(input);
            } else {
                g = lower(input);
                if (rowStart != null) {
                    activateImplicit(w, bias(true, workspaceMgr), g, null);
                } else {
                    activateFused(w, bias(true, workspaceMgr), g, null);
                }
            }
            cached = false;
            return rowStart != null ? backwardImplicit(epsilon, w, g, workspaceMgr) : backwardFused(epsilon, w, g, workspaceMgr);
        }
        int[] g;
        if (cached) {
            g = geometry(input);
        } else {
            g = lower(input);
            preActivation(w, bias(true, workspaceMgr), g, pre);
        }
        cached = false;
        int mb = g[0];
        int nOut = (int) layerConf().getNOut();
        int plane = g[4] * g[5];
        // dL/dz (may overwrite pre), then dZ[nOut, M] into z
        INDArray eps = epsilon.dataType() == pre.dataType() ? epsilon : epsilon.castTo(pre.dataType());
        INDArray delta = layerConf().getActivationFn().backprop(pre, eps).getFirst();
        z.reshape('c', nOut, mb, plane).assign(delta.reshape('c', mb, nOut, plane).permute(1, 0, 2));

        INDArray bGrad = null;
        if (hasBias()) {
            bGrad = gradientViews.get(LoweredConvolutionParamInitializer.BIAS_KEY);
            bGrad.assign(z.sum(1).reshape(bGrad.shape()));
        }
        return weightAndInputGradients(w, g, bGrad, workspaceMgr);
    }

    /** From dZ in {@link #z} and the column matrix in {@link #col}: {@code dW = dZ col^T}, {@code dx = col2im(W^T dZ)}. */
    private Pair<Gradient, INDArray> weightAndInputGradients(INDArray w, int[] g, INDArray bGrad, LayerWorkspaceMgr workspaceMgr) {
        int mb = g[0];
        Gradient ret = new DefaultGradient();
        INDArray wGrad = gradientViews.get(LoweredConvolutionParamInitializer.WEIGHT_KEY);
        Nd4j.gemm(z, col, wGrad, false, true, 1.0, 0.0);
        ret.gradientForVariable().put(LoweredConvolutionParamInitializer.WEIGHT_KEY, wGrad);
        if (bGrad != null) {
            ret.gradientForVariable().put(LoweredConvolutionParamInitializer.BIAS_KEY, bGrad);
        }
        // dcol = W^T dZ, written over col (no longer needed), then scattered back to the input's shape
        Nd4j.gemm(w.castTo(col.dataType()), z, col, true, false, 1.0, 0.0);
        DataCopy.read(col, dcolJ);
        if (dxJ instanceof float[]) {
            Arrays.fill((float[]) dxJ, 0f);
            LoweredKernels.col2imAdd(plan, (float[]) dcolJ, mb, (float[]) dxJ);
        } else {
            Arrays.fill((double[]) dxJ, 0.0);
            LoweredKernels.col2imAdd(plan, (double[]) dcolJ, mb, (double[]) dxJ);
        }
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        DataCopy.write(dxJ, epsNext);
        weightNoiseParams.clear();
        epsNext = backpropDropOutIfPresent(epsNext);
        return new Pair<>(ret, epsNext);
    }

    @Override
    public void clear() {
        super.clear();
        cached = false;
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException(where() + ": use activate(); preOutput is not provided");
    }
}
