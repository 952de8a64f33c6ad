package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of a {@link LoweredConvolution}: {@code W} of shape {@code [nOut, kept]} (c order, row f = filter f's
 * kept kernel weights in kept-position order) and, if the layer has a bias, {@code b} of shape {@code [1, nOut]}.
 * Flattened layout: {@code W} then {@code b}. New weights use the layer's weight init with the fan-in/out of the full
 * convolution ({@code nIn*kH*kW}, {@code nOut*kH*kW/(sH*sW)}).
 */
public final class LoweredConvolutionParamInitializer implements ParamInitializer {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    private static final LoweredConvolutionParamInitializer INSTANCE = new LoweredConvolutionParamInitializer();

    private LoweredConvolutionParamInitializer() {
    }

    public static LoweredConvolutionParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        LoweredConvolution l = (LoweredConvolution) layer;
        return l.getNOut() * (long) l.keptCount() + (l.hasBias() ? l.getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return ((LoweredConvolution) layer).hasBias() ? Arrays.asList(WEIGHT_KEY, BIAS_KEY) : weightKeys(layer);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.singletonList(WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((LoweredConvolution) layer).hasBias() ? Collections.singletonList(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        LoweredConvolution l = (LoweredConvolution) conf.getLayer();
        long nOut = l.getNOut();
        long kept = l.keptCount();
        INDArray flat = paramsView.reshape(paramsView.length());
        INDArray wView = flat.get(NDArrayIndex.interval(0, nOut * kept));
        Map<String, INDArray> params = Collections.synchronizedMap(new LinkedHashMap<>());
        INDArray w;
        if (initializeParams) {
            int[] k = l.getKernelSize();
            int[] s = l.getStride();
            double fanIn = (double) l.getNIn() * k[0] * k[1];
            double fanOut = (double) nOut * k[0] * k[1] / ((double) s[0] * s[1]);
            w = l.getWeightInitFn().init(fanIn, fanOut, new long[]{nOut, kept}, 'c', wView);
        } else {
            w = wView.reshape('c', nOut, kept);
        }
        params.put(WEIGHT_KEY, w);
        conf.addVariable(WEIGHT_KEY);
        if (l.hasBias()) {
            INDArray bView = flat.get(NDArrayIndex.interval(nOut * kept, nOut * kept + nOut)).reshape(1, nOut);
            if (initializeParams) {
                bView.assign(l.getBiasInit());
            }
            params.put(BIAS_KEY, bView);
            conf.addVariable(BIAS_KEY);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        LoweredConvolution l = (LoweredConvolution) conf.getLayer();
        long nOut = l.getNOut();
        long kept = l.keptCount();
        INDArray flat = gradientView.reshape(gradientView.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(WEIGHT_KEY, flat.get(NDArrayIndex.interval(0, nOut * kept)).reshape('c', nOut, kept));
        if (l.hasBias()) {
            out.put(BIAS_KEY, flat.get(NDArrayIndex.interval(nOut * kept, nOut * kept + nOut)).reshape(1, nOut));
        }
        return out;
    }
}
