package io.github.dl4jcompress.prune;

/**
 * One output channel (a convolution filter or a dense unit) of a weighted layer.
 *
 * @param layer the layer's id: its index as a string in a MultiLayerNetwork, its vertex name in a ComputationGraph
 * @param index the output channel's index (row of a convolution's W, column of a dense W)
 */
public record FilterRef(String layer, int index) {
}
