package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cli.data.RepeatedEpochs;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.listeners.TernGradStatsListener;
import io.github.dl4jcompress.terngrad.TernGradGradientsAccumulator;
import io.github.dl4jcompress.terngrad.TernGradThresholdAlgorithm;
import io.github.dl4jcompress.terngrad.ZeroResidualPostProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;

/**
 * Trains the LeNet on Fashion-MNIST once per {@link Variant}, same seed, data order, epochs and per-worker batch.
 * Updater: plain {@code Sgd} (TernGrad shares post-updater updates). Single worker and ParallelWrapper averaging use
 * learning rate {@code η}; in the gradient-sharing variants DL4J <em>sums</em> the {@code W} workers' updates, so they
 * use {@code η / W}, which makes the applied step {@code η · mean_w(g_w)}, the same as averaging {@code W}
 * one-step replicas. All epochs go through one {@code fit} call per run. Wall time excludes the curve's evaluations.
 */
final class ConvergenceExperiment {

    private static final Logger log = LoggerFactory.getLogger(ConvergenceExperiment.class);
    private static final int CURVE_POINTS = 12;

    private final DataSet train;
    private final DataSet test;
    private final DataSet evaluationSubset;
    private final int epochs;
    private final int batch;
    private final int workers;
    private final double learningRate;
    private final long seed;
    private final File outputDir;

    ConvergenceExperiment(DataSet train, DataSet test, DataSet evaluationSubset, int epochs, int batch, int workers,
                          double learningRate, long seed, File outputDir) {
        this.train = train;
        this.test = test;
        this.evaluationSubset = evaluationSubset;
        this.epochs = epochs;
        this.batch = batch;
        this.workers = workers;
        this.learningRate = learningRate;
        this.seed = seed;
        this.outputDir = outputDir;
    }

    /** Learning rate of a variant: {@code η}, or {@code η / W} where updates are summed. */
    double learningRate(Variant v) {
        return v.sharesUpdates() ? learningRate / workers : learningRate;
    }

    VariantOutcome run(Variant v) {
        double lr = learningRate(v);
        MultiLayerNetwork net = new MultiLayerNetwork(LeNet.configuration(seed, new Sgd(lr)));
        net.init();
        int w = v == Variant.SINGLE ? 1 : workers;
        ShuffledBatches batches = new ShuffledBatches(train, batch, seed, true);
        RepeatedEpochs data = new RepeatedEpochs(batches, epochs);
        long rootIterations = (data.totalBatches() + w - 1) / w;
        int every = (int) Math.max(1, rootIterations / CURVE_POINTS);
        AccuracyCurveListener curve = new AccuracyCurveListener(v.key, net, evaluationSubset, w, every, data.totalBatches(),
                batches.batchesPerEpoch());
        log.info("{}: {} workers, Sgd lr {}, {} epochs x {} batches of {}", v.key, w, lr, epochs, batches.batchesPerEpoch(), batch);
        double bytesPerWorkerIteration = 0;
        long t0 = System.nanoTime();
        if (v == Variant.SINGLE) {
            net.setListeners(curve);
            net.fit(data);
        } else {
            ParallelWrapper.Builder<MultiLayerNetwork> b = new ParallelWrapper.Builder<>(net).workers(w).prefetchBuffer(2);
            MessageCountingAccumulator counting = null;
            TernGradStatsListener stats = null;
            switch (v) {
                case AVERAGING -> b.trainingMode(ParallelWrapper.TrainingMode.AVERAGING).averagingFrequency(1);
                case THRESHOLD -> {
                    counting = MessageCountingAccumulator.forModel(net, w, new AdaptiveThresholdAlgorithm(), null);
                    b.trainingMode(ParallelWrapper.TrainingMode.CUSTOM).gradientsAccumulator(counting);
                }
                case TERNGRAD_GLOBAL -> {
                    stats = new TernGradStatsListener(outputDir, "terngrad-global-stats", 100);
                    counting = MessageCountingAccumulator.forModel(net, w, new TernGradThresholdAlgorithm(seed).observer(stats),
                            new ZeroResidualPostProcessor());
                    b.trainingMode(ParallelWrapper.TrainingMode.CUSTOM).gradientsAccumulator(counting);
                }
                case TERNGRAD_PER_LAYER -> {
                    stats = new TernGradStatsListener(outputDir, "terngrad-perlayer-stats", 100);
                    b.trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                            .gradientsAccumulator(TernGradGradientsAccumulator.forModel(net, w, seed).observer(stats));
                }
                default -> throw new IllegalStateException("unexpected " + v);
            }
            ParallelWrapper wrapper = b.build();
            wrapper.setListeners(curve);
            wrapper.fit(data);
            wrapper.shutdown();
            if (counting != null) {
                bytesPerWorkerIteration = counting.bytesPerWorkerIteration();
                log.info("{}: {} messages, {} bytes in {} worker steps", v.key, counting.messagesSent(), counting.bytesSent(),
                        counting.updatesStored());
            } else if (stats != null) {
                bytesPerWorkerIteration = stats.meanBytesPerMessage();
            }
            if (stats != null && outputDir != null) {
                stats.write();
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9 - curve.evaluationSeconds();
        curve.record();
        double accuracy = AccuracyCurveListener.accuracy(net, test);
        log.info("{}: test accuracy {} after {}s of training", v.key, String.format("%.4f", accuracy), String.format("%.1f", wall));
        return new VariantOutcome(v, accuracy, wall, lr, bytesPerWorkerIteration, curve.curve());
    }
}
