package io.github.dl4jcompress.listeners.compress;

import org.deeplearning4j.nn.api.Model;

/**
 * The outcome of {@link SslCompression#compress}: a new network (the input is never modified) and the report.
 *
 * @param network the compressed network (or, when the stop rule could not be met, the better dense network)
 * @param report  measurements, phases, controller history and verdict
 * @param <N>     MultiLayerNetwork or ComputationGraph
 */
public record CompressionResult<N extends Model>(N network, CompressionReport report) {
}
