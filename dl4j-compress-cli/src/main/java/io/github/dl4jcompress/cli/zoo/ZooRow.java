package io.github.dl4jcompress.cli.zoo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of {@code results/prune-zoo.json}: the outcome of zeroing, pruning and timing one zoo model.
 * Ratios are pruned/dense (lower is smaller); speedup is dense/pruned median batch-1 latency.
 */
public final class ZooRow {

    String model;
    String status;
    String input;
    Double maxAbsDiff;
    Double macsRatio;
    Double paramsRatio;
    Double speedup;
    Integer zeroedFilters;
    Integer removedFilters;
    Double denseMillis;
    Double prunedMillis;
    Double seconds;
    String note;

    ZooRow(String model) {
        this.model = model;
    }

    /** Field order as documented: model, status, maxAbsDiff, macsRatio, paramsRatio, speedup, note, then details. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("status", status);
        m.put("maxAbsDiff", maxAbsDiff);
        m.put("macsRatio", macsRatio);
        m.put("paramsRatio", paramsRatio);
        m.put("speedup", speedup);
        m.put("note", note);
        m.put("input", input);
        m.put("zeroedFilters", zeroedFilters);
        m.put("removedFilters", removedFilters);
        m.put("denseMillis", denseMillis);
        m.put("prunedMillis", prunedMillis);
        m.put("seconds", seconds);
        return m;
    }

    @Override
    public String toString() {
        return String.format("%-18s %-11s diff=%s macs=%s params=%s speedup=%s  %s", model, status, fmt(maxAbsDiff),
                fmt(macsRatio), fmt(paramsRatio), fmt(speedup), note);
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format("%.3g", d);
    }
}
