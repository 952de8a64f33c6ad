package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.layers.LoweredConvolution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Deconvolution3D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one table of what the project knows per layer type and per graph-vertex type (in the spirit of Torch-Pruning's
 * table of per-operator prune functions): for a layer, how its weights group ({@link LayoutReader}, read by
 * {@code WeightLayout.of}, the regularizers, the cost model and the listeners) and how the pruner slices it; for a
 * vertex, how channels flow through it. The dependency analysis ({@code ChannelAnalysis}) and the residual-branch
 * finder only walk the graph and ask this table.
 *
 * <p><b>Lookup rule:</b> the entry of the most specific registered class wins: the layer's own class, else its
 * superclass, and so on up to {@link Layer} (likewise for {@link GraphVertex}). So a subclass of {@link DenseLayer}
 * is treated like a dense layer unless it registers its own entry. DL4J's own subclasses that are not what their
 * parent is ({@code Deconvolution2D}, {@code Convolution3D}, {@code Subsampling1DLayer}, ...) are registered
 * explicitly as unsupported. A type with no entry in its whole class chain is unsupported: no groups, and pruning stops
 * at it (its input and output are kept whole). Deliberate stops include LocalResponseNormalization (mixes neighbouring
 * channels) and SpaceToDepth (reorders channels with space).
 *
 * <p>Adding a type = one {@link #register} call (see docs/design.md, "How to add a layer type").
 */
public final class LayerRegistry {

    private static final Map<Class<?>, LayerEntry> LAYERS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, VertexEntry> VERTICES = new ConcurrentHashMap<>();

    static {
        LayerEntry dense = new LayerEntry(LayoutReader.dense(), LayerRules.denseLike(), false);
        LayerEntry convolution = new LayerEntry(LayoutReader.convolution(), LayerRules.convolution(), false);
        LAYERS.put(DenseLayer.class, dense);
        LAYERS.put(OutputLayer.class, dense);
        LAYERS.put(ConvolutionLayer.class, convolution);
        // W is [nOut, nIn, k, 1]: groups exist, but the pruner does not slice 1-D convolutions
        LAYERS.put(Convolution1DLayer.class, convolution.withoutPruning());
        // dense: W[nOut, nIn*kH*kW] c order is a convolution's [nOut, nIn, kH, kW]; a shape-sparse W has no such layout
        LAYERS.put(LoweredConvolution.class, new LayerEntry(new LayoutReader() {
            @Override
            public io.github.dl4jcompress.regularization.WeightLayout read(String name, int index, Layer layer) {
                return LayoutReader.convolution().read(name, index, layer);
            }

            @Override
            public boolean appliesTo(Layer layer) {
                return ((LoweredConvolution) layer).isDense();
            }
        }, LayerRules.loweredConvolution(), false));
        LAYERS.put(SeparableConvolution2D.class, new LayerEntry(null, LayerRules.separable(), false));
        LAYERS.put(DepthwiseConvolution2D.class, new LayerEntry(null, LayerRules.depthwise(), false));
        for (Class<?> notAConvolution2D : new Class<?>[] {Deconvolution2D.class, Deconvolution3D.class, Convolution3D.class,
                Subsampling1DLayer.class}) {
            LAYERS.put(notAConvolution2D, LayerEntry.unsupported());
        }
        LAYERS.put(BatchNormalization.class, new LayerEntry(null, LayerRules.batchNorm(), false));
        LAYERS.put(ActivationLayer.class, new LayerEntry(null, LayerRules.activation(), false));
        LAYERS.put(DropoutLayer.class, new LayerEntry(null, LayerRules.identity(), false));
        LAYERS.put(SubsamplingLayer.class, new LayerEntry(null, LayerRules.subsampling(), false));
        LAYERS.put(GlobalPoolingLayer.class, new LayerEntry(null, LayerRules.globalPooling(), false));
        // nearest-neighbour repetition and cropping keep a spatially constant channel constant
        LAYERS.put(Upsampling2D.class, new LayerEntry(null, LayerRules.identity(), false));
        LAYERS.put(Cropping2D.class, new LayerEntry(null, LayerRules.identity(), false));
        LAYERS.put(ZeroPaddingLayer.class, new LayerEntry(null, LayerRules.zeroPadding(), false));
        for (Class<?> terminal : new Class<?>[] {LossLayer.class, CnnLossLayer.class, RnnLossLayer.class, Yolo2OutputLayer.class}) {
            LAYERS.put(terminal, new LayerEntry(null, null, true));
        }

        VERTICES.put(MergeVertex.class, VertexRules.merge());
        VERTICES.put(ElementWiseVertex.class, VertexRules.elementWise());
        VERTICES.put(ScaleVertex.class, VertexEntry.channelPreserving((v, x) -> x * ((ScaleVertex) v).getScaleFactor()));
        VERTICES.put(ShiftVertex.class, VertexEntry.channelPreserving((v, x) -> x + ((ShiftVertex) v).getShiftFactor()));
    }

    private LayerRegistry() {
    }

    /**
     * Registers (or replaces) the entry of a layer configuration type; it then applies to the type and to its
     * subclasses that have no entry of their own. Typically a user's custom layer reuses a built-in entry:
     * {@code register(MyDense.class, LayerRegistry.entry(DenseLayer.class))}.
     */
    public static void register(Class<? extends Layer> type, LayerEntry entry) {
        if (type == null || entry == null) {
            throw new IllegalArgumentException("LayerRegistry.register: type and entry must not be null, got " + type + ", " + entry);
        }
        LAYERS.put(type, entry);
    }

    /** Registers (or replaces) the entry of a graph-vertex configuration type. */
    public static void registerVertex(Class<? extends GraphVertex> type, VertexEntry entry) {
        if (type == null || entry == null) {
            throw new IllegalArgumentException("LayerRegistry.registerVertex: type and entry must not be null, got " + type + ", " + entry);
        }
        VERTICES.put(type, entry);
    }

    /** Removes a registration (the type then falls back to its superclass's entry). */
    public static void unregister(Class<?> type) {
        LAYERS.remove(type);
        VERTICES.remove(type);
    }

    /** The entry that applies to {@code type} (most specific registered superclass), or null if none does. */
    public static LayerEntry entry(Class<? extends Layer> type) {
        return mostSpecific(LAYERS, type);
    }

    /** The entry that applies to a layer configuration, or null (also for null). */
    public static LayerEntry entry(Layer layer) {
        return layer == null ? null : entry(layer.getClass());
    }

    /** The entry that applies to a vertex configuration, or null. */
    public static VertexEntry vertexEntry(GraphVertex vertex) {
        return vertex == null ? null : mostSpecific(VERTICES, vertex.getClass());
    }

    /** The pruner's slicing rule for a layer, or null if pruning stops at it. */
    static LayerRule rule(Layer layer) {
        LayerEntry e = entry(layer);
        return e == null ? null : e.rule();
    }

    /** True for parameter-free loss / detection output layers: their input is kept whole, which is no limitation. */
    static boolean isTerminal(Layer layer) {
        LayerEntry e = entry(layer);
        return e != null && e.isTerminal();
    }

    private static <E> E mostSpecific(Map<Class<?>, E> table, Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            E e = table.get(c);
            if (e != null) {
                return e;
            }
        }
        return null;
    }
}
