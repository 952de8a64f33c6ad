package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Arrays;

/**
 * Resource model of a TrueNorth deployment: cores (area) and ticks (latency).
 *
 * <p>A core is a crossbar of {@value #AXONS} axons (inputs) × {@value #NEURONS} neurons (outputs). A dense layer
 * {@code nIn → nOut} deployed with {@code k} synapse copies needs {@code k · nOut} neurons, each reading all
 * {@code nIn} inputs. Tiling: the inputs are split into blocks of 256 axons and the neurons into blocks of 256, one
 * core per (input block, neuron block) pair:
 * <pre>
 *   cores(nIn, nOut, k) = ⌈nIn / 256⌉ · ⌈k · nOut / 256⌉
 * </pre>
 * (an idealization: partial sums of different input blocks are assumed to be merged, as a block-connected layer on the
 * chip does by design). For an image input layer the talk's tiling is explicit: the image is cut into 16×16 = 256-pixel
 * blocks, one core group per block ({@link #imageTiles}; a 28×28 MNIST image → 2×2 = 4 blocks), each block's core(s)
 * computing {@code nOutPerTile} neurons from its own 256 pixels ({@link #tiledInputCores}).
 *
 * <p><b>Convolutions.</b> A convolution is the crossbar of its lowered matrix: one output position needs
 * {@code A = kH·kW·nIn} axons (its receptive field) and {@code k·nOut} neurons. The chip has no weight sharing — a
 * core's synapses are fixed when it is programmed and its neurons hold their own membrane state every tick, so the
 * same kernel cannot be time-multiplexed over output positions within a frame; every output position needs its own
 * neurons and the kernel is copied into every core that computes some position. The model therefore places output
 * positions, not the kernel, on cores ({@link #convCores}):
 * <ul>
 *   <li>if one position fits a core ({@code A ≤ 256} and {@code k·nOut ≤ 256}), neighbouring positions share a core:
 *   a rectangular tile of {@code P_h × P_w} output positions needs the axons of its joint receptive field
 *   {@code ((P_h−1)·sH + dH·(kH−1) + 1) · ((P_w−1)·sW + dW·(kW−1) + 1) · nIn ≤ 256} (stride {@code s}, dilation
 *   {@code d}; padding counted as axons, so this is an upper bound at the borders) and
 *   {@code P_h·P_w·k·nOut ≤ 256} neurons; the tile shape with the fewest cores
 *   {@code ⌈H_out/P_h⌉·⌈W_out/P_w⌉} is taken — the talk's 16×16 input blocks, generalized;</li>
 *   <li>otherwise every position is a small dense layer of its own:
 *   {@code H_out·W_out · ⌈A/256⌉ · ⌈k·nOut/256⌉} cores.</li>
 * </ul>
 * Example: LeNet's first convolution (28×28×1 input, 20 filters 5×5, 24×24 outputs), k = 1: at most
 * ⌊256/20⌋ = 12 positions per core, e.g. 3×4 positions read 7×8 = 56 pixels → 8·6 = 48 cores.
 *
 * <p>Latency: a frame is presented as {@code s} spikes (ticks); each layer adds one frame of ticks before the next
 * layer has its whole spike train, so
 * <pre>
 *   latency(s, L) = s · L ticks        (L = number of weight layers; 1 tick = 1 ms on the chip)
 * </pre>
 * Pipelined, throughput is one frame every {@code s} ticks.
 */
public final class CoreModel {

    /** Axons (inputs) per core. */
    public static final int AXONS = 256;
    /** Neurons (outputs) per core. */
    public static final int NEURONS = 256;
    /** Side of a square input tile whose pixels fill one core's axons (16 × 16 = 256). */
    public static final int TILE_SIDE = 16;

    private CoreModel() {
    }

    /** Cores of a dense layer with {@code k} copies: {@code ⌈nIn/256⌉ · ⌈k·nOut/256⌉}. */
    public static long denseCores(long nIn, long nOut, int copies) {
        if (nIn < 1 || nOut < 1) {
            throw new IllegalArgumentException("CoreModel: nIn and nOut must be >= 1, got nIn=" + nIn + ", nOut=" + nOut);
        }
        checkCopies(copies);
        return ceilDiv(nIn, AXONS) * ceilDiv(Math.multiplyExact((long) copies, nOut), NEURONS);
    }

