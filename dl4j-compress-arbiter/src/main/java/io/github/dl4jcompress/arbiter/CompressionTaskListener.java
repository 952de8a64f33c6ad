package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.listeners.compress.SslCompression;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.task.TaskListener;
import org.deeplearning4j.nn.api.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arbiter {@link TaskListener} of a {@link CompressionSearch}: logs each candidate as it starts (its sampled values),
 * and after scoring takes the measurement from the {@link CompressionScoreFunction} (the procedure's report), adds the
 * candidate index and the sampled values of the named parameter spaces, and logs progress (candidate i/N, elapsed,
 * ETA). The training itself is {@link SslCompression}'s, run by {@link CompressionTaskCreator}.
 */
public class CompressionTaskListener implements TaskListener {

    private static final Logger log = LoggerFactory.getLogger(CompressionTaskListener.class);

    private final transient CompressionScoreFunction scoreFunction;
    private final transient Map<String, ParameterSpace<?>> namedSpaces;
    /**
     * Key of a named space holding SSL's zeroing threshold: when present, each candidate's procedure uses its sampled
     * value (in [0, 1); 0 = the procedure's default) as its candidate threshold (groups below it, relative to their
     * layer's largest, may be zeroed). The space must also be part of the search space, e.g.
     * {@link StructuredSparsityLayerSpace.Builder#zeroThreshold}.
     */
    public static final String ZERO_THRESHOLD = "zeroThreshold";

    private final int totalCandidates;
    private final transient List<CandidateRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final transient Map<Integer, Long> started = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile long searchStart;

    /**
     * @param scoreFunction   the score function whose measurements are recorded
     * @param namedSpaces     parameter spaces (the same instances as in the search space) whose sampled values go into
     *                        each record's {@code params}
     * @param totalCandidates N for the progress log (≥ 1)
     */
    public CompressionTaskListener(CompressionScoreFunction scoreFunction, Map<String, ParameterSpace<?>> namedSpaces, int totalCandidates) {
        if (scoreFunction == null) {
            throw new IllegalArgumentException("CompressionTaskListener: scoreFunction must not be null");
        }
        if (totalCandidates < 1) {
            throw new IllegalArgumentException("CompressionTaskListener: totalCandidates must be >= 1, got " + totalCandidates);
        }
        this.scoreFunction = scoreFunction;
        this.namedSpaces = namedSpaces == null ? Map.of() : new LinkedHashMap<>(namedSpaces);
        this.totalCandidates = totalCandidates;
    }

    @Override
    public <T extends Model> T preProcess(T model, Candidate candidate) {
        long now = System.nanoTime();
        synchronized (this) {
            if (searchStart == 0) {
                searchStart = now;
            }
        }
        started.put(candidate.getIndex(), now);
        log.info("Candidate {}/{}: {}", candidate.getIndex() + 1, totalCandidates, sampled(candidate));
        return model;
    }

    @Override
    public void postProcess(Model model, Candidate candidate) {
        CandidateRecord r = scoreFunction.takeRecord(model);
        if (r == null) {
            log.warn("Candidate {}/{}: no measurement from the score function (not run by CompressionTaskCreator?)", candidate.getIndex() + 1, totalCandidates);
            return;
        }
        r.candidate = candidate.getIndex();
        r.params = sampled(candidate);
        Long t0 = started.get(candidate.getIndex());
        long now = System.nanoTime();
        r.seconds = t0 == null ? Double.NaN : (now - t0) / 1e9;
        records.add(r);
        double elapsed = (now - searchStart) / 1e9;
        int done = records.size();
        double eta = elapsed / done * Math.max(0, totalCandidates - done);
        log.info("Candidate {}/{} done in {}s: accuracy {}, MACs {}, params {}, objective {} | elapsed {}s, ETA {}s", candidate.getIndex() + 1,
                totalCandidates, Math.round(r.seconds), String.format("%.4f", r.accuracy), r.macs, r.paramsCount, String.format("%.4f", r.objective),
                Math.round(elapsed), Math.round(eta));
    }

    /** The candidate's zeroing threshold: the sampled {@link #ZERO_THRESHOLD} space if registered, else 0 (the procedure's default). */
    double zeroThreshold(Candidate candidate) {
        ParameterSpace<?> space = namedSpaces.get(ZERO_THRESHOLD);
        if (space == null) {
            return 0;
        }
        Object v = space.getValue(candidate.getFlatParameters());
        double t = v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
        if (!(t >= 0 && t < 1)) {
            throw new IllegalStateException("CompressionTaskListener: candidate " + (candidate.getIndex() + 1) + " sampled "
                    + ZERO_THRESHOLD + " = " + v + "; it must be a number in [0, 1)");
        }
        return t;
    }

    private Map<String, Object> sampled(Candidate candidate) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ParameterSpace<?>> e : namedSpaces.entrySet()) {
            out.put(e.getKey(), e.getValue().getValue(candidate.getFlatParameters()));
        }
        return out;
    }

    /** The records so far, in completion order. */
    public List<CandidateRecord> getRecords() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }
}
