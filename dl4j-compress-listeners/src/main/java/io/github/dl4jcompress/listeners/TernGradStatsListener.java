package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.terngrad.SegmentStatistics;
import io.github.dl4jcompress.terngrad.TernGradObserver;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Collects what TernGrad sends while a network trains: register it as the {@link TernGradObserver} of a
 * {@code TernGradGradientsAccumulator} (per-layer mode) or {@code TernGradThresholdAlgorithm} (global mode). Every
 * message any worker ternarizes is folded into its iteration's {@link TernGradStatsRecord}: bytes sent and the ratio
 * {@code 4·N / bytes} to fp32, density {@code nonZero/N}, clipped fraction {@code clipped/N}, and the mean scaler
 * {@code s} of every segment. Every {@code logFrequency} iterations one line is logged (SLF4J, INFO).
 *
 * <p>Also a DL4J {@code TrainingListener}: at every epoch end (and on {@link #write()}) the history is written to
 * {@code <dir>/<name>.csv} and {@code .json}, {@code <dir>/<name>.png} (density and clipped fraction per iteration)
 * and {@code <dir>/<name>-scalers.png} (scaler of each segment per iteration). Thread-safe: ParallelWrapper workers
 * call it concurrently.
 */
public class TernGradStatsListener extends BaseTrainingListener implements TernGradObserver {

    private static final Logger log = LoggerFactory.getLogger(TernGradStatsListener.class);

    private final File outputDir;
    private final String name;
    private final int logFrequency;
    private final TreeMap<Integer, IterationTotals> byIteration = new TreeMap<>();
    private final Set<String> segmentNames = new LinkedHashSet<>();
    private int lastLogged = Integer.MIN_VALUE;

    /** Keeps the history in memory only; logs every 50 iterations. */
    public TernGradStatsListener() {
        this(null, "terngrad-stats", 50);
    }

    /**
     * @param outputDir    where {@code <name>.csv/.json/.png} go (null: nowhere)
     * @param name         file name stem
     * @param logFrequency log a line every this many iterations (≥ 1)
     */
    public TernGradStatsListener(File outputDir, String name, int logFrequency) {
        if (logFrequency < 1) {
            throw new IllegalArgumentException("TernGradStatsListener: logFrequency must be >= 1, got " + logFrequency);
        }
        this.outputDir = outputDir;
        this.name = name;
        this.logFrequency = logFrequency;
    }

    @Override
    public void ternarized(int iteration, int epoch, long messageBytes, List<SegmentStatistics> segments) {
        IterationTotals finished = null;
        synchronized (this) {
            IterationTotals t = byIteration.computeIfAbsent(iteration, i -> new IterationTotals(i, epoch));
            t.add(messageBytes, segments);
            for (SegmentStatistics s : segments) {
                segmentNames.add(s.name());
            }
            Map.Entry<Integer, IterationTotals> previous = byIteration.lowerEntry(iteration);
            if (previous != null && previous.getKey() != lastLogged && previous.getKey() % logFrequency == 0) {
                lastLogged = previous.getKey();
                finished = previous.getValue();
            }
        }
        if (finished != null) {
            TernGradStatsRecord r = finished.toRecord();
            log.info("TernGrad iteration {}: {} messages, {} B each ({}x smaller than fp32), density {}, clipped {}",
                    r.iteration, r.messages, String.format("%.0f", r.bytesPerMessage), String.format("%.2f", r.compressionRatio),
                    String.format("%.3f", r.density), String.format("%.4f", r.clippedFraction));
        }
    }

    /** One record per iteration seen so far, oldest first. */
    public synchronized List<TernGradStatsRecord> history() {
        List<TernGradStatsRecord> out = new ArrayList<>(byIteration.size());
        byIteration.values().forEach(t -> out.add(t.toRecord()));
        return out;
    }

    /** Mean size in bytes of one worker's message over the whole history (0 if none). */
    public synchronized double meanBytesPerMessage() {
        long bytes = 0;
        long messages = 0;
        for (IterationTotals t : byIteration.values()) {
            bytes += t.bytes;
            messages += t.messages;
        }
        return messages == 0 ? 0 : bytes / (double) messages;
    }

    @Override
    public void onEpochEnd(Model model) {
        if (outputDir != null) {
            write();
        }
    }

    /** Writes CSV, JSON and the two PNG charts to the output directory given at construction. */
    public synchronized void write() {
        if (outputDir == null) {
            throw new IllegalStateException("TernGradStatsListener: no output directory was given");
        }
        List<TernGradStatsRecord> history = history();
        try {
            Files.createDirectories(outputDir.toPath());
            List<String> csv = new ArrayList<>();
            csv.add(TernGradStatsRecord.csvHeader(segmentNames));
            history.forEach(r -> csv.add(r.toCsv(segmentNames)));
            Files.write(new File(outputDir, name + ".csv").toPath(), csv, StandardCharsets.UTF_8);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outputDir, name + ".json"), history);
            if (history.isEmpty()) {
                return;
            }
            Map<String, List<double[]>> rates = new LinkedHashMap<>();
            Map<String, List<double[]>> scalers = new LinkedHashMap<>();
            for (TernGradStatsRecord r : history) {
                rates.computeIfAbsent("density (non-zero fraction)", k -> new ArrayList<>()).add(new double[]{r.iteration, r.density});
                rates.computeIfAbsent("clipped fraction", k -> new ArrayList<>()).add(new double[]{r.iteration, r.clippedFraction});
                r.scalers.forEach((segment, s) -> scalers.computeIfAbsent(segment, k -> new ArrayList<>()).add(new double[]{r.iteration, s}));
            }
            Charts.line(new File(outputDir, name + ".png"), "TernGrad: density and clipping per iteration", "iteration", "fraction of elements", rates);
            Charts.line(new File(outputDir, name + "-scalers.png"), "TernGrad: scaler s per segment (mean over workers)", "iteration", "s", scalers);
        } catch (IOException e) {
            throw new UncheckedIOException("TernGradStatsListener: cannot write history to " + outputDir, e);
        }
    }

    /** Running sums of one iteration. */
    private static final class IterationTotals {
        private final int iteration;
        private final int epoch;
        private int messages;
        private long bytes;
        private long elements;
        private long nonZero;
        private long clipped;
        private final Map<String, double[]> scalerSums = new LinkedHashMap<>();

        IterationTotals(int iteration, int epoch) {
            this.iteration = iteration;
            this.epoch = epoch;
        }

        void add(long messageBytes, List<SegmentStatistics> segments) {
            messages++;
            bytes += messageBytes;
            for (SegmentStatistics s : segments) {
                elements += s.length();
                nonZero += s.nonZeroCount();
                clipped += s.clippedCount();
                double[] sum = scalerSums.computeIfAbsent(s.name(), k -> new double[2]);
                sum[0] += s.scaler();
                sum[1]++;
            }
        }

        TernGradStatsRecord toRecord() {
            Map<String, Double> scalers = new LinkedHashMap<>();
            scalerSums.forEach((k, v) -> scalers.put(k, v[0] / v[1]));
            return new TernGradStatsRecord(iteration, epoch, messages, bytes, 4 * elements,
                    elements == 0 ? 0 : nonZero / (double) elements, elements == 0 ? 0 : clipped / (double) elements, scalers);
        }
    }
}
