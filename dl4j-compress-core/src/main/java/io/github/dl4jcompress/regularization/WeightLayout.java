package io.github.dl4jcompress.regularization;

import io.github.dl4jcompress.prune.LayerEntry;
import io.github.dl4jcompress.prune.LayerRegistry;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.Objects;

/**
 * The shape of one layer's weight parameter {@code W}, as DL4J stores it, so that a regularizer handed a flat view of
 * the weights (as DL4J's updater does) can still find its groups.
 *
 * <p>Canonical order: every weight is read as a flat vector in DL4J's parameter-view order. A convolution stores
 * {@code [nOut, nIn, kH, kW]} in c order; a dense layer stores {@code [nIn, nOut]} in f order, which is the same
 * memory as {@code [nOut, nIn]} in c order. So both are handled as a c-order matrix {@code [nOut, nIn * kH * kW]}
 * (dense: {@code kH = kW = 1}), and each {@link GroupKind} is a view {@code [outer, groups, inner]} of that vector
 * whose group norms are taken over the outer and inner axes.
 *
 * <p>Which layer types have a layout, and how it is read, is the {@link LayerRegistry}'s business (one table for the
 * regularizers and the pruner). A layout carries its layer's name and index so that every error names both.
 */
public final class WeightLayout implements Serializable {

    /** How DL4J lays the weight out in its parameter vector. */
    public enum Type {
        /** {@code [nOut, nIn, kH, kW]}, c order. */
        CONVOLUTION,
        /** {@code [nIn, nOut]}, f order. */
        DENSE
    }

    private final String layerName;
    private final int layerIndex;
    private final Type type;
    private final long nOut;
    private final long nIn;
    private final long kernelH;
    private final long kernelW;

    /**
     * @param layerIndex the layer's index in its network (MLN: layer index; graph: DL4J's vertex index); null or -1 =
     *                   unknown (JSON written before the index existed)
     */
    public WeightLayout(@JsonProperty("layerName") String layerName, @JsonProperty("layerIndex") Integer layerIndex,
                        @JsonProperty("type") Type type,
                        @JsonProperty("nOut") long nOut, @JsonProperty("nIn") long nIn,
                        @JsonProperty("kernelH") long kernelH, @JsonProperty("kernelW") long kernelW) {
        this.layerName = layerName;
        this.layerIndex = layerIndex == null ? -1 : layerIndex;
        if (this.layerIndex < -1) {
            throw new IllegalArgumentException("Layer '" + layerName + "': weight layout field 'layerIndex' must be >= 0 (or -1 = unknown), got "
                    + layerIndex);
        }
        if (layerName == null) {
            throw new IllegalArgumentException("Weight layout " + type + " [nOut=" + nOut + ", nIn=" + nIn + ", " + kernelH
                    + "x" + kernelW + "]: field 'layerName' is missing; a layout is bound to a named layer");
        }
        if (type == null) {
            throw new IllegalArgumentException(capitalised(describeLayer(layerName, this.layerIndex)) + ": weight layout field 'type' is missing; expected one of "
                    + java.util.Arrays.toString(Type.values()));
        }
        this.type = type;
        if (nOut < 1 || nIn < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException(capitalised(describeLayer(layerName, this.layerIndex)) + ", parameter W: weight shape must be positive, got nOut=" + nOut
                    + ", nIn=" + nIn + ", kernel=" + kernelH + "x" + kernelW + " (is nIn known? build the configuration with setInputType first)");
        }
        if (type == Type.DENSE && (kernelH != 1 || kernelW != 1)) {
            throw new IllegalArgumentException(capitalised(describeLayer(layerName, this.layerIndex)) + ", parameter W: a dense layout has no kernel, got " + kernelH + "x" + kernelW);
        }
        this.nOut = nOut;
        this.nIn = nIn;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
    }

    /** Layout of a convolution weight {@code [nOut, nIn, kH, kW]} of a layer whose index is unknown. */
    public static WeightLayout convolution(String layerName, long nOut, long nIn, long kernelH, long kernelW) {
        return convolution(layerName, -1, nOut, nIn, kernelH, kernelW);
    }

