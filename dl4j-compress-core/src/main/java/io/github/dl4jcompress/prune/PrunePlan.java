package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The result of the dependency analysis: one {@link NodeDecision} per node plus free-text notes. */
final class PrunePlan {

    final Map<String, NodeDecision> decisions = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    /** Residual branches cut away before the channel analysis; {@link DepthPlan#NONE} if none. */
    DepthPlan depth = DepthPlan.NONE;

    NodeDecision decision(String nodeId) {
        return decisions.get(nodeId);
    }
}
