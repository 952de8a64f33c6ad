package io.github.dl4jcompress.arbiter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything measured for one searched candidate, for the accuracy-versus-cost front: its sampled hyperparameters,
 * test accuracy, MACs and parameter count of the compressed network (the procedure's result) (MACs as DL4J runs the pruned network;
 * {@code effectiveMacs} also skips its remaining all-zero kernel shapes), the objective and whether it is on the
 * Pareto front ({@link ParetoFront#mark}). Public fields serialize with Jackson as the example's JSON rows.
 */
public final class CandidateRecord {
    public int candidate;
    public Map<String, Object> params = new LinkedHashMap<>();
    public double accuracy;
    public long macs;
    public long paramsCount;
    public long effectiveMacs;
    /** MACs over a reference (e.g. the dense network's), when the caller sets it; NaN otherwise. */
    public double macsRatio = Double.NaN;
    /** Parameters before pruning. */
    public long paramsBeforePruning;
    /** False when the pruner could not prune the network (then MACs are the cost model's effective count). */
    public boolean pruned;
    public double objective;
    /** The compression procedure's verdict ("met" or "not met: ...") and the phases it completed. */
    public String status;
    public List<String> phases = new ArrayList<>();
    /** The procedure's settings from the candidate: group kinds and initial λ0. */
    public List<String> groups = new ArrayList<>();
    public double initialStrength;
    /** Validation accuracy drop below the better of baseline and control (fraction). */
    public double drop;
    public double seconds;
    public boolean pareto;

    public CandidateRecord() {
    }

    /** The measured part of a record (without candidate index / params). */
    public static CandidateRecord measured(double accuracy, long macs, long paramsCount, long effectiveMacs, long paramsBefore, boolean pruned,
                                           double objective) {
        CandidateRecord r = new CandidateRecord();
        r.accuracy = accuracy;
        r.macs = macs;
        r.paramsCount = paramsCount;
        r.effectiveMacs = effectiveMacs;
        r.paramsBeforePruning = paramsBefore;
        r.pruned = pruned;
        r.objective = objective;
        return r;
    }

    @Override
    public String toString() {
        return String.format("candidate %d: accuracy %.4f, MACs %d, params %d, objective %.4f%s %s", candidate, accuracy, macs, paramsCount, objective,
                pareto ? " (Pareto)" : "", params);
    }
}
