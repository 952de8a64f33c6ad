package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * The runtime layer of a {@link LoweredBatchNormalization}: float NCHW batch normalization in Java (formulas there);
 * anything else goes to DL4J's {@link BatchNormalization}. Per channel {@code c} over the {@code M = N·H·W} values:
 * a training forward pass computes {@code μ_c}, the biased {@code σ²_c} (double sums), {@code x̂ = (x − μ)/s} with
 * {@code s = sqrt(σ² + ε)} and keeps {@code x̂} for the backward pass, which returns
 * {@code dx = γ/s (dy − Σdy/M − x̂ Σ(dy x̂)/M)}, {@code dγ = Σ dy x̂}, {@code dβ = Σ dy} and DL4J's running-statistics
 * "gradients" {@code (1 − decay)(mean − μ)} and {@code (1 − decay)(var − σ²)} (or, with log10 std,
 * {@code log(v/(decay·v + (1 − decay)σ²))/(2 ln 10)}, {@code v = 10^(2·log10std)}), which DL4J's no-op updater
 * subtracts. Inference uses the running mean and {@code s = sqrt(var + ε)} with, under log10 std, {@code var = 10^(2·log10std)} (as DL4J). Buffers are
 * reused across iterations; x̂ is recomputed from the kept input in the backward pass and results go to their
 * INDArray image by image (fewer passes over memory than keeping x̂ and whole-batch output buffers).
 */
public class LoweredBatchNormalizationLayer extends BatchNormalization {

    private static final double ONE_ON_2_LN_10 = 1.0 / (2 * Math.log(10.0));

    private final FloatKernels sums = FloatKernels.fast();

    /** The input (kept for the backward pass), the output (inference), the incoming gradient, one image of results. */
    private transient float[] xJ, yJ, epsJ, imageJ;
    private transient double[] batchMean, batchVar;
    /** Per channel: the float batch mean and {@code 1/s}. */
    private transient float[] muJ, scaleJ;
    /** {n, c, h, w} of the buffers. */
    private transient long[] geom;
    /** True between a training forward pass and the backward pass that uses its batch statistics. */
    private transient boolean cached;

    public LoweredBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean javaPath(INDArray in) {
        org.deeplearning4j.nn.conf.layers.BatchNormalization c = layerConf();
        return in != null && in.rank() == 4 && in.dataType() == DataType.FLOAT && dataType == DataType.FLOAT
                && (c.getCnn2DFormat() == null || c.getCnn2DFormat() == CNN2DFormat.NCHW)
                && !c.isLockGammaBeta() && c.isMinibatch() && c.getIDropout() == null && maskArray == null
                && in.size(1) == c.getNOut() && in.length() < Integer.MAX_VALUE;
    }