    /** Layout of a convolution weight {@code [nOut, nIn, kH, kW]} of layer {@code layerIndex}. */
    public static WeightLayout convolution(String layerName, int layerIndex, long nOut, long nIn, long kernelH, long kernelW) {
        return new WeightLayout(layerName, layerIndex, Type.CONVOLUTION, nOut, nIn, kernelH, kernelW);
    }

    /** Layout of a dense weight {@code [nIn, nOut]} of a layer whose index is unknown. */
    public static WeightLayout dense(String layerName, long nIn, long nOut) {
        return dense(layerName, -1, nIn, nOut);
    }

    /** Layout of a dense weight {@code [nIn, nOut]} of layer {@code layerIndex}. */
    public static WeightLayout dense(String layerName, int layerIndex, long nIn, long nOut) {
        return new WeightLayout(layerName, layerIndex, Type.DENSE, nOut, nIn, 1, 1);
    }

    /** As {@link #of(String, int, Layer)} for a layer whose index is unknown. */
    public static WeightLayout of(String layerName, Layer layer) {
        return of(layerName, -1, layer);
    }

    /**
     * Reads the layout of a layer configuration whose {@code nIn} is already set (after {@code build()} with
     * {@code setInputType}, or set by hand), as the layer type's {@link LayerRegistry} entry says.
     *
     * @throws UnsupportedLayerException for layer types whose weights are not a plain convolution or dense matrix
     */
    public static WeightLayout of(String layerName, int layerIndex, Layer layer) {
        LayerEntry entry = LayerRegistry.entry(layer);
        if (entry == null || !entry.hasLayout(layer)) {
            throw new UnsupportedLayerException(layerName, layer);
        }
        return entry.layoutOf(layerName, layerIndex, layer);
    }

    /** True for the layer configurations {@link #of} understands (the registry has a layout for this instance). */
    public static boolean isSupported(Layer layer) {
        LayerEntry entry = LayerRegistry.entry(layer);
        return entry != null && entry.hasLayout(layer);
    }

    @JsonProperty("layerName")
    public String getLayerName() { return layerName; }
    /** The layer's index in its network; -1 if unknown. */
    @JsonProperty("layerIndex")
    public int getLayerIndex() { return layerIndex; }
    @JsonProperty("type")
    public Type getType() { return type; }

    /** How errors name the layer: {@code layer 'conv2' (index 2)}, or {@code layer 'conv2'} if the index is unknown. */
    public String describeLayer() {
        return describeLayer(layerName, layerIndex);
    }

    static String describeLayer(String name, int index) {
        return "layer '" + name + "'" + (index >= 0 ? " (index " + index + ")" : "");
    }

    private static String capitalised(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
    @JsonProperty("nOut")
    public long getNOut() { return nOut; }
    @JsonProperty("nIn")
    public long getNIn() { return nIn; }
    @JsonProperty("kernelH")
    public long getKernelH() { return kernelH; }
    @JsonProperty("kernelW")
    public long getKernelW() { return kernelW; }

    /** Number of weights. */
    @JsonIgnore
    public long length() {
        return nOut * nIn * kernelH * kernelW;
    }

    /** Kernel positions per input channel ({@code kH * kW}; 1 for dense). */
    @JsonIgnore
    public long kernelArea() {
        return kernelH * kernelW;
    }

    /** DL4J's storage order of the shaped weight: 'c' for {@code [nOut,nIn,kH,kW]}, 'f' for dense {@code [nIn,nOut]}. */
    @JsonIgnore
    public char storageOrder() {
        return type == Type.CONVOLUTION ? 'c' : 'f';
    }

    /**
     * Multiplies, in place, every weight of group {@code g} of {@code kind} in a canonical flat vector by
     * {@code perGroup[g]} (e.g. a 0/1 mask, or a per-group gradient coefficient).
     */
    public void scaleGroups(INDArray canonicalFlat, GroupKind kind, INDArray perGroup) {
        long[] v = groupView(kind);
        INDArray view = canonicalFlat.reshape('c', v[0], v[1], v[2]);
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(view, perGroup.castTo(view.dataType()), view, 1));
    }

    /** Whether this layout has groups of the given kind (SHAPE only exists for convolutions). */
    public boolean supports(GroupKind kind) {
        return kind != GroupKind.SHAPE || type == Type.CONVOLUTION;
    }

    /** Number of groups of the given kind. */
    public long groupCount(GroupKind kind) {
        return groupView(kind)[1];
    }

