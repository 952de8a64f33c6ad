package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of the dependency analysis, immutable: one {@link NodeDecision} per node, free-text notes, and the
 * residual branches cut away before the channel analysis ({@link DepthPlan#NONE} if none).
 */
final class PrunePlan {

    final Map<String, NodeDecision> decisions;
    final List<String> notes;
    final DepthPlan depth;

    PrunePlan(Map<String, NodeDecision> decisions, List<String> notes, DepthPlan depth) {
        this.decisions = Collections.unmodifiableMap(new LinkedHashMap<>(decisions));
        this.notes = List.copyOf(notes);
        this.depth = depth;
    }

    /** The same decisions with the depth removal they were made under; its notes come first. */
    PrunePlan withDepth(DepthPlan depth) {
        List<String> all = new ArrayList<>(depth.notes);
        all.addAll(notes);
        return new PrunePlan(decisions, all, depth);
    }

    NodeDecision decision(String nodeId) {
        return decisions.get(nodeId);
    }
}
