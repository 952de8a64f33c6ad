package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.arbiter.scoring.impl.BaseNetScoreFunction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Arbiter score function for compressed candidates: prunes the trained network with {@link StructuredPruner}
 * (groups with L2 norm ≤ {@code pruneThreshold} are removed; threshold 0 removes exact zeros and leaves the outputs
 * unchanged), then measures on Arbiter's test data the accuracy of the pruned network and, with {@link CostModel},
 * its MACs and parameters, and returns {@link CompressionObjective#value} (maximized). If the pruner refuses the
 * network, the unpruned network is scored with the cost model's effective MACs (zero groups not counted).
 *
 * <p>The full measurement of each scored network is kept for {@link #takeRecord} (used by
 * {@link CompressionTaskListener} to build the per-candidate {@link CandidateRecord}).
 */
public class CompressionScoreFunction extends BaseNetScoreFunction {

    private static final Logger log = LoggerFactory.getLogger(CompressionScoreFunction.class);

    private final CompressionObjective objective;
    private final InputType[] inputTypes;
    private final double pruneThreshold;
    private final transient Map<Object, CandidateRecord> records = Collections.synchronizedMap(new IdentityHashMap<>());

    /**
     * @param objective      what to maximize
     * @param pruneThreshold group-norm threshold of the pruner (≥ 0)
     * @param inputTypes     the network's input type(s), for the cost model
     */
    @JsonCreator
    public CompressionScoreFunction(@JsonProperty("objective") CompressionObjective objective, @JsonProperty("pruneThreshold") double pruneThreshold,
                                    @JsonProperty("inputTypes") InputType... inputTypes) {
        if (objective == null) {
            throw new IllegalArgumentException("CompressionScoreFunction: objective must not be null");
        }
        if (inputTypes == null || inputTypes.length == 0) {
            throw new IllegalArgumentException("CompressionScoreFunction: the network's input type(s) are needed for the cost model");
        }
        StructuredPruner.builder().threshold(pruneThreshold);
        this.objective = objective;
        this.pruneThreshold = pruneThreshold;
        this.inputTypes = inputTypes.clone();
    }

    @JsonProperty("objective") public CompressionObjective getObjective() { return objective; }
    @JsonProperty("pruneThreshold") public double getPruneThreshold() { return pruneThreshold; }
    @JsonProperty("inputTypes") public InputType[] getInputTypes() { return inputTypes.clone(); }

    /** Removes and returns the measurement of a network scored by this function, or null. */
    @JsonIgnore
    public CandidateRecord takeRecord(Model scored) {
        return records.remove(scored);
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public double score(MultiLayerNetwork net, DataSetIterator iterator) {
        return score(net, () -> StructuredPruner.builder().threshold(pruneThreshold).build().prune(net).network(),
                m -> new CostModel(pruneThreshold).of((MultiLayerNetwork) m, inputTypes[0]),
                m -> {
                    iterator.reset();
                    return ((MultiLayerNetwork) m).<Evaluation>evaluate(iterator).accuracy();
                });
    }

    @Override
    public double score(ComputationGraph graph, DataSetIterator iterator) {
        return score(graph, () -> StructuredPruner.builder().threshold(pruneThreshold).build().prune(graph).network(),
                m -> new CostModel(pruneThreshold).of((ComputationGraph) m, inputTypes),
                m -> {
                    iterator.reset();
                    return ((ComputationGraph) m).<Evaluation>evaluate(iterator).accuracy();
                });
    }

    @Override
    public double score(ComputationGraph graph, MultiDataSetIterator iterator) {
        return score(graph, () -> StructuredPruner.builder().threshold(pruneThreshold).build().prune(graph).network(),
                m -> new CostModel(pruneThreshold).of((ComputationGraph) m, inputTypes),
                m -> {
                    iterator.reset();
                    return ((ComputationGraph) m).evaluate(iterator, (java.util.List<String>) null).accuracy();
                });
    }

    @Override
    public double score(MultiLayerNetwork net, MultiDataSetIterator iterator) {
        throw new UnsupportedOperationException("CompressionScoreFunction: a MultiLayerNetwork is scored on a DataSetIterator, got a MultiDataSetIterator");
    }

    /**
     * Scores the pruned network (MACs and params of what physically remains); if the pruner refuses, the unpruned
     * network with the cost model's effective counts (zero groups not counted).
     */
    private double score(Model network, java.util.function.Supplier<Model> prune, java.util.function.Function<Model, NetworkCost> cost,
                         java.util.function.ToDoubleFunction<Model> accuracy) {
        CandidateRecord r;
        try {
            Model small = prune.get();
            NetworkCost c = cost.apply(small);
            r = record(accuracy.applyAsDouble(small), c.getMacs(), c.getParams(), c.getEffectiveMacs(), network.numParams(), true);
        } catch (PruningException e) {
            log.warn("Candidate could not be pruned ({}); scoring the unpruned network with its effective MACs", e.getMessage());
            NetworkCost c = cost.apply(network);
            r = record(accuracy.applyAsDouble(network), c.getEffectiveMacs(), c.getEffectiveParams(), c.getEffectiveMacs(), network.numParams(), false);
        }
        records.put(network, r);
        return r.objective;
    }

    /**
     * Scores the result of the compression procedure from its report: the objective of the result's test accuracy
     * (validation accuracy when no test data was given) and MACs; the record also keeps the procedure's status, the
     * phases it completed, and the settings the candidate gave it.
     */
    public double score(Model result, CompressionReport report, java.util.Set<io.github.dl4jcompress.regularization.GroupKind> groups,
                        double initialStrength) {
        CompressionReport.Snapshot s = report.result;
        double accuracy = s.testAccuracy != null ? s.testAccuracy : s.accuracy;
        CandidateRecord r = record(accuracy, s.macs, s.params, s.macs, report.baseline.params, s.macFraction < 1, objective.value(accuracy, s.macs));
        r.status = report.status;
        r.phases = new java.util.ArrayList<>(report.completed);
        r.groups = new java.util.ArrayList<>();
        groups.forEach(g -> r.groups.add(g.name()));
        r.initialStrength = initialStrength;
        r.macsRatio = s.macFraction;
        r.drop = report.drop == null ? Double.NaN : report.drop;
        records.put(result, r);
        return r.objective;
    }

    private CandidateRecord record(double accuracy, long macs, long params, long effectiveMacs, long paramsBefore, boolean pruned) {
        return record(accuracy, macs, params, effectiveMacs, paramsBefore, pruned, objective.value(accuracy, macs));
    }

    private static CandidateRecord record(double accuracy, long macs, long params, long effectiveMacs, long paramsBefore, boolean pruned,
                                          double objective) {
        return CandidateRecord.measured(accuracy, macs, params, effectiveMacs, paramsBefore, pruned, objective);
    }

    @Override
    public String toString() {
        return "CompressionScoreFunction(" + objective + ", pruneThreshold=" + pruneThreshold + ")";
    }
}
