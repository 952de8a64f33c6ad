package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Small-batch inference of a whole {@link MultiLayerNetwork} in one place: the forward pass runs in Java over float
 * arrays reused between calls (im2col over kept positions + GEMM for convolutions, pooling, batch norm folded to a
 * per-channel affine map, dense layers, softmax), without DL4J's per-layer workspaces, preprocessors and native calls,
 * which dominate at batch 1. A snapshot of the network's parameters at {@link #of} time (build it again after
 * training). Supported: plain {@code ConvolutionLayer} and {@link LoweredConvolution} (NCHW, dilation 1),
 * {@code SubsamplingLayer} MAX/AVG without padding (Truncate), {@code BatchNormalization}, {@code GlobalPoolingLayer}
 * AVG/MAX, {@code DenseLayer}, {@code OutputLayer}, {@code ActivationLayer}; activations identity, ReLU, tanh, sigmoid,
 * softmax (last layer). Anything else is refused by {@link #of} naming the layer.
 */
public final class FusedInference {

    /** One layer's forward on [mb, ...] float data; shapes exclude the batch axis. */
    private abstract static class Stage {
        final String name;
        float[] out = new float[0];
        int[] outShape;

        Stage(String name) {
            this.name = name;
        }

        abstract int[] shape(int[] in);

        abstract void run(float[] in, int[] inShape, int mb);

        float[] buffer(int len) {
            if (out.length != len) {
                out = new float[len];
            }
            return out;
        }
    }

    /** Products of at least this many multiply-adds go to ND4J's BLAS; smaller ones stay in Java (no call overhead). */
    static final long NATIVE_GEMM_MIN_MACS = 100_000;

    /**
     * {@code c[m, n] = a[m, k] b[k, n]} (row-major) with a fixed operand: the SIMD {@link SmallGemm} when the JVM has
     * the Vector API; else Java below {@link #NATIVE_GEMM_MIN_MACS} and ND4J's GEMM on detached arrays reused between
     * calls above. The fixed operand is {@code a} (left) or {@code b} (right).
     */
    private static final class Gemm {
        private final float[] fixed;
        private final boolean fixedLeft;
        private final int rows, cols;
        private final SmallGemm simd;
        private INDArray fixedNd, otherNd, outNd;

        Gemm(float[] fixed, boolean fixedLeft, int rows, int cols, SmallGemm simd) {
            this.simd = simd;
            this.fixed = fixed;
            this.fixedLeft = fixedLeft;
            this.rows = rows;
            this.cols = cols;
        }

        /** {@code out = fixed x other} (fixedLeft, other [cols, n]) or {@code other x fixed} (other [n, rows]). */
        void multiply(float[] other, int n, float[] out) {
            if (simd != null) {
                if (fixedLeft) {
                    simd.nn(fixed, rows, cols, other, n, out);
                } else {
                    simd.nn(other, n, rows, fixed, cols, out);
                }
                return;
            }
            long macs = (long) rows * cols * n;
            if (macs < NATIVE_GEMM_MIN_MACS) {
                if (fixedLeft) {
                    LoweredKernels.gemm(fixed, rows, cols, other, n, out);
                } else {
                    LoweredKernels.gemm(other, n, rows, fixed, cols, out);
                }
                return;
            }
            long[] otherShape = fixedLeft ? new long[]{cols, n} : new long[]{n, rows};
            if (otherNd == null || !Arrays.equals(otherNd.shape(), otherShape)) {
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    fixedNd = Nd4j.create(fixed, new long[]{rows, cols}, 'c');
                    otherNd = Nd4j.create(DataType.FLOAT, otherShape, 'c');
                    outNd = Nd4j.create(DataType.FLOAT, fixedLeft ? new long[]{rows, n} : new long[]{n, cols}, 'c');
                }
            }
            DataCopy.write(other, otherNd);
            if (fixedLeft) {
                Nd4j.gemm(fixedNd, otherNd, outNd, false, false, 1.0, 0.0);
            } else {
                Nd4j.gemm(otherNd, fixedNd, outNd, false, false, 1.0, 0.0);
            }
            DataCopy.read(outNd, out);
        }
    }

    private final List<Stage> stages;
    private final int[] inputShape;

    private FusedInference(List<Stage> stages, int[] inputShape) {
        this.stages = stages;
        this.inputShape = inputShape;
    }

    /** Why {@code net} cannot run here (layer name and index), or null if it can. */
    public static String whyNot(MultiLayerNetwork net) {
        try {
            of(net);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Compiles {@code net} (float, built with an input type); throws IllegalArgumentException naming an unsupported layer. */
    public static FusedInference of(MultiLayerNetwork net) {
        return of(net, SmallGemm.simd());
    }

    /** {@link #of(MultiLayerNetwork)} with the given SIMD GEMM (null: Java loops and ND4J's BLAS). */
    static FusedInference of(MultiLayerNetwork net, SmallGemm simd) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<Stage> stages = new ArrayList<>();
        int[] inputShape = null;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer l = conf.getConf(i).getLayer();
            String where = "layer '" + l.getLayerName() + "' (index " + i + ")";
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre instanceof FeedForwardToCnnPreProcessor p && i == 0) {
                inputShape = new int[]{(int) p.getNumChannels(), (int) p.getInputHeight(), (int) p.getInputWidth()};
            } else if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor)) {
                throw new IllegalArgumentException(where + ": preprocessor " + pre.getClass().getSimpleName() + " is not supported");
            }
            org.deeplearning4j.nn.api.Layer rt = net.getLayer(i);
            if (rt.numParams() > 0 && rt.params().dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException(where + ": FLOAT parameters only, got " + rt.params().dataType());
            }
            if (l instanceof LoweredConvolution || l.getClass() == ConvolutionLayer.class) {
                stages.add(conv(where, (ConvolutionLayer) l, rt, simd));
            } else if (l.getClass() == SubsamplingLayer.class || l instanceof LoweredSubsampling) {
                stages.add(pool(where, (SubsamplingLayer) l));
            } else if (l.getClass() == BatchNormalization.class || l instanceof LoweredBatchNormalization) {
                stages.add(batchNorm(where, (BatchNormalization) l, rt));
            } else if (l.getClass() == GlobalPoolingLayer.class) {
                stages.add(globalPool(where, (GlobalPoolingLayer) l));
            } else if (l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class) {
                stages.add(dense(where, (BaseLayer) l, rt, i == conf.getConfs().size() - 1, simd));
            } else if (l.getClass() == ActivationLayer.class || l instanceof LoweredActivation) {
                IActivation a = ((ActivationLayer) l).getActivationFn();
                check(where, a, false);
                stages.add(new Stage(where) {
                    int[] shape(int[] in) {
                        return in;
                    }

                    void run(float[] in, int[] inShape, int mb) {
                        float[] o = buffer(in.length);
                        System.arraycopy(in, 0, o, 0, in.length);
                        activate(a, o, 0, o.length);
                    }
                });
            } else {
                throw new IllegalArgumentException(where + ": " + l.getClass().getSimpleName() + " is not supported by FusedInference");
            }
        }
        return new FusedInference(stages, inputShape);
    }

    /** The network's output for {@code x} ({@code [mb, features]} or {@code [mb, c, h, w]}), as DL4J's {@code output(x)}. */
    public INDArray output(INDArray x) {
        int mb = (int) x.size(0);
        int[] shape;
        if (x.rank() == 4) {
            shape = new int[]{(int) x.size(1), (int) x.size(2), (int) x.size(3)};
        } else if (inputShape != null && x.rank() == 2 && x.size(1) == (long) inputShape[0] * inputShape[1] * inputShape[2]) {
            shape = inputShape;
        } else {
            shape = new int[]{(int) x.size(1)};
        }
        float[] data = new float[(int) x.length()];
        DataCopy.read(x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT), data);
        for (Stage s : stages) {
            int[] outShape = s.shape(shape);
            s.run(data, shape, mb);
            data = s.out;
            shape = outShape;
        }
        long[] outShape = new long[shape.length + 1];
        outShape[0] = mb;
        for (int i = 0; i < shape.length; i++) {
            outShape[i + 1] = shape[i];
        }
        return Nd4j.create(Arrays.copyOf(data, data.length), outShape, 'c');
    }

    private static void check(String where, IActivation a, boolean softmaxAllowed) {
        boolean ok = a instanceof ActivationIdentity || a instanceof ActivationTanH || a instanceof ActivationSigmoid
                || (a instanceof ActivationSoftmax && softmaxAllowed)
                || LoweredActivation.isPlainRelu(a);
        if (!ok) {
            throw new IllegalArgumentException(where + ": activation " + a + " is not supported by FusedInference");
        }
    }

    /** Element-wise activation of {@code v[from, to)} (not softmax). */
    private static void activate(IActivation a, float[] v, int from, int to) {
        if (a instanceof ActivationReLU) {
            for (int i = from; i < to; i++) {
                v[i] = Math.max(v[i], 0f);
            }
        } else if (a instanceof ActivationTanH) {
            for (int i = from; i < to; i++) {
                v[i] = (float) Math.tanh(v[i]);
            }
        } else if (a instanceof ActivationSigmoid) {
            for (int i = from; i < to; i++) {
                v[i] = (float) (1.0 / (1.0 + Math.exp(-v[i])));
            }
        }
    }

    private static float[] floats(INDArray a) {
        float[] f = new float[(int) a.length()];
        DataCopy.read(a.castTo(DataType.FLOAT), f);
        return f;
    }

    private static Stage conv(String where, ConvolutionLayer c, org.deeplearning4j.nn.api.Layer rt, SmallGemm simd) {
        if (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation()[1] != 1)
                || c.getCnn2dDataFormat() != null && c.getCnn2dDataFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(where + ": only NCHW convolutions with dilation 1 are supported");
        }
        IActivation act = c.getActivationFn();
        check(where, act, false);
        int nOut = (int) c.getNOut();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] kept = c instanceof LoweredConvolution l ? l.keptPositions()
                : java.util.stream.IntStream.range(0, (int) (c.getNIn() * k[0] * k[1])).toArray();
        float[] w = floats(rt.getParam("W").dup('c'));
        Gemm gemm = new Gemm(w, true, nOut, kept.length, simd);
        float[] b = c.hasBias() ? floats(rt.getParam("b")) : new float[nOut];
        int[] pc = new int[kept.length], py = new int[kept.length], px = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            pc[i] = kept[i] / (k[0] * k[1]);
            py[i] = (kept[i] / k[1]) % k[0];
            px[i] = kept[i] % k[1];
        }
        return new Stage(where) {
            LoweredKernels.Plan plan;
            int[] planFor;
            int planBatch;
            float[] col = new float[0];
            float[] z = new float[0];
            int[] pad;

            int[] shape(int[] in) {
                int[] o;
                if (c.getConvolutionMode() == ConvolutionMode.Same) {
                    o = new int[]{(in[1] + s[0] - 1) / s[0], (in[2] + s[1] - 1) / s[1]};
                    pad = ConvolutionUtils.getSameModeTopLeftPadding(o, new int[]{in[1], in[2]}, k, s, new int[]{1, 1});
                } else {
                    pad = c.getPadding();
                    o = new int[]{(in[1] + 2 * pad[0] - k[0]) / s[0] + 1, (in[2] + 2 * pad[1] - k[1]) / s[1] + 1};
                }
                return new int[]{nOut, o[0], o[1]};
            }

            void run(float[] in, int[] inShape, int mb) {
                int[] o = shape(inShape);
                // with the SIMD GEMM, one image at a time: its column matrix stays in cache and Z = W col is already
                // the image's NCHW output; else the whole batch in one GEMM (fewer BLAS calls), then reordered
                int images = simd != null ? 1 : mb;
                if (plan == null || !Arrays.equals(planFor, inShape) || planBatch != images) {
                    plan = new LoweredKernels.Plan(inShape[0], inShape[1], inShape[2], pc, py, px, s[0], s[1], pad[0], pad[1], o[1], o[2]);
                    planFor = inShape.clone();
                    planBatch = images;
                    col = new float[kept.length * images * o[1] * o[2]];
                }
                int plane = o[1] * o[2];
                float[] out = buffer(nOut * mb * plane);
                if (simd != null) {
                    int inSize = inShape[0] * inShape[1] * inShape[2];
                    for (int n = 0; n < mb; n++) {
                        LoweredKernels.im2col(plan, in, n * inSize, 1, col);
                        int base = n * nOut * plane;
                        simd.nn(w, nOut, kept.length, col, plane, out, base);
                        for (int f = 0; f < nOut; f++) {
                            int from = base + f * plane;
                            addBias(out, from, from + plane, b[f]);
                        }
                        activate(act, out, base, base + nOut * plane);
                    }
                    return;
                }
                int m = mb * plane;
                LoweredKernels.im2col(plan, in, mb, col);
                if (z.length != nOut * m) {
                    z = new float[nOut * m];
                }
                gemm.multiply(col, m, z);
                for (int n = 0; n < mb; n++) {
                    for (int f = 0; f < nOut; f++) {
                        int src = f * m + n * plane;
                        int dst = (n * nOut + f) * plane;
                        float bf = b[f];
                        for (int p = 0; p < plane; p++) {
                            out[dst + p] = z[src + p] + bf;
                        }
                    }
                }
                activate(act, out, 0, out.length);
            }
        };
    }

    private static void addBias(float[] v, int from, int to, float bias) {
        for (int i = from; i < to; i++) {
            v[i] += bias;
        }
    }

    private static Stage pool(String where, SubsamplingLayer p) {
        boolean max = p.getPoolingType() == PoolingType.MAX;
        int[] pd = p.getPadding();
        if (!max && p.getPoolingType() != PoolingType.AVG || pd[0] != 0 || pd[1] != 0
                || p.getConvolutionMode() == ConvolutionMode.Same) {
            throw new IllegalArgumentException(where + ": only MAX/AVG pooling without padding (Truncate) is supported");
        }
        int[] k = p.getKernelSize();
        int[] s = p.getStride();
        boolean max2x2 = max && k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2;
        return new Stage(where) {
            int[] shape(int[] in) {
                return new int[]{in[0], (in[1] - k[0]) / s[0] + 1, (in[2] - k[1]) / s[1] + 1};
            }

            void run(float[] in, int[] inShape, int mb) {
                int[] o = shape(inShape);
                int h = inShape[1], w = inShape[2];
                float[] out = buffer(mb * o[0] * o[1] * o[2]);
                if (max2x2) {
                    max2x2(in, mb * o[0], h, w, o[1], o[2], out);
                    return;
                }
                int idx = 0;
                for (int nc = 0; nc < mb * o[0]; nc++) {
                    int base = nc * h * w;
                    for (int oy = 0; oy < o[1]; oy++) {
                        for (int ox = 0; ox < o[2]; ox++) {
                            float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                            for (int ky = 0; ky < k[0]; ky++) {
                                int row = base + (oy * s[0] + ky) * w + ox * s[1];
                                for (int kx = 0; kx < k[1]; kx++) {
                                    acc = max ? Math.max(acc, in[row + kx]) : acc + in[row + kx];
                                }
                            }
                            out[idx++] = max ? acc : acc / (k[0] * k[1]);
                        }
                    }
                }
            }
        };
    }

    /** 2x2 max pooling with stride 2 of {@code planes} planes {@code h x w} into {@code oh x ow} (the common case, unrolled). */
    private static void max2x2(float[] in, int planes, int h, int w, int oh, int ow, float[] out) {
        int o = 0;
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = base + 2 * oy * w;
                int r1 = r0 + w;
                for (int ox = 0; ox < ow; ox++) {
                    int x = 2 * ox;
                    out[o++] = Math.max(Math.max(in[r0 + x], in[r0 + x + 1]), Math.max(in[r1 + x], in[r1 + x + 1]));
                }
            }
        }
    }

    /** Inference batch norm {@code gamma (x - mean) / sqrt(var + eps) + beta}; like DL4J's layer, no activation. */
    private static Stage batchNorm(String where, BatchNormalization bn, org.deeplearning4j.nn.api.Layer rt) {
        BatchNormInference map = BatchNormInference.of(bn, rt);
        int c = map.channels();
        return new Stage(where) {
            int[] shape(int[] in) {
                return in;
            }

            void run(float[] in, int[] inShape, int mb) {
                map.apply(in, buffer(in.length), mb, in.length / (mb * c));
            }
        };
    }

    private static Stage globalPool(String where, GlobalPoolingLayer g) {
        boolean max = g.getPoolingType() == PoolingType.MAX;
        if (!max && g.getPoolingType() != PoolingType.AVG || !g.isCollapseDimensions()) {
            throw new IllegalArgumentException(where + ": only collapsing AVG/MAX global pooling is supported");
        }
        return new Stage(where) {
            int[] shape(int[] in) {
                return new int[]{in[0]};
            }

            void run(float[] in, int[] inShape, int mb) {
                int per = inShape[1] * inShape[2];
                float[] out = buffer(mb * inShape[0]);
                for (int nc = 0; nc < out.length; nc++) {
                    float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                    for (int p = 0; p < per; p++) {
                        acc = max ? Math.max(acc, in[nc * per + p]) : acc + in[nc * per + p];
                    }
                    out[nc] = max ? acc : acc / per;
                }
            }
        };
    }

    private static Stage dense(String where, BaseLayer d, org.deeplearning4j.nn.api.Layer rt, boolean last, SmallGemm simd) {
        IActivation act = d.getActivationFn();
        check(where, act, last);
        org.deeplearning4j.nn.conf.layers.FeedForwardLayer f = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) d;
        int nIn = (int) f.getNIn();
        int nOut = (int) f.getNOut();
        float[] w = floats(rt.getParam("W").dup('c'));
        Gemm gemm = new Gemm(w, false, nIn, nOut, simd);
        boolean bias = d instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) d).hasBias();
        float[] b = bias ? floats(rt.getParam("b")) : new float[nOut];
        boolean softmax = act instanceof ActivationSoftmax;
        return new Stage(where) {
            int[] shape(int[] in) {
                return new int[]{nOut};
            }

            void run(float[] in, int[] inShape, int mb) {
                if (in.length != mb * nIn) {
                    throw new IllegalStateException(name + ": expected " + nIn + " inputs per example, got " + in.length / mb);
                }
                float[] out = buffer(mb * nOut);
                gemm.multiply(in, mb, out);
                for (int n = 0; n < mb; n++) {
                    int o = n * nOut;
                    for (int j = 0; j < nOut; j++) {
                        out[o + j] += b[j];
                    }
                    if (softmax) {
                        float mx = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < nOut; j++) {
                            mx = Math.max(mx, out[o + j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < nOut; j++) {
                            out[o + j] = (float) Math.exp(out[o + j] - mx);
                            sum += out[o + j];
                        }
                        for (int j = 0; j < nOut; j++) {
                            out[o + j] = (float) (out[o + j] / sum);
                        }
                    } else {
                        activate(act, out, o, o + nOut);
                    }
                }
            }
        };
    }
}
