package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Depth removal decided by {@link ZeroBranchFinder}: the nodes of residual branches whose output is the
 * constant 0, and the new input lists of the element-wise vertices they fed (an {@code add(x, 0)}
 * keeps only {@code x}, which DL4J's ElementWiseVertex passes through unchanged).
 */
final class DepthPlan {

    static final DepthPlan NONE = new DepthPlan(Set.of(), Map.of(), List.of());

    /** Ids of removed layers and vertices, in topological order. */
    final Set<String> removed;
    /** Vertex id to its inputs after removal. */
    final Map<String, List<String>> rewiredInputs;
    /** One line per removed branch, for the report. */
    final List<String> notes;

    DepthPlan(Set<String> removed, Map<String, List<String>> rewiredInputs, List<String> notes) {
        this.removed = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(removed));
        this.rewiredInputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rewiredInputs));
        this.notes = List.copyOf(notes);
    }

    boolean isEmpty() {
        return removed.isEmpty();
    }

    /** The graph without the removed nodes and with the rewired vertices reading only what remains. */
    PruneGraph apply(PruneGraph graph) {
        if (isEmpty()) {
            return graph;
        }
        List<PruneNode> nodes = new ArrayList<>();
        for (PruneNode n : graph.topologicalOrder) {
            if (removed.contains(n.id)) {
                continue;
            }
            List<String> inputs = rewiredInputs.get(n.id);
            nodes.add(inputs == null ? n : n.withInputs(inputs));
        }
        return new PruneGraph(nodes, graph.networkOutputs);
    }
}
