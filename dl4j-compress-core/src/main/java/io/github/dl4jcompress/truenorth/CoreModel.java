package io.github.dl4jcompress.truenorth;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

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
     * Total cores of a network of {@link DenseLayer}s/{@link OutputLayer}s with {@code k} copies: the sum of
     * {@link #denseCores} over its layers. Other layer types are refused, naming the layer — including
     * {@code ConvolutionLayer}, which the simulator accepts but whose core count (the chip has no weight sharing, so
     * per output position) is not modelled here.
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

    /** Latency in ticks: {@code s · L}. */
    public static long latencyTicks(int spikes, int layers) {
        if (spikes < 1 || layers < 1) {
            throw new IllegalArgumentException("CoreModel: spikes and layers must be >= 1, got s=" + spikes + ", L=" + layers);
        }
        return (long) spikes * layers;
    }

    /** Latency in ticks of {@code net} (its dense/output layer count) at {@code s} spikes per frame. */
    public static long latencyTicks(MultiLayerNetwork net, int spikes) {
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            denseConf(layers[i], i);
        }
        return latencyTicks(spikes, layers.length);
    }

    private static FeedForwardLayer denseConf(Layer layer, int index) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        if (!(conf instanceof DenseLayer || conf instanceof OutputLayer)) {
            throw new IllegalArgumentException("CoreModel: layer " + index + " '" + conf.getLayerName() + "' is a "
                    + conf.getClass().getSimpleName() + "; only DenseLayer and OutputLayer are modelled");
        }
        return (FeedForwardLayer) conf;
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
