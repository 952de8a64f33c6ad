package io.github.dl4jcompress.cost;

import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Parameters and multiply-accumulates (MACs) of one layer for one example, dense and "effective" — counted as if every
 * all-zero group of its weights were removed. For group counts, -1 means the layer has no such groups.
 */
public final class LayerCost {

    private final String name;
    private final String type;
    private final String outputShape;
    private final long params;
    private final long macs;
    private final long effectiveParams;
    private final long effectiveMacs;
    private final long filters;
    private final long keptFilters;
    private final long channels;
    private final long keptChannels;
    private final long shapes;
    private final long keptShapes;

    public LayerCost(@JsonProperty("name") String name, @JsonProperty("type") String type,
                     @JsonProperty("outputShape") String outputShape,
                     @JsonProperty("params") long params, @JsonProperty("macs") long macs,
                     @JsonProperty("effectiveParams") long effectiveParams, @JsonProperty("effectiveMacs") long effectiveMacs,
                     @JsonProperty("filters") long filters, @JsonProperty("keptFilters") long keptFilters,
                     @JsonProperty("channels") long channels, @JsonProperty("keptChannels") long keptChannels,
                     @JsonProperty("shapes") long shapes, @JsonProperty("keptShapes") long keptShapes) {
        this.name = name;
        this.type = type;
        this.outputShape = outputShape;
        this.params = params;
        this.macs = macs;
        this.effectiveParams = effectiveParams;
        this.effectiveMacs = effectiveMacs;
        this.filters = filters;
        this.keptFilters = keptFilters;
        this.channels = channels;
        this.keptChannels = keptChannels;
        this.shapes = shapes;
        this.keptShapes = keptShapes;
    }

    /** A layer without weight groups: effective counts equal the dense ones. */
    static LayerCost plain(String name, String type, String outputShape, long params, long macs) {
        return new LayerCost(name, type, outputShape, params, macs, params, macs, -1, -1, -1, -1, -1, -1);
    }

    @JsonProperty("name") public String getName() { return name; }
    @JsonProperty("type") public String getType() { return type; }
    @JsonProperty("outputShape") public String getOutputShape() { return outputShape; }
    @JsonProperty("params") public long getParams() { return params; }
    @JsonProperty("macs") public long getMacs() { return macs; }
    @JsonProperty("effectiveParams") public long getEffectiveParams() { return effectiveParams; }
    @JsonProperty("effectiveMacs") public long getEffectiveMacs() { return effectiveMacs; }
    /** Output filters (conv) or output units (dense). */
    @JsonProperty("filters") public long getFilters() { return filters; }
    @JsonProperty("keptFilters") public long getKeptFilters() { return keptFilters; }
    /** Input channels (conv) or input units (dense). */
    @JsonProperty("channels") public long getChannels() { return channels; }
    @JsonProperty("keptChannels") public long getKeptChannels() { return keptChannels; }
    /** Kernel positions (conv only): columns of the lowered weight matrix. */
    @JsonProperty("shapes") public long getShapes() { return shapes; }
    @JsonProperty("keptShapes") public long getKeptShapes() { return keptShapes; }

    /** Effective MACs as a fraction of the dense MACs (1 for a layer without MACs). */
    public double effectiveMacRatio() {
        return macs == 0 ? 1.0 : (double) effectiveMacs / macs;
    }

    @Override
    public String toString() {
        return String.format("%s(%s %s): params %d->%d, MACs %d->%d", name, type, outputShape, params, effectiveParams, macs, effectiveMacs);
    }
}
