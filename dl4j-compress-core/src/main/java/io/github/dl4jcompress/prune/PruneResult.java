package io.github.dl4jcompress.prune;

/**
 * The outcome of {@link StructuredPruner#prune}: a new, smaller network of the same kind as the input
 * (the input is left untouched) and the report describing what was removed.
 *
 * @param <N> MultiLayerNetwork or ComputationGraph
 */
public record PruneResult<N>(N network, PruneReport report) {
}