    /** Elements in each group of the given kind. */
    public long groupSize(GroupKind kind) {
        long[] v = groupView(kind);
        return v[0] * v[2];
    }

    /**
     * The view {@code [outer, groups, inner]} of the canonical flat weight vector in which the groups of {@code kind}
     * lie along the middle axis.
     */
    public long[] groupView(GroupKind kind) {
        requireSupports(kind);
        long cols = nIn * kernelArea();
        switch (kind) {
            case FILTER:
                return new long[]{1, nOut, cols};
            case CHANNEL:
                return new long[]{nOut, nIn, kernelArea()};
            case SHAPE:
                return new long[]{nOut, cols, 1};
            case DEPTH:
                return new long[]{1, 1, length()};
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    void requireSupports(GroupKind kind) {
        if (!supports(kind)) {
            throw new IllegalArgumentException(capitalised(describeLayer()) + ", parameter W: group kind " + kind + " does not fit a "
                    + type.name().toLowerCase() + " weight " + describeShape() + " (SHAPE groups exist only for convolutions)");
        }
    }

    /**
     * The weights as the canonical flat vector (a view where possible). Accepts DL4J's flat parameter view (a vector or
     * {@code [1, n]} row) or the shaped parameter ({@code [nOut,nIn,kH,kW]} for convolutions, {@code [nIn,nOut]} for
     * dense layers).
     */
    public INDArray canonicalFlat(INDArray weights) {
        if (weights.length() != length()) {
            throw new IllegalArgumentException(capitalised(describeLayer()) + ", parameter W: expected a weight with " + length()
                    + " values " + describeShape() + " but got shape " + java.util.Arrays.toString(weights.shape())
                    + " — is one regularizer instance shared between layers of different shapes?");
        }
        if (weights.isVector() || weights.isScalar()) {
            return weights.reshape(weights.length());
        }
        return flatView(weights);
    }

    /**
     * The shaped weight read in storage order: a view when it is contiguous in that order (DL4J's parameter views are:
     * the regularizers' {@code score} runs on them every iteration, where a copy cost more than the penalty itself), a
     * copy otherwise. Same values as {@code Nd4j.toFlattened(storageOrder(), weights)}.
     */
    private INDArray flatView(INDArray weights) {
        char order = storageOrder();
        if (weights.ordering() == order && weights.elementWiseStride() == 1) {
            // the weights are data[offset, offset + length) in that order (INDArray.reshape fails on such offset views in M2.1)
            return Nd4j.create(weights.data(), new long[]{weights.length()}, new long[]{1}, weights.offset(), order);
        }
        return Nd4j.toFlattened(order, weights);
    }

    /** The L2 norm of each group of {@code kind}, as a vector of {@link #groupCount} values. */
    public INDArray groupNorms(INDArray weights, GroupKind kind) {
        INDArray squares = groupSquares(canonicalFlat(weights), kind);
        return org.nd4j.linalg.ops.transforms.Transforms.sqrt(squares, false);
    }

    /** Sum of squares of each group of {@code kind} over a canonical flat vector. */
    INDArray groupSquares(INDArray canonicalFlat, GroupKind kind) {
        long[] v = groupView(kind);
        INDArray view = canonicalFlat.reshape('c', v[0], v[1], v[2]);
        return view.mul(view).sum(0, 2).reshape(v[1]);
    }

    /** A human-readable shape, e.g. {@code [nOut=20, nIn=1, 5x5]}. */
    public String describeShape() {
        return type == Type.CONVOLUTION
                ? "[nOut=" + nOut + ", nIn=" + nIn + ", " + kernelH + "x" + kernelW + "]"
                : "[nIn=" + nIn + ", nOut=" + nOut + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof WeightLayout)) return false;
        WeightLayout w = (WeightLayout) o;
        return nOut == w.nOut && nIn == w.nIn && kernelH == w.kernelH && kernelW == w.kernelW && type == w.type
                && layerIndex == w.layerIndex && Objects.equals(layerName, w.layerName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layerName, layerIndex, type, nOut, nIn, kernelH, kernelW);
    }

    @Override
    public String toString() {
        return "WeightLayout{" + layerName + (layerIndex >= 0 ? " #" + layerIndex : "") + " " + describeShape() + "}";
    }
}
