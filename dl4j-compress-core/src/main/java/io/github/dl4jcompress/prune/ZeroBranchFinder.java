package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds residual branches that can be cut away exactly: an input of a vertex at a position its registry entry
 * ({@link VertexEntry}) declares removable when zero, e.g. any input of an element-wise {@code Add} (or the
 * subtrahend of a two-input {@code Subtract}), whose tensor is the constant 0 in every channel,
 * as left by DEPTH-wise group lasso when the branch's last filters and biases are zero.
 *
 * <p>Removed with it is every node that only feeds removed nodes (the branch's layers and any
 * sub-branches), never a network input or output and never a node that something else still reads.
 * A branch whose constant output is not 0 (zero weights but a non-zero bias or batch-norm shift) is
 * kept and only noted: {@code add(x, c)} is not an identity. One input of each vertex always stays.
 */
final class ZeroBranchFinder {

    private ZeroBranchFinder() {
    }

    static DepthPlan find(PruneGraph graph, ChannelAnalysis analysis) {
        Map<String, List<String>> consumers = new HashMap<>();
        Map<String, PruneNode> byId = new HashMap<>();
        for (PruneNode n : graph.topologicalOrder) {
            byId.put(n.id, n);
            for (String in : n.inputs) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n.id);
            }
        }
        Set<String> removed = new LinkedHashSet<>();
        Map<String, List<String>> rewired = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (PruneNode n : graph.topologicalOrder) {
            VertexEntry entry = n.kind == PruneNode.Kind.VERTEX ? LayerRegistry.vertexEntry(n.vertex) : null;
            if (entry == null || n.inputs.size() < 2 || n.inputs.stream().distinct().count() != n.inputs.size()) {
                continue;
            }
            List<String> remaining = new ArrayList<>(n.inputs);
            for (int i = 0; i < n.inputs.size(); i++) {
                String in = n.inputs.get(i);
                boolean identityPosition = entry.zeroInputRemovable(n.vertex, i, n.inputs.size());
                if (identityPosition && analysis.constant(in) && !analysis.constantZero(in)) {
                    notes.add("input '" + in + "' of '" + n.displayName + "' is constant but not 0 (zero weights,"
                            + " non-zero bias or shift): branch kept");
                }
                if (!identityPosition || !analysis.constantZero(in) || remaining.size() < 2) {
                    continue;
                }
                PruneNode producer = byId.get(in);
                if (producer == null || producer.kind == PruneNode.Kind.INPUT || graph.networkOutputs.contains(in)
                        || !consumers.getOrDefault(in, List.of()).equals(List.of(n.id))) {
                    continue;
                }
                Set<String> branch = branchOf(graph, consumers, byId, in, removed);
                removed.addAll(branch);
                remaining.remove(in);
                notes.add("residual branch " + branch + " into '" + n.displayName
                        + "' outputs constant 0: removed, the vertex now passes its other input through");
            }
            if (remaining.size() < n.inputs.size()) {
                rewired.put(n.id, remaining);
            }
        }
        List<String> ordered = new ArrayList<>();
        graph.topologicalOrder.forEach(n -> {
            if (removed.contains(n.id)) {
                ordered.add(n.id);
            }
        });
        return new DepthPlan(new LinkedHashSet<>(ordered), rewired, notes);
    }

    /** The branch end plus every ancestor all of whose readers are in the branch (reverse topological scan). */
    private static Set<String> branchOf(PruneGraph graph, Map<String, List<String>> consumers, Map<String, PruneNode> byId,
                                        String end, Set<String> alreadyRemoved) {
        Set<String> branch = new LinkedHashSet<>();
        branch.add(end);
        List<PruneNode> order = graph.topologicalOrder;
        int endIndex = order.indexOf(byId.get(end));
        for (int i = endIndex - 1; i >= 0; i--) {
            PruneNode n = order.get(i);
            if (n.kind == PruneNode.Kind.INPUT || graph.networkOutputs.contains(n.id)) {
                continue;
            }
            List<String> readers = consumers.getOrDefault(n.id, List.of());
            if (!readers.isEmpty() && readers.stream().allMatch(r -> branch.contains(r) || alreadyRemoved.contains(r))) {
                branch.add(n.id);
            }
        }
        List<String> ordered = new ArrayList<>(branch);
        java.util.Collections.reverse(ordered);
        return new LinkedHashSet<>(ordered);
    }
}
