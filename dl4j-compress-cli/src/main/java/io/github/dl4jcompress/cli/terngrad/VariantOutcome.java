package io.github.dl4jcompress.cli.terngrad;

import java.util.List;

/**
 * Result of one {@link Variant} run: final accuracy on the whole test set, wall seconds of training (evaluation of
 * the curve excluded), the learning rate used, bytes one worker sent per iteration (measured; 0 when nothing is
 * exchanged) and the accuracy curve as (global mini-batches, accuracy) points.
 */
record VariantOutcome(Variant variant, double accuracy, double wallSeconds, double learningRate,
                      double bytesPerWorkerIteration, List<double[]> curve) {
}
