package io.github.dl4jcompress.cost;

import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Counts parameters and multiply-accumulates (MACs, per example) of each layer of a {@link MultiLayerNetwork} or
 * {@link ComputationGraph}, dense and "effective".
 *
 * <ul>
 *   <li>convolution: {@code MACs = H_out·W_out · nOut · nIn·kH·kW}; effective:
 *       {@code H_out·W_out · keptFilters · keptColumns}, where keptColumns are the columns of the lowered weight matrix
 *       (kernel positions) not all-zero among the kept filters — a zero channel is a run of zero columns;</li>
 *   <li>dense/output: {@code nIn·nOut}; effective: {@code keptIn·keptOut};</li>
 *   <li>pooling: {@code H_out·W_out·C·kH·kW} comparisons/adds; batch norm: {@code 2·H·W·C} (scale and shift);
 *       global pooling: one per input element; these are counted whole (the pruner reports their reduced size).</li>
 * </ul>
 * A group counts as zero when its L2 norm is at most {@code zeroThreshold} (default 0: exactly zero). Effective counts
 * are local to each layer: a filter whose consumers still read it is not removed from those consumers here.
 */
public final class CostModel {

    private final double zeroThreshold;

    public CostModel() {
        this(0.0);
    }

    /** @param zeroThreshold a group with L2 norm at most this is treated as removed (≥ 0) */
    public CostModel(double zeroThreshold) {
        if (!(zeroThreshold >= 0) || Double.isInfinite(zeroThreshold)) {
            throw new IllegalArgumentException("CostModel: zeroThreshold must be finite and >= 0, got " + zeroThreshold);
        }
        this.zeroThreshold = zeroThreshold;
    }

    /**
     * Costs of a multi-layer network fed with {@code inputType} (MLN configurations do not store it).
     *
     * @throws IllegalArgumentException if the input does not fit the network, naming the first layer it does not fit
     */
    public NetworkCost of(MultiLayerNetwork net, InputType inputType) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<InputType> outputs = ActivationTypes.of(conf, inputType);
        List<LayerCost> costs = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer lc = conf.getConf(i).getLayer();
            String name = lc.getLayerName() != null ? lc.getLayerName() : "layer" + i;
            costs.add(layerCost(name, lc, net.getLayer(i), outputs.get(i)));
        }
        return new NetworkCost(costs);
    }

    /**
     * Costs of a graph fed with the given input types (graph configurations do not store them).
     *
     * @throws IllegalArgumentException if the inputs do not fit the graph, naming the first vertex they do not fit
     */
    public NetworkCost of(ComputationGraph graph, InputType... inputTypes) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, InputType> outputs = ActivationTypes.of(graph, inputTypes);
        List<LayerCost> costs = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (!v.hasLayer()) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer lc = v.getLayer().conf().getLayer();
            costs.add(layerCost(v.getVertexName(), lc, v.getLayer(), outputs.get(v.getVertexName())));
        }
        return new NetworkCost(costs);
    }

    private LayerCost layerCost(String name, org.deeplearning4j.nn.conf.layers.Layer lc, Layer layer, InputType out) {
        String type = lc.getClass().getSimpleName();
        long params = layer.numParams();
        long positions = spatialPositions(out);
        String shape = describe(out);
        if (WeightLayout.isSupported(lc)) {
            WeightLayout layout = WeightLayout.of(name, lc);
            INDArray w = layer.getParam("W");
            boolean hasBias = layer.getParam("b") != null;
            long[] kept = keptGroups(layout, w);
            long keptFilters = kept[0], keptColumns = kept[1], keptChannels = kept[2], keptShapes = kept[3];
            long rows = layout.getNOut();
            long cols = layout.getNIn() * layout.kernelArea();
            long macs = positions * rows * cols;
            long effMacs = positions * keptFilters * keptColumns;
            long effParams = params - rows * cols - (hasBias ? rows : 0) + keptFilters * keptColumns + (hasBias ? keptFilters : 0);
            boolean conv = layout.getType() == WeightLayout.Type.CONVOLUTION;
            return new LayerCost(name, type, shape, params, macs, effParams, effMacs, rows, keptFilters, layout.getNIn(), keptChannels,
                    conv ? cols : -1, conv ? keptShapes : -1);
        }
        if (lc instanceof ConvolutionLayer || lc instanceof FeedForwardLayer && !(lc instanceof BatchNormalization)) {
            // a weighted layer we cannot group (depthwise, separable, deconvolution, ...): MACs estimated as params per position
            return LayerCost.plain(name, type, shape, params, params * Math.max(1, positions));
        }
        if (lc instanceof SubsamplingLayer) {
            int[] k = ((SubsamplingLayer) lc).getKernelSize();
            long area = lc instanceof Subsampling1DLayer ? k[0] : (long) k[0] * (k.length > 1 ? k[1] : 1);
            return LayerCost.plain(name, type, shape, params, positions * channels(out) * area);
        }
        if (lc instanceof BatchNormalization) {
            return LayerCost.plain(name, type, shape, params, 2 * positions * channels(out));
        }
        if (lc instanceof GlobalPoolingLayer) {
            return LayerCost.plain(name, type, shape, params, 0);
        }
        return LayerCost.plain(name, type, shape, params, 0);
    }

    /** {keptFilters, keptColumns (among kept filters), keptChannels, keptShapes}. */
    private long[] keptGroups(WeightLayout layout, INDArray w) {
        INDArray flat = layout.canonicalFlat(w);
        long rows = layout.getNOut();
        long cols = layout.getNIn() * layout.kernelArea();
        INDArray matrix = flat.reshape('c', rows, cols);
        INDArray filterNorms = layout.groupNorms(w, GroupKind.FILTER);
        long keptFilters = countAbove(filterNorms);
        long keptColumns = 0;
        if (keptFilters > 0) {
            INDArray keptRows = keptFilters == rows ? matrix : matrix.getRows(indicesAbove(filterNorms));
            keptColumns = countAbove(keptRows.norm2(0));
        }
        return new long[]{keptFilters, keptColumns, countAbove(layout.groupNorms(w, GroupKind.CHANNEL)),
                layout.supports(GroupKind.SHAPE) ? countAbove(layout.groupNorms(w, GroupKind.SHAPE)) : -1};
    }

    private long countAbove(INDArray norms) {
        return norms.gt(zeroThreshold).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
    }

    private int[] indicesAbove(INDArray norms) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < norms.length(); i++) {
            if (norms.getDouble(i) > zeroThreshold) {
                idx.add(i);
            }
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long spatialPositions(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
            return c.getHeight() * c.getWidth();
        }
        if (t instanceof InputType.InputTypeRecurrent) {
            long len = ((InputType.InputTypeRecurrent) t).getTimeSeriesLength();
            return Math.max(1, len);
        }
        if (t instanceof InputType.InputTypeConvolutional3D) {
            InputType.InputTypeConvolutional3D c = (InputType.InputTypeConvolutional3D) t;
            return c.getDepth() * c.getHeight() * c.getWidth();
        }
        return 1;
    }

    private static long channels(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional) {
            return ((InputType.InputTypeConvolutional) t).getChannels();
        }
        if (t instanceof InputType.InputTypeRecurrent) {
            return ((InputType.InputTypeRecurrent) t).getSize();
        }
        return t.arrayElementsPerExample();
    }

    private static String describe(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
            return c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth();
        }
        if (t instanceof InputType.InputTypeRecurrent) {
            InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) t;
            return r.getSize() + "x" + r.getTimeSeriesLength();
        }
        return String.valueOf(t.arrayElementsPerExample());
    }
}
