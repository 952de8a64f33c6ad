package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.PruneResult;
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
        CandidateRecord r;
        try {
            PruneResult<MultiLayerNetwork> p = StructuredPruner.builder().threshold(pruneThreshold).build().prune(net);
            MultiLayerNetwork small = p.network();
            NetworkCost cost = new CostModel(pruneThreshold).of(small, inputTypes[0]);
            r = record(accuracy(small, iterator), cost.getMacs(), cost.getParams(), cost.getEffectiveMacs(), net.numParams(), true);
        } catch (PruningException e) {
            log.warn("Candidate could not be pruned ({}); scoring the unpruned network with its effective MACs", e.getMessage());
            NetworkCost cost = new CostModel(pruneThreshold).of(net, inputTypes[0]);
            r = record(accuracy(net, iterator), cost.getEffectiveMacs(), cost.getEffectiveParams(), cost.getEffectiveMacs(), net.numParams(), false);
        }
        records.put(net, r);
        return r.objective;
    }

    @Override
    public double score(ComputationGraph graph, DataSetIterator iterator) {
        CandidateRecord r;
        try {
            PruneResult<ComputationGraph> p = StructuredPruner.builder().threshold(pruneThreshold).build().prune(graph);
            ComputationGraph small = p.network();
            NetworkCost cost = new CostModel(pruneThreshold).of(small, inputTypes);
            iterator.reset();
            r = record(small.<Evaluation>evaluate(iterator).accuracy(), cost.getMacs(), cost.getParams(), cost.getEffectiveMacs(), graph.numParams(), true);
        } catch (PruningException e) {
            log.warn("Candidate could not be pruned ({}); scoring the unpruned graph with its effective MACs", e.getMessage());
            NetworkCost cost = new CostModel(pruneThreshold).of(graph, inputTypes);
            iterator.reset();
            r = record(graph.<Evaluation>evaluate(iterator).accuracy(), cost.getEffectiveMacs(), cost.getEffectiveParams(), cost.getEffectiveMacs(), graph.numParams(), false);
        }
        records.put(graph, r);
        return r.objective;
    }

    @Override
    public double score(ComputationGraph graph, MultiDataSetIterator iterator) {
        CandidateRecord r;
        try {
            PruneResult<ComputationGraph> p = StructuredPruner.builder().threshold(pruneThreshold).build().prune(graph);
            ComputationGraph small = p.network();
            NetworkCost cost = new CostModel(pruneThreshold).of(small, inputTypes);
            iterator.reset();
            Evaluation e = small.evaluate(iterator, (java.util.List<String>) null);
            r = record(e.accuracy(), cost.getMacs(), cost.getParams(), cost.getEffectiveMacs(), graph.numParams(), true);
        } catch (PruningException e) {
            log.warn("Candidate could not be pruned ({}); scoring the unpruned graph with its effective MACs", e.getMessage());
            NetworkCost cost = new CostModel(pruneThreshold).of(graph, inputTypes);
            iterator.reset();
            Evaluation ev = graph.evaluate(iterator, (java.util.List<String>) null);
            r = record(ev.accuracy(), cost.getEffectiveMacs(), cost.getEffectiveParams(), cost.getEffectiveMacs(), graph.numParams(), false);
        }
        records.put(graph, r);
        return r.objective;
    }

    @Override
    public double score(MultiLayerNetwork net, MultiDataSetIterator iterator) {
        throw new UnsupportedOperationException("CompressionScoreFunction: a MultiLayerNetwork is scored on a DataSetIterator, got a MultiDataSetIterator");
    }

    private static double accuracy(MultiLayerNetwork net, DataSetIterator iterator) {
        iterator.reset();
        Evaluation e = net.<Evaluation>evaluate(iterator);
        return e.accuracy();
    }

    private CandidateRecord record(double accuracy, long macs, long params, long effectiveMacs, long paramsBefore, boolean pruned) {
        return CandidateRecord.measured(accuracy, macs, params, effectiveMacs, paramsBefore, pruned, objective.value(accuracy, macs));
    }

    @Override
    public String toString() {
        return "CompressionScoreFunction(" + objective + ", pruneThreshold=" + pruneThreshold + ")";
    }
}
