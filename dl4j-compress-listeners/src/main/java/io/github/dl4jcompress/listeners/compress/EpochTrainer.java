package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.List;

/**
 * How {@link SslCompression}'s training phases (control, sparsify, fine-tune) run one epoch over materialized
 * mini-batches: {@link #LOCAL} is DL4J's {@code fit} in this JVM; the Spark module's {@code SparkEpochTrainer} trains
 * each averaging round on the executors and runs the network's listeners (the budget controller, the zeroing, the
 * checkpoints) on the driver after each round.
 *
 * <p>Contract: train on {@code batches} in the given order; call the network's training listeners
 * ({@code iterationDone} once per batch, with consecutive iteration numbers, then {@code onEpochEnd}) on the network
 * the procedure holds; leave the trained parameters in it and its iteration and epoch counters advanced as DL4J's
 * {@code fit} does.
 */
@FunctionalInterface
public interface EpochTrainer {

    /** DL4J's own {@code fit} in this JVM. */
    EpochTrainer LOCAL = AnyNetwork::fitEpoch;

    void fitEpoch(AnyNetwork net, List<MultiDataSet> batches);
}
