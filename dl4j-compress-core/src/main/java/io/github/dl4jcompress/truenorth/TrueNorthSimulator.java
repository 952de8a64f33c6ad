package io.github.dl4jcompress.truenorth;

import io.github.dl4jcompress.regularization.FiniteValues;
import io.github.dl4jcompress.regularization.NonFiniteValueException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Evaluates a trained {@link MultiLayerNetwork} of {@link DenseLayer}s, {@link ConvolutionLayer}s and a final
 * {@link OutputLayer} as an IBM TrueNorth deployment would (Wen et al., DAC 2016), with {@code k} synapse copies and
 * {@code s} spikes per frame. A convolution is treated as the crossbar of its lowered (im2col) matrix: its kernel
 * {@code [nOut, nIn, kh, kw]} is one weight matrix with one full scale {@code c = max|W|}, deployed once and shared
 * by all output positions; the layer's own forward pass (padding, stride, dilation) then runs on the deployed kernel
 * and the spiking input.
 *
 * <p><b>Synapses</b> (fixed at construction, one seeded draw = one programmed chip): each layer's weights are
 * replaced by {@link SynapseMapping#deploy} — {@code Ŵ = sign(W) · c · mean_k Bernoulli(|W|/c)}, {@code c = max|W|}
 * per layer, so {@code E[Ŵ] = W}. <b>Biases</b> are kept in float (on the chip they are the neurons' leak/threshold
 * offsets, which are not stochastic).
 *
 * <p><b>Spikes</b> (drawn anew in every {@link #output} call from a generator re-seeded from the simulator's seed, so
 * the same call gives the same result): the input is clipped to [0, 1] and rate-coded with {@code s} ticks ({@link SpikeCoding}).
 * <b>Neuron model</b> of a hidden layer {@code l} (must be ReLU): membrane {@code z = x̂ Ŵ + b}; output rate
 * <pre>
 *   r = min(1, relu(z) / a_l)
 * </pre>
 * rate-coded with {@code s} spikes, where {@code a_l} is the layer's calibration maximum: the largest ReLU activation
 * of the float network on the calibration features (inputs clipped to [0, 1]), or 1 if that is 0 — or, with
 * {@link Builder#calibrationQuantile} {@code q < 1}, the {@code q}-quantile (nearest rank) of the layer's positive
 * activations on those features (the "robust normalization" of ANN-to-SNN conversion: a few outliers no longer
 * squeeze all other rates toward 0 spikes, at the price of saturating the top {@code 1 − q}). The next layer
 * receives {@code a_l · r̂} (on the chip the factor {@code a_l} is folded into the next layer's weights before their
 * normalization). Activations above the calibration maximum saturate at one spike per tick.
 * <b>Output layer</b>: its membrane {@code z} (sampled synapses, spiking inputs) is passed through the layer's own
 * activation in float; the class decision is {@code argmax z}, as with counting output spikes.
 *
 * <p>As {@code k, s → ∞} the output converges to the float network's (inputs in [0, 1], no hidden activation above
 * its calibration maximum). Other layer types (pooling, batch normalization, other convolution variants, ...) and
 * non-ReLU hidden layers are refused with an {@link IllegalArgumentException} naming the layer. Input preprocessors
 * of the configuration (e.g. flat image to CNN) are applied as in the network. Not thread-safe (the layers of the
 * internal deployed copy hold their last input).
 *
 * <p>Cost: one uniform draw per synapse copy at construction and one per input value and tick per call; measured
 * (1 thread, double precision) on a 784-300-10 network and 10,000 examples: about 2.5 s at s = 1, 11 s at s = 16 and
 * 40 s at s = 64 — linear in s, nearly independent of k.
 */
public final class TrueNorthSimulator {

    private static final Logger log = LoggerFactory.getLogger(TrueNorthSimulator.class);
    private static final int CHUNK_ROWS = 1024;

    private final int copies;
    private final int spikes;
    private final long seed;
    private final double calibrationQuantile;
    /** A copy of the network whose weights are the deployed synapses; its layers run the forward pass. */
    private final MultiLayerNetwork chip;
    private final double[] scales;
    private final long[] exampleShape;
    private final DataType dataType;

    private TrueNorthSimulator(Builder b, MultiLayerNetwork net, INDArray calibration) {
        this.copies = b.copies;
        this.spikes = b.spikes;
        this.seed = b.seed;
        this.calibrationQuantile = b.calibrationQuantile;
        Layer[] layers = net.getLayers();
        if (layers.length == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: network has no layers");
        }
        for (int i = 0; i < layers.length; i++) {
            checkLayer(layers[i].conf().getLayer(), i, i == layers.length - 1);
            checkFiniteParameters(layers[i], i);
        }
        if (calibration == null || calibration.length() == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: calibration features are empty");
        }
        checkFiniteFeatures(calibration, "calibration features");
        this.dataType = layers[0].getParam("W").dataType();
        long[] shape = calibration.shape();
        this.exampleShape = Arrays.copyOfRange(shape, 1, shape.length);
        org.deeplearning4j.nn.conf.layers.Layer first = layers[0].conf().getLayer();
        if (first instanceof DenseLayer && perExample() != layers[0].getParam("W").size(0)) {
            throw new IllegalArgumentException("TrueNorthSimulator: calibration features have " + perExample()
                    + " values per example but the first layer expects " + layers[0].getParam("W").size(0));
        }
        this.scales = calibrate(net, calibration.castTo(dataType), calibrationQuantile);
        this.chip = net.clone();
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(generatorSeed(seed, 0))) {
            for (Layer layer : chip.getLayers()) {
                layer.setParam("W", SynapseMapping.deploy(layer.getParam("W").dup(), copies, rng));
            }
        } catch (Exception e) {
            throw new IllegalStateException("TrueNorthSimulator: could not draw the synapses", e);
        }
        log.debug("TrueNorthSimulator k={} s={} seed={} layers={} calibration maxima={}", copies, spikes, seed,
                layers.length, scales);
    }

    /**
     * The seed handed to ND4J's generator for stream {@code stream} (0: synapses, 1: spikes): a SplitMix64 mix of
     * the user's seed, never 0. ND4J's native generator does not reproduce its draws for seed 0, so without the mix
     * the default seed would deploy a different chip every time.
     */
    static long generatorSeed(long seed, int stream) {
        long z = seed + (stream + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return z == 0 ? 1 : z;
    }

    /** Refuses NaN/±Infinity in any parameter of layer {@code i}, naming the layer, parameter and index. */
    private static void checkFiniteParameters(Layer layer, int i) {
        for (java.util.Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
            long bad = FiniteValues.firstNonFinite(p.getValue());
            if (bad >= 0) {
                double v = FiniteValues.valueAt(p.getValue(), bad);
                String name = layer.conf().getLayer().getLayerName();
                throw new NonFiniteValueException("TrueNorthSimulator: layer " + i + " '" + name + "' parameter "
                        + p.getKey() + " has value " + v + " at index " + bad + "; a chip needs finite weights and biases",
                        name, p.getKey(), bad, v);
            }
        }
    }

    /** Refuses NaN/±Infinity in features {@code [n, ...]}, naming the example and the index inside it. */
    private static void checkFiniteFeatures(INDArray features, String what) {
        long bad = FiniteValues.firstNonFinite(features);
        if (bad >= 0) {
            long perExample = features.length() / features.size(0);
            double v = FiniteValues.valueAt(features, bad);
            throw new NonFiniteValueException("TrueNorthSimulator: " + what + " have value " + v + " at example "
                    + bad / perExample + ", index " + bad % perExample + "; spike rates need finite inputs",
                    null, what, bad, v);
        }
    }

    private static void checkLayer(org.deeplearning4j.nn.conf.layers.Layer conf, int i, boolean last) {
        String name = "layer " + i + " '" + conf.getLayerName() + "'";
        boolean conv = conf.getClass() == ConvolutionLayer.class;
        if (!(conf instanceof DenseLayer || conv || (last && conf instanceof OutputLayer))) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + name + " is a " + conf.getClass().getSimpleName()
                    + "; only DenseLayer, ConvolutionLayer (hidden) and a final OutputLayer are supported");
        }
        if (last && !(conf instanceof OutputLayer)) {
            throw new IllegalArgumentException("TrueNorthSimulator: last " + name + " is a "
                    + conf.getClass().getSimpleName() + "; the network must end in an OutputLayer");
        }
        IActivation act = ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf).getActivationFn();
        if (!last && !new ActivationReLU().equals(act)) {
            throw new IllegalArgumentException("TrueNorthSimulator: hidden " + name + " has activation " + act
                    + "; the spiking neuron model needs plain ReLU");
        }
    }

    private long perExample() {
        long n = 1;
        for (long d : exampleShape) {
            n *= d;
        }
        return n;
    }

    /** A new builder (defaults: 1 copy, 1 spike, seed 0 — reproducible like every other seed). */
    public static Builder builder() {
        return new Builder();
    }

    /** Synapse copies {@code k}. */
    public int copies() { return copies; }
    /** Spikes per frame {@code s}. */
    public int spikes() { return spikes; }
    /** Seed of the synapse draw and of every call's spike draws. */
    public long seed() { return seed; }
    /** Quantile of the positive calibration activations used as a hidden layer's rate scale (1 = the maximum). */
    public double calibrationQuantile() { return calibrationQuantile; }

    /** The calibration maxima {@code a_l} of the hidden layers (length = layers − 1), a copy. */
    public double[] calibrationMaxima() {
        return scales.clone();
    }

    /** The deployed (sampled) weights {@code Ŵ} of layer {@code index} (its "W" parameter's shape), a copy. */
    public INDArray deployedWeights(int index) {
        return chip.getLayer(index).getParam("W").dup();
    }

    /**
     * The network output as the chip would compute it, for features with the calibration set's shape per example (or
     * the same number of values per example, reshaped in C order): the output layer's activation of its spiking
     * membrane potentials.
     */
    public INDArray output(INDArray features) {
        INDArray x = batch(features, "features");
        checkFiniteFeatures(x, "features");
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(generatorSeed(seed, 1))) {
            List<INDArray> parts = new ArrayList<>();
            for (long from = 0; from < x.size(0); from += CHUNK_ROWS) {
                long to = Math.min(x.size(0), from + CHUNK_ROWS);
                INDArrayIndex[] rows = new INDArrayIndex[x.rank()];
                rows[0] = NDArrayIndex.interval(from, to);
                for (int d = 1; d < rows.length; d++) {
                    rows[d] = NDArrayIndex.all();
                }
                parts.add(forward(x.get(rows).dup(), rng));
            }
            return parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts.toArray(new INDArray[0]));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("TrueNorthSimulator: simulation failed", e);
        }
    }

    /** Fraction of examples whose simulated {@code argmax} output equals the label's {@code argmax}. */
    public double accuracy(DataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null || data.numExamples() == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: accuracy needs a non-empty DataSet with labels");
        }
        if (data.getLabels().size(0) != data.getFeatures().size(0)) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + data.getFeatures().size(0) + " feature rows but "
                    + data.getLabels().size(0) + " label rows");
        }
        INDArray predicted = output(data.getFeatures()).argMax(1);
        INDArray actual = data.getLabels().argMax(1);
        long n = predicted.length();
        return predicted.eq(actual).castTo(DataType.DOUBLE).sumNumber().doubleValue() / n;
    }

    private INDArray forward(INDArray x, Random rng) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray a = SpikeCoding.encode(x, spikes, rng);
        Layer[] layers = chip.getLayers();
        for (int l = 0; l < layers.length; l++) {
            InputPreProcessor pre = chip.getLayerWiseConfigurations().getInputPreProcess(l);
            if (pre != null) {
                a = pre.preProcess(a, (int) a.size(0), mgr);
            }
            INDArray out = layers[l].activate(a, false, mgr);
            if (l == layers.length - 1) {
                return out.dup();
            }
            // out = relu(z) already; the rate min(1, relu(z)/a_l) is spike-coded, then scaled back by a_l
            a = SpikeCoding.encode(out.div(scales[l]), spikes, rng).muli(scales[l]);
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Per hidden layer, the largest float ReLU activation on the clipped calibration inputs, or the {@code q}-quantile
     * of its positive activations if {@code q < 1} (1 if no activation is > 0).
     */
    private static double[] calibrate(MultiLayerNetwork net, INDArray calibration, double q) {
        List<INDArray> acts = net.feedForward(SpikeCoding.clip01(calibration), false);
        double[] result = new double[net.getLayers().length - 1];
        for (int l = 0; l < result.length; l++) {
            INDArray a = acts.get(l + 1);
            double scale;
            if (q >= 1) {
                scale = a.maxNumber().doubleValue();
            } else {
                double[] v = Arrays.stream(a.reshape(a.length()).toDoubleVector()).filter(x -> x > 0).sorted().toArray();
                scale = v.length == 0 ? 0 : v[Math.max(0, (int) Math.ceil(q * v.length) - 1)];
            }
            result[l] = scale > 0 ? scale : 1.0;
        }
        return result;
    }

    /** {@code features} reshaped to {@code [n, example shape of the calibration set]}, in the network's data type. */
    private INDArray batch(INDArray features, String what) {
        if (features == null || features.length() == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + what + " are empty");
        }
        long n = features.size(0);
        if (features.length() != n * perExample()) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + what + " " + Arrays.toString(features.shape())
                    + " do not have " + perExample() + " values per example");
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return features.reshape('c', shape).castTo(dataType);
    }

    /** Builder of a {@link TrueNorthSimulator}: copies {@code k ≥ 1}, spikes {@code s ≥ 1}, seed. */
    public static final class Builder {
        private int copies = 1;
        private int spikes = 1;
        private long seed;
        private double calibrationQuantile = 1.0;

        private Builder() {
        }

        /**
         * The hidden layers' rate scale {@code a_l}: the {@code q}-quantile of their positive float activations on the
         * calibration features, {@code 0 < q ≤ 1}; default 1 (the maximum).
         */
        public Builder calibrationQuantile(double q) {
            if (!(q > 0 && q <= 1)) {
                throw new IllegalArgumentException("TrueNorthSimulator: calibration quantile must be in (0, 1], got " + q);
            }
            this.calibrationQuantile = q;
            return this;
        }

        /** Synapse copies per weight, {@code k ≥ 1}. */
        public Builder copies(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("TrueNorthSimulator: copies k must be >= 1, got " + k);
            }
            this.copies = k;
            return this;
        }

        /** Spikes (ticks) per frame, {@code s ≥ 1}. */
        public Builder spikes(int s) {
            if (s < 1) {
                throw new IllegalArgumentException("TrueNorthSimulator: spikes s must be >= 1, got " + s);
            }
            this.spikes = s;
            return this;
        }

        /** Seed of the synapse draw and of the spike draws. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Deploys {@code net}, calibrating the hidden layers' rate scales on {@code calibrationFeatures} (non-empty).
         * The network's parameters are copied; later training does not change this simulator.
         */
        public TrueNorthSimulator build(MultiLayerNetwork net, INDArray calibrationFeatures) {
            if (net == null) {
                throw new IllegalArgumentException("TrueNorthSimulator: network is null");
            }
            return new TrueNorthSimulator(this, net, calibrationFeatures);
        }
    }
}
