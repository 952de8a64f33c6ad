package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Rationed (budgeted) SSL zeroing: groups are made exactly zero only as far as a MAC floor allows, so irreversible
 * zeroing cannot overshoot a MAC budget.
 *
 * <p>A group g of kind k in layer l is a <em>candidate</em> when {@code ‖w_g‖ < candidateThreshold · ref(l, k)}, where
 * ref is the largest norm of that layer and kind seen so far (as in {@link ZeroingListener}). Candidates are ranked by
 * their normalized norm {@code ‖w_g‖ / ref(l, k)}, smallest first; the largest kept group of each layer and kind is
 * never a candidate, so a layer is never emptied (a dense layer's last unit, a conv's last filter or channel: the
 * steered λ of session 21 pushed every unit of a VGG's fc below the threshold, and all were zeroed together).
 * {@link #ration(Model, double)} zeroes the longest
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
 * <p><b>Ranked (gradual) mode</b> ({@link #BudgetedZeroing(double, int, boolean, InputType...)} with {@code ranked}):
 * every group not yet zeroed is eligible, ranked by the same normalized norm, and the longest prefix that keeps
 * {@code r ≥ floor} is zeroed — gradual magnitude pruning of whole groups along the floor's trajectory (Zhu &amp; Gupta,
 * 2017), with the Group Lasso deciding which groups are small. The candidates below the threshold are still counted
 * for {@link Result#pendingMacRatio} (what the strength has pushed out). The largest group of each layer and kind is
 * never zeroed (a layer is never emptied). Groups are ranked by normalized norm per square root of the group's
 * share of its layer's MACs ({@code (‖w_g‖ / ref) / sqrt(MACs(l) / groups(l, k))}): a group that costs many MACs is
 * removed before an equally small cheap one (plain magnitude ranking emptied LeNet's fc1, 800 MACs a unit, first). The prefix search gallops (1, 2, 4, … groups, then bisection), so an update
 * that zeroes k groups costs about 2·log2(k) trial prunes.
 *
 * <p>Structures zeroed by another listener (batch-norm filter groups, residual branches: {@link #keepZeroedBy}) are
 * set back to zero with the masks, before every measurement: DL4J's update revives them (a zeroed γ still has a
 * gradient, momentum moves a zeroed W), and a measurement taken before their owner re-zeroes them would see a live
 * branch — the pruner's zero-branch finder removes a branch only when its output is exactly 0.
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
    private final boolean ranked;
    private final InputType[] inputTypes;
    private final CostModel costModel = new CostModel(0.0);
    private final StructuredPruner pruner = StructuredPruner.builder().threshold(0.0).trial().build();
    private final Map<String, Double> reference = new HashMap<>();
    /** Per "layer/KIND": 1 = kept, 0 = zeroed for good. */
    private final Map<String, INDArray> masks = new LinkedHashMap<>();
    /** Re-zeroing of structures another listener zeroed for good, run with the masks. */
    private final List<Consumer<Model>> alsoZeroed = new ArrayList<>();
    private long zeroedTotal;
    private int lastZeroed;
    /** MACs of the unpruned network (its architecture does not change while the masks are bound to it). */
    private long denseMacs = -1;
    private NetworkCost denseCost;
    private final Map<String, Double> groupMacs = new HashMap<>();
    /** The last measured MAC fraction and the state it belongs to (groups zeroed, exact zeros in the parameters). */
    private double lastRatio = Double.NaN;
    private long lastZeroedTotal = -1;
    private double lastZeroParams = -1;
    /** Per layer name: the product of its masks in the shape of W ({@link GroupMasks#fullMask}); null = to be rebuilt. */
    private Map<String, INDArray> fullMasks;

    /**
     * @param candidateThreshold relative norm below which a group may be zeroed, in (0, 1)
     * @param maxSkips           candidates that would cross the floor and are skipped per call before stopping (≥ 0)
     * @param inputTypes         the network's input type(s), for the cost model
     */
    public BudgetedZeroing(double candidateThreshold, int maxSkips, InputType... inputTypes) {
        this(candidateThreshold, maxSkips, false, inputTypes);
    }

    /**
     * @param ranked zero the smallest groups (normalized norm) down to the floor whether or not they are below the
     *               candidate threshold (gradual pruning along the floor); false: only candidates are zeroed
     */
    public BudgetedZeroing(double candidateThreshold, int maxSkips, boolean ranked, InputType... inputTypes) {
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
        this.ranked = ranked;
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
     * Registers the re-zeroing of structures zeroed for good by someone else (e.g. the residual branches and batch-norm
     * filters of the procedure's norm groups): it runs in {@link #reapply} and before every {@link #ration}, so the
     * measured MAC fraction counts them as removed — exactly as the pruner will.
     */
    public void keepZeroedBy(Consumer<Model> rezero) {
        if (rezero == null) {
            throw new IllegalArgumentException("BudgetedZeroing: the re-zeroing must not be null");
        }
        alsoZeroed.add(rezero);
    }

    /**
     * Finds the candidates on {@code model}, zeroes as many of them (smallest normalized norm first) as keep the pruned
     * MAC fraction at or above {@code floor}, and returns the measurements. The model's weights are changed only by the
     * zeroing; measurements use a copy.
     */
    public Result ration(Model model, double floor) {
        requireFitAndFinite(model);
        alsoZeroed.forEach(z -> z.accept(model));
        List<Candidate> eligible = new ArrayList<>();
        List<Candidate> candidates = candidates(model, eligible);
        Model copy = copy(model);
        INDArray base = copy.params().dup();
        Result res = new Result();
        res.candidates = candidates.size();
        double zeroParams = base.scan(org.nd4j.linalg.indexing.conditions.Conditions.equals(0.0)).doubleValue();
        // unchanged zero pattern since the last call (only trained weights moved): the MACs after pruning are the same
        res.macRatioBefore = zeroedTotal == lastZeroedTotal && zeroParams == lastZeroParams ? lastRatio : measure(copy, base, List.of());
        res.pendingMacRatio = candidates.isEmpty() ? res.macRatioBefore : measure(copy, base, candidates);
        List<Candidate> order = ranked ? eligible : candidates;
        List<Candidate> chosen = new ArrayList<>();
        double after = res.macRatioBefore;
        if (!ranked && res.pendingMacRatio >= floor) {
            chosen.addAll(candidates);
            after = res.pendingMacRatio;
        } else if (res.macRatioBefore >= floor) {
            List<Candidate> rest = order;
            for (int skip = 0; skip <= maxSkips && !rest.isEmpty(); skip++) {
                // largest k with r(chosen ∪ rest[0..k)) ≥ floor (r falls as k grows); k = 0 qualifies. Gallop, then bisect.
                List<Candidate> taken = chosen;
                List<Candidate> from = rest;
                LongestPrefix prefix = LongestPrefix.search(from.size(), lastZeroed, after,
                        k -> measure(copy, base, concat(taken, from.subList(0, k))), r -> r >= floor);
                int lo = prefix.length;
                double rLo = prefix.value;
                chosen.addAll(rest.subList(0, lo));
                after = rLo;
                if (lo >= rest.size() - 1) {
                    break;
                }
                rest = rest.subList(lo + 1, rest.size());   // skip the group that crosses the floor
            }
        }
        for (Candidate c : chosen) {
            masks.get(c.key).putScalar(c.index, 0.0);
        }
        if (!chosen.isEmpty()) {
            fullMasks = null;
        }
        zeroedTotal += chosen.size();
        lastZeroed = chosen.size();
        res.zeroed = chosen.size();
        res.zeroedTotal = zeroedTotal;
        res.macRatioAfter = after;
        reapply(model);
        lastRatio = after;
        lastZeroedTotal = zeroedTotal;
        lastZeroParams = model.params().scan(org.nd4j.linalg.indexing.conditions.Conditions.equals(0.0)).doubleValue();
        log.debug("floor {}: {} candidates, zeroed {}, MACs {} -> {} (all candidates: {})", floor, candidates.size(), chosen.size(),
                res.macRatioBefore, after, res.pendingMacRatio);
        return res;
    }

    private static List<Candidate> concat(List<Candidate> a, List<Candidate> b) {
        List<Candidate> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    /**
     * Sets every group zeroed so far back to exactly zero (call after each parameter update): {@code W ← W ⊙ M} in place,
     * with M the product of the layer's masks expanded to the shape of W, built once per change of the masks (the same
     * values as {@link GroupMasks#apply}, without its two copies of W per iteration).
     */
    public void reapply(Model model) {
        requireFitAndFinite(model);
        if (fullMasks == null) {
            fullMasks = new HashMap<>();
        }
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
            INDArray w = e.layer.getParam("W");
            INDArray m = fullMasks.get(e.name);
            if (m == null && fullMasks.containsKey(e.name)) {
                continue;                            // no zeroed group in this layer (new masks start without zeros)
            }
            if (m == null || !Arrays.equals(m.shape(), w.shape())) {
                m = GroupMasks.fullMask(e, masks);
                fullMasks.put(e.name, m);
            }
            if (m != null) {
                w.muli(m);
            }
        }
        alsoZeroed.forEach(z -> z.accept(model));
    }

    /** Guards before anything is changed: the masks still fit {@code model}, and its parameters are finite. */
    private void requireFitAndFinite(Model model) {
        List<ModelLayers.Entry> entries = ModelLayers.of(model);
        GroupMasks.requireFit("BudgetedZeroing", entries, masks);
        int iteration = AnyNetwork.of(model).iterationCount();
        GroupMasks.requireFinite("BudgetedZeroing", entries, iteration);
    }

    /**
     * The not-yet-zeroed groups below the candidate threshold but the largest kept one of each layer and kind,
     * smallest normalized norm first; {@code eligible} receives
     * every not-yet-zeroed group except the largest kept one of each layer and kind, in the same order.
     */
    private List<Candidate> candidates(Model model, List<Candidate> eligible) {
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
                int largest = -1;
                for (int g = 0; g < norms.length(); g++) {
                    if (mask.getDouble(g) > 0 && (largest < 0 || norms.getDouble(g) > norms.getDouble(largest))) {
                        largest = g;
                    }
                }
                double perMac = ranked ? Math.sqrt(Math.max(1.0, macsPerGroup(model, e, kind))) : 1.0;
                for (int g = 0; g < norms.length(); g++) {
                    double n = norms.getDouble(g) / ref;
                    if (mask.getDouble(g) > 0 && n < candidateThreshold && g != largest) {
                        out.add(new Candidate(key, g, n));
                    }
                    if (mask.getDouble(g) > 0 && g != largest) {
                        eligible.add(new Candidate(key, g, n / perMac));
                    }
                }
            }
        }
        Comparator<Candidate> order = Comparator.comparingDouble((Candidate c) -> c.normalized).thenComparing(c -> c.key)
                .thenComparingInt(c -> c.index);
        out.sort(order);
        eligible.sort(order);
        return out;
    }

    /** Dense MACs of the layer over its number of groups of {@code kind} (cached: the architecture does not change). */
    private double macsPerGroup(Model model, ModelLayers.Entry e, GroupKind kind) {
        String key = e.name + "/" + kind;
        Double cached = groupMacs.get(key);
        if (cached == null) {
            if (denseCost == null) {
                denseCost = AnyNetwork.of(model).cost(costModel, inputTypes);
            }
            long layerMacs = denseCost.layer(e.name).map(l -> l.getMacs()).orElse(0L);
            cached = (double) layerMacs / Math.max(1, e.layout.groupCount(kind));
            groupMacs.put(key, cached);
        }
        return cached;
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
        if (denseMacs < 0) {
            denseMacs = AnyNetwork.of(copy).cost(costModel, inputTypes).getMacs();
        }
        return prunedMacRatio(copy, denseMacs, costModel, pruner, inputTypes);
    }

    private static void apply(Model model, Map<String, INDArray> masks) {
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
            GroupMasks.apply(e, masks);
        }
    }

    /** A copy for measurements, without the updater state ({@link AnyNetwork#parametersCopy}). */
    static Model copy(Model model) {
        return AnyNetwork.of(model).parametersCopy().model();
    }

    /**
     * MACs of {@code net} as the pruner leaves it (threshold 0: exact zeros), over its dense MACs; the cost model's
     * layer-local effective count if the pruner refuses the network.
     */
    static double prunedMacRatio(Model net, CostModel costModel, StructuredPruner pruner, InputType[] inputTypes) {
        return prunedMacRatio(net, AnyNetwork.of(net).cost(costModel, inputTypes).getMacs(), costModel, pruner, inputTypes);
    }

    /** As {@link #prunedMacRatio(Model, CostModel, StructuredPruner, InputType[])} with the dense MACs known. */
    static double prunedMacRatio(Model net, long dense, CostModel costModel, StructuredPruner pruner, InputType[] inputTypes) {
        AnyNetwork any = AnyNetwork.of(net);
        try {
            return (double) any.prune(pruner).network().cost(costModel, inputTypes).getMacs() / dense;
        } catch (PruningException e) {
            log.debug("pruner refused the network ({}); using the cost model's effective MACs", e.getMessage());
            return any.cost(costModel, inputTypes).effectiveMacRatio();
        }
    }
}
