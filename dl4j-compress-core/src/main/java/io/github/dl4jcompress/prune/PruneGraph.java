package io.github.dl4jcompress.prune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The architecture-neutral view of a network: nodes in topological order and the set of nodes whose
 * outputs are network outputs (their sizes must never change).
 */
final class PruneGraph {

    final List<PruneNode> topologicalOrder;
    final Set<String> networkOutputs;

    PruneGraph(List<PruneNode> topologicalOrder, Set<String> networkOutputs) {
        this.topologicalOrder = Collections.unmodifiableList(new ArrayList<>(topologicalOrder));
        this.networkOutputs = Set.copyOf(networkOutputs);
    }
}
