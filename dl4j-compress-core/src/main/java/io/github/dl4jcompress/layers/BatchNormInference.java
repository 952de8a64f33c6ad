package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's inference batch normalization as one affine map per channel, {@code y = a·x + s} with
 * {@code a = γ / sqrt(var + ε)} and {@code s = β − μ·a}, from the running statistics; under log10 std
 * {@code var = (10^log10std)²}, as DL4J computes it. Used by the Java batch-norm layer and by {@link FusedInference}.
 */
final class BatchNormInference {

    private final float[] scale;
    private final float[] shift;

    private BatchNormInference(float[] scale, float[] shift) {
        this.scale = scale;
        this.shift = shift;
    }

    /** The map of the runtime layer {@code rt} configured by {@code conf} (γ and β fixed when locked). */
    static BatchNormInference of(BatchNormalization conf, org.deeplearning4j.nn.api.Layer rt) {
        float[] mean = floats(rt.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        int c = mean.length;
        float[] gamma = conf.isLockGammaBeta() ? filled(c, conf.getGamma()) : floats(rt.getParam(BatchNormalizationParamInitializer.GAMMA));
        float[] beta = conf.isLockGammaBeta() ? filled(c, conf.getBeta()) : floats(rt.getParam(BatchNormalizationParamInitializer.BETA));
        float[] var;
        if (conf.isUseLogStd()) {
            float[] logStd = floats(rt.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
            var = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double std = Math.pow(10, logStd[ch]);
                var[ch] = (float) (std * std);
            }
        } else {
            var = floats(rt.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        }
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + conf.getEps()));
            shift[ch] = beta[ch] - mean[ch] * scale[ch];
        }
        return new BatchNormInference(scale, shift);
    }

    int channels() {
        return scale.length;
    }

    /** {@code out[n, ch, p] = a[ch]·in[n, ch, p] + s[ch]} for {@code mb} examples of {@code plane} values per channel. */
    void apply(float[] in, float[] out, int mb, int plane) {
        int c = scale.length;
        for (int n = 0; n < mb; n++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (n * c + ch) * plane;
                float sc = scale[ch], sh = shift[ch];
                for (int p = 0; p < plane; p++) {
                    out[base + p] = in[base + p] * sc + sh;
                }
            }
        }
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private static float[] filled(int n, double v) {
        float[] f = new float[n];
        Arrays.fill(f, (float) v);
        return f;
    }
}
