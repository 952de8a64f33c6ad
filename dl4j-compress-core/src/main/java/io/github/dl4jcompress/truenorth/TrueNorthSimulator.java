package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Evaluates a trained {@link MultiLayerNetwork} of {@link DenseLayer}s and a final {@link OutputLayer} as an IBM
 * TrueNorth deployment would (Wen et al., DAC 2016), with {@code k} synapse copies and {@code s} spikes per frame.
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
 * of the float network on the calibration features (inputs clipped to [0, 1]), or 1 if that is 0. The next layer
 * receives {@code a_l · r̂} (on the chip the factor {@code a_l} is folded into the next layer's weights before their
 * normalization). Activations above the calibration maximum saturate at one spike per tick.
 * <b>Output layer</b>: its membrane {@code z} (sampled synapses, spiking inputs) is passed through the layer's own
 * activation in float; the class decision is {@code argmax z}, as with counting output spikes.
 *
 * <p>As {@code k, s → ∞} the output converges to the float network's (inputs in [0, 1], no hidden activation above
 * its calibration maximum). Convolution and other layer types are refused with an {@link IllegalArgumentException}.
 *
 * <p>Cost: one uniform draw per synapse copy at construction and one per input value and tick per call; measured
 * (1 thread, double precision) on a 784-300-10 network and 10,000 examples: about 3 s at s = 1, 13 s at s = 16 and
 * 53 s at s = 64 — linear in s, nearly independent of k.
 */
public final class TrueNorthSimulator {

    private static final Logger log = LoggerFactory.getLogger(TrueNorthSimulator.class);
    private static final int CHUNK_ROWS = 1024;

    private final int copies;
    private final int spikes;
    private final long seed;
    private final List<INDArray> deployedWeights;
    private final List<INDArray> biases;
    private final List<IActivation> outputActivations;
    private final double[] scales;
    private final long nIn;
    private final DataType dataType;

    private TrueNorthSimulator(Builder b, MultiLayerNetwork net, INDArray calibration) {
        this.copies = b.copies;
        this.spikes = b.spikes;
        this.seed = b.seed;
        Layer[] layers = net.getLayers();
        if (layers.length == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: network has no layers");
        }
        List<INDArray> floatWeights = new ArrayList<>();
        this.biases = new ArrayList<>();
        this.outputActivations = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layers[i].conf().getLayer();
            String name = "layer " + i + " '" + conf.getLayerName() + "'";
            boolean last = i == layers.length - 1;
            if (conf instanceof ConvolutionLayer) {
                throw new IllegalArgumentException("TrueNorthSimulator: " + name + " is a " + conf.getClass().getSimpleName()
                        + "; convolution crossbars are not supported, only DenseLayer and a final OutputLayer");
            }
            if (!(conf instanceof DenseLayer || (last && conf instanceof OutputLayer))) {
                throw new IllegalArgumentException("TrueNorthSimulator: " + name + " is a " + conf.getClass().getSimpleName()
                        + "; only DenseLayer and a final OutputLayer are supported");
            }
            IActivation act = ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf).getActivationFn();
            if (!last && !new ActivationReLU().equals(act)) {
                throw new IllegalArgumentException("TrueNorthSimulator: hidden " + name + " has activation " + act
                        + "; the spiking neuron model needs plain ReLU");
            }
            INDArray w = layers[i].getParam("W").dup();
            INDArray bias = layers[i].paramTable().containsKey("b") ? layers[i].getParam("b").dup() : null;
            floatWeights.add(w);
            biases.add(bias);
            outputActivations.add(act);
        }
        this.nIn = floatWeights.get(0).rows();
        this.dataType = floatWeights.get(0).dataType();
        this.scales = calibrate(floatWeights, as2d(calibration, "calibration features"));
        this.deployedWeights = new ArrayList<>();
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed)) {
            for (INDArray w : floatWeights) {
                deployedWeights.add(SynapseMapping.deploy(w, copies, rng));
            }
        } catch (Exception e) {
            throw new IllegalStateException("TrueNorthSimulator: could not draw the synapses", e);
        }
        log.debug("TrueNorthSimulator k={} s={} seed={} layers={} calibration maxima={}", copies, spikes, seed,
                layers.length, scales);
    }

    /** A new builder (defaults: 1 copy, 1 spike, seed 0). */
    public static Builder builder() {
        return new Builder();
    }

    /** Synapse copies {@code k}. */
    public int copies() { return copies; }
    /** Spikes per frame {@code s}. */
    public int spikes() { return spikes; }
    /** Seed of the synapse draw and of every call's spike draws. */
    public long seed() { return seed; }

    /** The calibration maxima {@code a_l} of the hidden layers (length = layers − 1), a copy. */
    public double[] calibrationMaxima() {
        return scales.clone();
    }

    /** The deployed (sampled) weights {@code Ŵ} of layer {@code index}, a copy. */
    public INDArray deployedWeights(int index) {
        return deployedWeights.get(index).dup();
    }

    /**
     * The network output as the chip would compute it, for features {@code [n, nIn]} (or any shape with
     * {@code nIn} values per example): the output layer's activation of its spiking membrane potentials.
     */
    public INDArray output(INDArray features) {
        INDArray x = as2d(features, "features");
        INDArray out = null;
        try (Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed * 0x9E3779B97F4A7C15L + 1)) {
            List<INDArray> parts = new ArrayList<>();
            for (long from = 0; from < x.rows(); from += CHUNK_ROWS) {
                long to = Math.min(x.rows(), from + CHUNK_ROWS);
                parts.add(forward(x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(), rng));
            }
            out = parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts.toArray(new INDArray[0]));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("TrueNorthSimulator: simulation failed", e);
        }
        return out;
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
        INDArray a = SpikeCoding.encode(x, spikes, rng);
        int last = deployedWeights.size() - 1;
        for (int l = 0; l <= last; l++) {
            INDArray z = membrane(a, deployedWeights.get(l), biases.get(l));
            if (l == last) {
                return outputActivations.get(l).getActivation(z, false);
            }
            INDArray rate = Transforms.relu(z, false).divi(scales[l]);
            a = SpikeCoding.encode(rate, spikes, rng).muli(scales[l]);
        }
        throw new IllegalStateException("unreachable");
    }

    private static INDArray membrane(INDArray a, INDArray w, INDArray bias) {
        INDArray z = a.mmul(w);
        return bias == null ? z : z.addiRowVector(bias);
    }

    /** Per hidden layer, the largest float ReLU activation on the clipped calibration inputs (1 if none is > 0). */
    private double[] calibrate(List<INDArray> weights, INDArray calibration) {
        double[] result = new double[weights.size() - 1];
        INDArray a = SpikeCoding.clip01(calibration);
        for (int l = 0; l < result.length; l++) {
            a = Transforms.relu(membrane(a, weights.get(l), biases.get(l)), false);
            double max = a.maxNumber().doubleValue();
            result[l] = max > 0 ? max : 1.0;
        }
        return result;
    }

    private INDArray as2d(INDArray features, String what) {
        if (features == null || features.length() == 0) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + what + " are empty");
        }
        long n = features.size(0);
        if (features.length() != n * nIn) {
            throw new IllegalArgumentException("TrueNorthSimulator: " + what + " " + Arrays.toString(features.shape())
                    + " do not have " + nIn + " values per example");
        }
        return features.reshape('c', n, nIn).castTo(dataType);
    }

    /** Builder of a {@link TrueNorthSimulator}: copies {@code k ≥ 1}, spikes {@code s ≥ 1}, seed. */
    public static final class Builder {
        private int copies = 1;
        private int spikes = 1;
        private long seed;

        private Builder() {
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
