package io.github.dl4jcompress.listeners;

import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * One row of the sparsity history: a layer's structure at one iteration. Group counts are -1 where the layer has no
 * such groups; {@code effectiveMacRatio} is -1 when the listener was given no input type.
 */
public final class SparsityRecord {
    @JsonProperty public final int iteration;
    @JsonProperty public final int epoch;
    @JsonProperty public final String layer;
    @JsonProperty public final long filters;
    @JsonProperty public final long zeroFilters;
    @JsonProperty public final long channels;
    @JsonProperty public final long zeroChannels;
    @JsonProperty public final long shapes;
    @JsonProperty public final long zeroShapes;
    @JsonProperty public final double zeroWeightFraction;
    @JsonProperty public final double effectiveMacRatio;

    public SparsityRecord(@JsonProperty("iteration") int iteration, @JsonProperty("epoch") int epoch, @JsonProperty("layer") String layer,
                          @JsonProperty("filters") long filters, @JsonProperty("zeroFilters") long zeroFilters,
                          @JsonProperty("channels") long channels, @JsonProperty("zeroChannels") long zeroChannels,
                          @JsonProperty("shapes") long shapes, @JsonProperty("zeroShapes") long zeroShapes,
                          @JsonProperty("zeroWeightFraction") double zeroWeightFraction,
                          @JsonProperty("effectiveMacRatio") double effectiveMacRatio) {
        this.iteration = iteration;
        this.epoch = epoch;
        this.layer = layer;
        this.filters = filters;
        this.zeroFilters = zeroFilters;
        this.channels = channels;
        this.zeroChannels = zeroChannels;
        this.shapes = shapes;
        this.zeroShapes = zeroShapes;
        this.zeroWeightFraction = zeroWeightFraction;
        this.effectiveMacRatio = effectiveMacRatio;
    }

    static String csvHeader() {
        return "iteration,epoch,layer,filters,zeroFilters,channels,zeroChannels,shapes,zeroShapes,zeroWeightFraction,effectiveMacRatio";
    }

    String toCsv() {
        return iteration + "," + epoch + "," + layer + "," + filters + "," + zeroFilters + "," + channels + "," + zeroChannels + ","
                + shapes + "," + zeroShapes + "," + zeroWeightFraction + "," + effectiveMacRatio;
    }
}