    /** Number of 16×16 tiles covering a {@code height × width} single-channel image: {@code ⌈h/16⌉ · ⌈w/16⌉}. */
    public static long imageTiles(long height, long width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("CoreModel: image size must be >= 1, got " + height + "x" + width);
        }
        return ceilDiv(height, TILE_SIDE) * ceilDiv(width, TILE_SIDE);
    }

    /**
     * Cores of a tiled first layer: {@code imageTiles(h, w) · ⌈k · nOutPerTile / 256⌉} — each 16×16 tile feeds its
     * own core(s) computing {@code nOutPerTile} neurons (28×28, 64 neurons per tile, k = 1 → 4 cores).
     */
    public static long tiledInputCores(long height, long width, long nOutPerTile, int copies) {
        if (nOutPerTile < 1) {
            throw new IllegalArgumentException("CoreModel: nOutPerTile must be >= 1, got " + nOutPerTile);
        }
        checkCopies(copies);
        return imageTiles(height, width) * ceilDiv(Math.multiplyExact((long) copies, nOutPerTile), NEURONS);
    }

    /**
     * Cores of a convolution with {@code k} copies, following the placement of output positions described in the
     * class comment.
     *
     * @param kernel   {@code {kH, kW}}
     * @param stride   {@code {sH, sW}}
     * @param dilation {@code {dH, dW}}
     * @param nIn      input channels
     * @param nOut     output channels (filters)
     * @param outH     output height
     * @param outW     output width
     * @param copies   synapse copies k
     */
    public static long convCores(int[] kernel, int[] stride, int[] dilation, long nIn, long nOut, long outH, long outW,
                                 int copies) {
        checkPair(kernel, "kernel");
        checkPair(stride, "stride");
        checkPair(dilation, "dilation");
        if (nIn < 1 || nOut < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("CoreModel: convolution nIn, nOut and output size must be >= 1, got nIn="
                    + nIn + ", nOut=" + nOut + ", output " + outH + "x" + outW);
        }
        checkCopies(copies);
        long axons = (long) kernel[0] * kernel[1] * nIn;
        long neurons = Math.multiplyExact((long) copies, nOut);
        if (axons > AXONS || neurons > NEURONS) {
            return Math.multiplyExact(outH * outW, ceilDiv(axons, AXONS) * ceilDiv(neurons, NEURONS));
        }
        long effH = (long) dilation[0] * (kernel[0] - 1) + 1;
        long effW = (long) dilation[1] * (kernel[1] - 1) + 1;
        long best = Long.MAX_VALUE;
        for (long ph = 1; ph <= outH; ph++) {
            long rows = (ph - 1) * stride[0] + effH;
            if (ph * neurons > NEURONS || rows * effW * nIn > AXONS) {
                break;
            }
            for (long pw = 1; pw <= outW; pw++) {
                long cols = (pw - 1) * stride[1] + effW;
                if (ph * pw * neurons > NEURONS || rows * cols * nIn > AXONS) {
                    break;
                }
                best = Math.min(best, ceilDiv(outH, ph) * ceilDiv(outW, pw));
            }
        }
        return best;
    }

    /**
     * Total cores of a network of {@link DenseLayer}s/{@link OutputLayer}s with {@code k} copies: the sum of
     * {@link #denseCores} over its layers. Other layer types are refused, naming the layer; for networks with
     * {@link ConvolutionLayer}s use {@link #networkCores(MultiLayerNetwork, InputType, int)}.
     */
    public static long networkCores(MultiLayerNetwork net, int copies) {
        checkCopies(copies);
        long total = 0;
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            FeedForwardLayer ff = denseConf(layers[i], i);
            total += denseCores(ff.getNIn(), ff.getNOut(), copies);
        }
        return total;
    }

    /**
     * Total cores of a network of {@link DenseLayer}s, {@link ConvolutionLayer}s and {@link OutputLayer}s with
     * {@code k} copies, for the given input type (which fixes each convolution's output size): the sum of
     * {@link #denseCores} and {@link #convCores} over its layers.
     */
    public static long networkCores(MultiLayerNetwork net, InputType inputType, int copies) {
        return Arrays.stream(layerCores(net, inputType, copies)).sum();
    }

    /** Cores per layer of {@link #networkCores(MultiLayerNetwork, InputType, int)}. */
    public static long[] layerCores(MultiLayerNetwork net, InputType inputType, int copies) {
        checkCopies(copies);
        if (inputType == null) {
            throw new IllegalArgumentException("CoreModel: input type is null");
        }
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Layer[] layers = net.getLayers();
        long[] cores = new long[layers.length];
        InputType in = inputType;
        for (int i = 0; i < layers.length; i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                in = pre.getOutputType(in);
            }
            org.deeplearning4j.nn.conf.layers.Layer lc = layers[i].conf().getLayer();
            InputType outType = lc.getOutputType(i, in);
            if (lc.getClass() == ConvolutionLayer.class) {
                ConvolutionLayer c = (ConvolutionLayer) lc;
                InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) outType;
                cores[i] = convCores(c.getKernelSize(), c.getStride(), c.getDilation(), c.getNIn(), c.getNOut(),
                        o.getHeight(), o.getWidth(), copies);
            } else {
                FeedForwardLayer ff = denseConf(layers[i], i);
                cores[i] = denseCores(ff.getNIn(), ff.getNOut(), copies);
            }
            in = outType;
        }
        return cores;
    }

    /** Latency in ticks: {@code s · L}. */
    public static long latencyTicks(int spikes, int layers) {
        if (spikes < 1 || layers < 1) {
            throw new IllegalArgumentException("CoreModel: spikes and layers must be >= 1, got s=" + spikes + ", L=" + layers);
        }
        return (long) spikes * layers;
    }

    /** Latency in ticks of {@code net} (its dense/convolution/output layer count) at {@code s} spikes per frame. */
    public static long latencyTicks(MultiLayerNetwork net, int spikes) {
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i].conf().getLayer().getClass() != ConvolutionLayer.class) {
                denseConf(layers[i], i);
            }
        }
        return latencyTicks(spikes, layers.length);
    }

    private static FeedForwardLayer denseConf(Layer layer, int index) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        if (!(conf instanceof DenseLayer || conf instanceof OutputLayer)) {
            throw new IllegalArgumentException("CoreModel: layer " + index + " '" + conf.getLayerName() + "' is a "
                    + conf.getClass().getSimpleName() + "; only DenseLayer, ConvolutionLayer (with an input type) and OutputLayer are modelled");
        }
        return (FeedForwardLayer) conf;
    }

    private static void checkPair(int[] v, String what) {
        if (v == null || v.length != 2 || v[0] < 1 || v[1] < 1) {
            throw new IllegalArgumentException("CoreModel: convolution " + what + " must be two values >= 1, got "
                    + Arrays.toString(v));
        }
    }

    private static void checkCopies(int copies) {
        if (copies < 1) {
            throw new IllegalArgumentException("CoreModel: copies k must be >= 1, got " + copies);
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
