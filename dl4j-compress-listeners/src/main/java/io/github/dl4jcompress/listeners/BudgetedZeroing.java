package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rationed (budgeted) SSL zeroing: groups are made exactly zero only as far as a MAC floor allows, so irreversible
 * zeroing cannot overshoot a MAC budget.
 *
 * <p>A group g of kind k in layer l is a <em>candidate</em> when {@code ‖w_g‖ < candidateThreshold · ref(l, k)}, where
 * ref is the largest norm of that layer and kind seen so far (as in {@link ZeroingListener}). Candidates are ranked by
 * their normalized norm {@code ‖w_g‖ / ref(l, k)}, smallest first. {@link #ration(Model, double)} zeroes the longest
 * prefix of that ranking for which
 * <pre>
 *   r(zeroed ∪ prefix) ≥ floor,   r(S) = MACs(prune(net with S zeroed)) / MACs(dense net)
 * </pre>
 * measured on a copy pruned exactly by {@link StructuredPruner} (threshold 0) and counted by the {@link CostModel} —
 * so a removed filter also removes the next layer's input channels (the cross-layer cascade). The candidate that
 * would cross the floor is skipped and the search continues with the rest ({@code maxSkips} times), so one costly
 * group does not block cheaper ones. Zeroed groups stay zero ({@link #reapply(Model)} after every update); groups
 * that are candidates but not zeroed keep training and may grow back. The prefix is found by bisection, since r can
 * only fall when more groups are zeroed.
 *
 * <p>Guards, checked before anything is changed: the masks are bound to the network first seen (a pruned or other
 * network with different group counts is refused naming the layer), and non-finite parameters are refused.
 */
public final class BudgetedZeroing {

    private static final Logger log = LoggerFactory.getLogger(BudgetedZeroing.class);

    /** What one {@link #ration} call measured and did. */
    public static final class Result {
        /** MAC fraction before this call (only the groups zeroed earlier removed). */
        public double macRatioBefore;
        /** MAC fraction after this call's zeroing. */
        public double macRatioAfter;
        /** MAC fraction if every candidate were zeroed (what the strength has already pushed out). */
        public double pendingMacRatio;
        /** Candidates found (not yet zeroed). */
        public int candidates;
        /** Candidates zeroed by this call. */
        public int zeroed;
        /** Groups zeroed so far in total. */
        public long zeroedTotal;
    }

    private static final class Candidate {
        final String key;
        final int index;
        final double normalized;

        Candidate(String key, int index, double normalized) {
            this.key = key;
            this.index = index;
            this.normalized = normalized;
        }
    }

    private final double candidateThreshold;
    private final int maxSkips;
    private final InputType[] inputTypes;
    private final CostModel costModel = new CostModel(0.0);
    private final StructuredPruner pruner = StructuredPruner.builder().threshold(0.0).build();
    private final Map<String, Double> reference = new HashMap<>();
    /** Per "layer/KIND": 1 = kept, 0 = zeroed for good. */
    private final Map<String, INDArray> masks = new LinkedHashMap<>();
    private long zeroedTotal;

    /**
     * @param candidateThreshold relative norm below which a group may be zeroed, in (0, 1)
     * @param maxSkips           candidates that would cross the floor and are skipped per call before stopping (≥ 0)
     * @param inputTypes         the network's input type(s), for the cost model
     */
    public BudgetedZeroing(double candidateThreshold, int maxSkips, InputType... inputTypes) {
        if (!(candidateThreshold > 0 && candidateThreshold < 1)) {
            throw new IllegalArgumentException("BudgetedZeroing: candidateThreshold is relative to the layer's largest group norm and must be in (0, 1), got "
                    + candidateThreshold);
        }
        if (maxSkips < 0) {
            throw new IllegalArgumentException("BudgetedZeroing: maxSkips must be >= 0, got " + maxSkips);
        }
        if (inputTypes == null || inputTypes.length == 0) {
            throw new IllegalArgumentException("BudgetedZeroing: the network's input type(s) are needed for the cost model");
        }
        this.candidateThreshold = candidateThreshold;
        this.maxSkips = maxSkips;
        this.inputTypes = inputTypes.clone();
    }

    public double getCandidateThreshold() {
        return candidateThreshold;
    }

    /** Groups zeroed so far. */
    public long getZeroedGroups() {
        return zeroedTotal;
    }

    /**
     * Finds the candidates on {@code model}, zeroes as many of them (smallest normalized norm first) as keep the pruned
     * MAC fraction at or above {@code floor}, and returns the measurements. The model's weights are changed only by the
     * zeroing; measurements use a copy.
     */
    public Result ration(Model model, double floor) {
        requireFitAndFinite(model);
        List<Candidate> candidates = candidates(model);
        Model copy = copy(model);
        INDArray base = copy.params().dup();
        Result res = new Result();
        res.candidates = candidates.size();
        res.macRatioBefore = measure(copy, base, List.of());
        res.pendingMacRatio = candidates.isEmpty() ? res.macRatioBefore : measure(copy, base, candidates);
        List<Candidate> chosen = new ArrayList<>();
        double after = res.macRatioBefore;
        if (res.pendingMacRatio >= floor) {
            chosen.addAll(candidates);
            after = res.pendingMacRatio;
        } else if (res.macRatioBefore >= floor) {
            List<Candidate> rest = candidates;
            for (int skip = 0; skip <= maxSkips && !rest.isEmpty(); skip++) {
                // largest k with r(chosen ∪ rest[0..k)) ≥ floor; k = 0 always qualifies (r(chosen) ≥ floor holds)
                int lo = 0, hi = rest.size();
                double rLo = after;
                while (lo < hi) {
                    int mid = (lo + hi + 1) >>> 1;
                    List<Candidate> trial = new ArrayList<>(chosen);
                    trial.addAll(rest.subList(0, mid));
                    double r = measure(copy, base, trial);
                    if (r >= floor) {
                        lo = mid;
                        rLo = r;
                    } else {
                        hi = mid - 1;
                    }
                }
                chosen.addAll(rest.subList(0, lo));
                after = rLo;
                if (lo >= rest.size() - 1) {
                    break;
                }
                rest = rest.subList(lo + 1, rest.size());   // skip the candidate that crosses the floor
            }
        }
        for (Candidate c : chosen) {
            masks.get(c.key).putScalar(c.index, 0.0);
        }
        zeroedTotal += chosen.size();
        res.zeroed = chosen.size();
        res.zeroedTotal = zeroedTotal;
        res.macRatioAfter = after;
        reapply(model);
        log.debug("floor {}: {} candidates, zeroed {}, MACs {} -> {} (all candidates: {})", floor, candidates.size(), chosen.size(),
                res.macRatioBefore, after, res.pendingMacRatio);
        return res;
    }

    /** Sets every group zeroed so far back to exactly zero (call after each parameter update). */
    public void reapply(Model model) {
        requireFitAndFinite(model);
        apply(model, masks);
    }

    /** Guards before anything is changed: the masks still fit {@code model}, and its parameters are finite. */
    private void requireFitAndFinite(Model model) {
        List<ModelLayers.Entry> entries = ModelLayers.of(model);
        GroupMasks.requireFit("BudgetedZeroing", entries, masks);
        int iteration = AnyNetwork.of(model).iterationCount();
        GroupMasks.requireFinite("BudgetedZeroing", entries, iteration);
    }

    /** The not-yet-zeroed groups below the candidate threshold, smallest normalized norm first. */
    private List<Candidate> candidates(Model model) {
        List<Candidate> out = new ArrayList<>();
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
            INDArray w = e.layer.getParam("W");
            for (GroupKind kind : e.regularizedKinds) {
                if (!e.layout.supports(kind) || kind == GroupKind.DEPTH) {
                    continue;
                }
                String key = e.name + "/" + kind;
                INDArray norms = e.layout.groupNorms(w, kind);
                double ref = Math.max(reference.getOrDefault(key, 0.0), norms.maxNumber().doubleValue());
                reference.put(key, ref);
                INDArray mask = masks.computeIfAbsent(key, k -> Nd4j.ones(norms.dataType(), norms.length()));
                if (ref == 0) {
                    continue;
                }
                for (int g = 0; g < norms.length(); g++) {
                    double n = norms.getDouble(g) / ref;
                    if (mask.getDouble(g) > 0 && n < candidateThreshold) {
                        out.add(new Candidate(key, g, n));
                    }
                }
            }
        }
        out.sort(Comparator.comparingDouble((Candidate c) -> c.normalized).thenComparing(c -> c.key).thenComparingInt(c -> c.index));
        return out;
    }

    /** Pruned MAC fraction of {@code copy} with parameters {@code base}, the kept masks and {@code extra} zeroed. */
    private double measure(Model copy, INDArray base, List<Candidate> extra) {
        copy.setParams(base);
        Map<String, INDArray> trial = new HashMap<>();
        masks.forEach((k, m) -> trial.put(k, m.dup()));
        for (Candidate c : extra) {
            trial.get(c.key).putScalar(c.index, 0.0);
        }
        apply(copy, trial);
        return prunedMacRatio(copy, costModel, pruner, inputTypes);
    }

    private static void apply(Model model, Map<String, INDArray> masks) {
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
            GroupMasks.apply(e, masks);
        }
    }

    static Model copy(Model model) {
        return AnyNetwork.of(model).copy().model();
    }

    /**
     * MACs of {@code net} as the pruner leaves it (threshold 0: exact zeros), over its dense MACs; the cost model's
     * layer-local effective count if the pruner refuses the network.
     */
    static double prunedMacRatio(Model net, CostModel costModel, StructuredPruner pruner, InputType[] inputTypes) {
        AnyNetwork any = AnyNetwork.of(net);
        try {
            long dense = any.cost(costModel, inputTypes).getMacs();
            return (double) any.prune(pruner).network().cost(costModel, inputTypes).getMacs() / dense;
        } catch (PruningException e) {
            log.debug("pruner refused the network ({}); using the cost model's effective MACs", e.getMessage());
            return any.cost(costModel, inputTypes).effectiveMacRatio();
        }
    }
}
