package io.github.dl4jcompress.cli.terngrad;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Accuracy-vs-iteration curve and progress log for one training run, single-threaded or under ParallelWrapper.
 * Only calls made with the root model (the one ParallelWrapper's worker 0 trains in place) count: after every
 * {@code every} of its iterations, test accuracy on a fixed evaluation subset is recorded against the global
 * mini-batch count {@code rootIterations × workers}, and a progress line (epoch, batches, ETA) is logged.
 * {@code ETA = (total − done) · elapsed / done}, with evaluation time excluded from {@code elapsed}; the evaluation
 * time is reported by {@link #evaluationSeconds()} so the caller can subtract it from wall time.
 *
 * <p>Under ParallelWrapper averaging the point is taken after worker 0's local step, before that round's averaging.
 */
final class AccuracyCurveListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(AccuracyCurveListener.class);

    private final String label;
    private final MultiLayerNetwork root;
    private final DataSet evaluationSet;
    private final int workers;
    private final int every;
    private final long totalBatches;
    private final long batchesPerEpoch;
    private final List<double[]> curve = new ArrayList<>();
    private long rootIterations;
    private long start = -1;
    private long evaluationNanos;

    AccuracyCurveListener(String label, MultiLayerNetwork root, DataSet evaluationSet, int workers, int every,
                          long totalBatches, long batchesPerEpoch) {
        this.label = label;
        this.root = root;
        this.evaluationSet = evaluationSet;
        this.workers = workers;
        this.every = every;
        this.totalBatches = totalBatches;
        this.batchesPerEpoch = batchesPerEpoch;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (model != root) {
            return;
        }
        if (start < 0) {
            start = System.nanoTime();
        }
        rootIterations++;
        if (rootIterations % every == 0) {
            record();
        }
    }

    /** Records a point now (e.g. after the last iteration; it replaces a point at the same mini-batch count). */
    void record() {
        long t0 = System.nanoTime();
        double accuracy = accuracy(root, evaluationSet);
        evaluationNanos += System.nanoTime() - t0;
        long done = Math.min(totalBatches, rootIterations * workers);
        if (!curve.isEmpty() && curve.get(curve.size() - 1)[0] == done) {
            curve.remove(curve.size() - 1); // a later look at the same point (e.g. after ParallelWrapper's final averaging)
        }
        curve.add(new double[]{done, accuracy});
        double trainSeconds = start < 0 ? 0 : (System.nanoTime() - start - evaluationNanos) / 1e9;
        long eta = done == 0 ? 0 : Math.round((totalBatches - done) * trainSeconds / done);
        log.info("[{}] epoch {}/{} | batch {}/{} | eval accuracy {} | {}s training | ETA {}:{}", label,
                Math.min(totalBatches / batchesPerEpoch, done / batchesPerEpoch + 1), totalBatches / batchesPerEpoch, done,
                totalBatches, String.format("%.4f", accuracy), String.format("%.0f", trainSeconds), eta / 60,
                String.format("%02d", eta % 60));
    }

    /** (global mini-batches, accuracy) points. */
    List<double[]> curve() {
        return Collections.unmodifiableList(curve);
    }

    /** Seconds spent evaluating. */
    double evaluationSeconds() {
        return evaluationNanos / 1e9;
    }

    static double accuracy(MultiLayerNetwork net, DataSet data) {
        Evaluation e = new Evaluation();
        int n = data.numExamples();
        for (int from = 0; from < n; from += 500) {
            int to = Math.min(n, from + 500);
            DataSet part = (DataSet) data.getRange(from, to);
            INDArray out = net.output(part.getFeatures(), false);
            e.eval(part.getLabels(), out);
        }
        return e.accuracy();
    }
}