    private void prepare(INDArray in) {
        long[] g = in.shape();
        if (!java.util.Arrays.equals(g, geom)) {
            int len = (int) in.length();
            xJ = new float[len];
            yJ = null;
            epsJ = new float[len];
            int c = (int) g[1];
            imageJ = new float[(int) (len / g[0])];
            batchMean = new double[c];
            batchVar = new double[c];
            muJ = new float[c];
            scaleJ = new float[c];
            geom = g.clone();
            cached = false;
        }
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!javaPath(input)) {
            cached = false;
            return super.activate(training, workspaceMgr);
        }
        prepare(input);
        DataCopy.read(input, xJ);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.shape(), 'c');
        if (training) {
            batchStatistics();
            trainingOutput(out);
        } else {
            if (yJ == null) {
                yJ = new float[xJ.length];
            }
            inferenceForward();
            DataCopy.write(yJ, out);
        }
        cached = training;
        return out;
    }

    /** Per channel of {@link #xJ}: μ, the biased σ² (double sums of float plane sums) and {@code 1/s}. */
    private void batchStatistics() {
        int n = (int) geom[0], c = (int) geom[1], plane = (int) (geom[2] * geom[3]);
        double eps = layerConf().getEps();
        long m = (long) n * plane;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int b = 0; b < n; b++) {
                sum += sums.sum(xJ, (b * c + ch) * plane, plane);
            }
            double mean = sum / m;
            float mu = (float) mean;
            double squares = 0;
            for (int b = 0; b < n; b++) {
                squares += sums.squaredDeviation(xJ, (b * c + ch) * plane, plane, mu);
            }
            // the squares were taken around the float mean: correct for the difference to the exact mean
            double shift = mean - mu;
            double var = Math.max(0, squares / m - shift * shift);
            batchMean[ch] = mean;
            batchVar[ch] = var;
            muJ[ch] = mu;
            scaleJ[ch] = (float) (1.0 / Math.sqrt(var + eps));
        }
    }

    /**
     * {@code y = γ x̂ + β}, {@code x̂ = (x − μ)/s}, image by image through {@link #imageJ} straight into {@code out}
     * (x̂ is not stored: the backward pass recomputes it from the kept input, which costs less than a pass over memory).
     */
    private void trainingOutput(INDArray out) {
        int n = (int) geom[0], c = (int) geom[1], plane = (int) (geom[2] * geom[3]);
        float[] gamma = floats(getParam(BatchNormalizationParamInitializer.GAMMA));
        float[] beta = floats(getParam(BatchNormalizationParamInitializer.BETA));
        FloatBuffer target = DataCopy.denseFloats(out);
        int image = c * plane;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                float mu = muJ[ch], inv = scaleJ[ch], g = gamma[ch], bt = beta[ch];
                int src = (b * c + ch) * plane, dst = ch * plane;
                sums.affine(xJ, src, imageJ, dst, plane, mu, inv, g, bt);
            }
            target.put(b * image, imageJ, 0, image);
        }
    }

    /** y from {@link #xJ} with the running statistics. */
    private void inferenceForward() {
        BatchNormInference.of(layerConf(), this).apply(xJ, yJ, (int) geom[0], (int) (geom[2] * geom[3]));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!javaPath(input) || epsilon.dataType() != DataType.FLOAT) {
            cached = false;
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        if (!cached) {
            prepare(input);
            DataCopy.read(input, xJ);
            batchStatistics();
        }
        cached = false;
        DataCopy.read(epsilon, epsJ);
        org.deeplearning4j.nn.conf.layers.BatchNormalization conf = layerConf();
        int n = (int) geom[0], c = (int) geom[1], plane = (int) (geom[2] * geom[3]);
        long m = (long) n * plane;
        float[] gamma = floats(getParam(BatchNormalizationParamInitializer.GAMMA));
        float[] dGamma = new float[c], dBeta = new float[c];
        float[] k = new float[c], meanDy = new float[c], meanDyHat = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double sumDy = 0, sumDyCentred = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * plane;
                sumDy += sums.sum(epsJ, base, plane);
                sumDyCentred += sums.centredDot(epsJ, xJ, base, plane, muJ[ch]);
            }
            double sumDyHat = sumDyCentred * scaleJ[ch];
            dBeta[ch] = (float) sumDy;
            dGamma[ch] = (float) sumDyHat;
            k[ch] = gamma[ch] * scaleJ[ch];
            meanDy[ch] = (float) (sumDy / m);
            meanDyHat[ch] = (float) (sumDyHat / m);
        }
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        FloatBuffer target = DataCopy.denseFloats(dx);
        int image = c * plane;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                float kc = k[ch], md = meanDy[ch], mdh = meanDyHat[ch], mu = muJ[ch], inv = scaleJ[ch];
                int src = (b * c + ch) * plane, dst = ch * plane;
                sums.inputGradient(epsJ, xJ, src, imageJ, dst, plane, kc, md, mu, inv, mdh);
            }
            target.put(b * image, imageJ, 0, image);
        }
        Gradient gradient = new DefaultGradient();
        INDArray gGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray gBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        gGamma.assign(Nd4j.createFromArray(dGamma).reshape(gGamma.shape()));
        gBeta.assign(Nd4j.createFromArray(dBeta).reshape(gBeta.shape()));
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, gGamma);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, gBeta);
        runningStatisticsGradients(gradient, conf, c);
        return new Pair<>(gradient, dx);
    }

    /** DL4J's rule: the no-op updater subtracts these, moving the running statistics towards the batch's. */
    private void runningStatisticsGradients(Gradient gradient, org.deeplearning4j.nn.conf.layers.BatchNormalization conf, int c) {
        double decay = conf.getDecay();
        float[] mean = floats(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        float[] dMean = new float[c];
        for (int ch = 0; ch < c; ch++) {
            dMean[ch] = (float) ((mean[ch] - batchMean[ch]) * (1 - decay));
        }
        INDArray gMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        gMean.assign(Nd4j.createFromArray(dMean).reshape(gMean.shape()));
        gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, gMean);
        String key = conf.isUseLogStd() ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD : BatchNormalizationParamInitializer.GLOBAL_VAR;
        float[] current = floats(getParam(key));
        float[] d = new float[c];
        for (int ch = 0; ch < c; ch++) {
            if (conf.isUseLogStd()) {
                double std = Math.pow(10, current[ch]);
                double v = std * std;
                d[ch] = (float) (Math.log(v / (v * decay + batchVar[ch] * (1 - decay))) * ONE_ON_2_LN_10);
            } else {
                d[ch] = (float) ((current[ch] - batchVar[ch]) * (1 - decay));
            }
        }
        INDArray g = gradientViews.get(key);
        g.assign(Nd4j.createFromArray(d).reshape(g.shape()));
        gradient.setGradientFor(key, g);
    }

    @Override
    public void clear() {
        super.clear();
        cached = false;
    }
}
