package io.github.dl4jcompress.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs training progress for long runs: every {@code frequency} iterations the epoch, the iteration out of the planned
 * total, the score, throughput (examples/s) and the estimated time left; and a line at every epoch end.
 * Rate and ETA are measured from this listener's first iteration: {@code eta = (total − done) / (done / elapsed)}.
 */
public class ProgressListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(ProgressListener.class);

    private final String label;
    private final long totalIterations;
    private final int totalEpochs;
    private final int batchSize;
    private final int frequency;
    private long start = -1;
    private long done;
    private int epochsDone;

    /**
     * @param label           prefix of every line (e.g. the run's name)
     * @param totalEpochs     planned epochs
     * @param batchesPerEpoch mini-batches per epoch
     * @param batchSize       examples per mini-batch (for the throughput)
     * @param frequency       log every this many iterations
     */
    public ProgressListener(String label, int totalEpochs, int batchesPerEpoch, int batchSize, int frequency) {
        if (totalEpochs < 1 || batchesPerEpoch < 1 || batchSize < 1 || frequency < 1) {
            throw new IllegalArgumentException("ProgressListener: epochs, batches per epoch, batch size and frequency must be >= 1, got "
                    + totalEpochs + ", " + batchesPerEpoch + ", " + batchSize + ", " + frequency);
        }
        this.label = label;
        this.totalEpochs = totalEpochs;
        this.totalIterations = (long) totalEpochs * batchesPerEpoch;
        this.batchSize = batchSize;
        this.frequency = frequency;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (start < 0) {
            start = System.nanoTime();
        }
        done++;
        if (done % frequency == 0) {
            log.info("[{}] epoch {}/{} iteration {}/{} score {} | {} examples/s | ETA {}", label, epochsDone + 1, totalEpochs, done,
                    totalIterations, String.format("%.4f", model.score()), String.format("%.0f", rate()), eta());
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        epochsDone++;
        log.info("[{}] epoch {}/{} done | {} examples/s | ETA {}", label, epochsDone, totalEpochs, String.format("%.0f", rate()), eta());
    }

    /** Examples per second so far. */
    public double rate() {
        double seconds = (System.nanoTime() - start) / 1e9;
        return seconds <= 0 ? 0 : done * batchSize / seconds;
    }

    private String eta() {
        double seconds = (System.nanoTime() - start) / 1e9;
        long left = Math.max(0, totalIterations - done);
        long etaSeconds = done == 0 ? 0 : Math.round(left * seconds / done);
        return String.format("%d:%02d", etaSeconds / 60, etaSeconds % 60);
    }
}
