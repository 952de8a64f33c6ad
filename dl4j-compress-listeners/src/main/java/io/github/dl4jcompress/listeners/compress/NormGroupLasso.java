package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.listeners.LongestPrefix;
import io.github.dl4jcompress.listeners.MacBudgetController;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.WeightLayout;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Group Lasso on the groups that live in batch normalizations ({@link NormGroups}): per filter {@code (γ_f, β_f)} of a
 * BN that follows a weight layer, and per residual branch the end norms' {@code (γ, β)} (or the end layer's W when the
 * branch has no end norm). DL4J does not regularize BN parameters, so after every update each group
 * {@code v} gets the proximal Group Lasso step
 * <pre>
 *   v ← v · max(0.01, 1 − η · λ · sqrt(|v|) · ρ / ‖v‖),   λ = λ0 · (the controller's current scale),
 *   η = learning rate / (1 − momentum) for Nesterov (the step momentum takes on a constant gradient), else the rate,
 *   ρ = rms(v at the start) / rms(W of the layer the norm follows, at the start)   (or rms(v) alone: {@link #relativeRateScale})
 * </pre>
 * — λ0 times the {@link MacBudgetController}'s scale, with the size rule sqrt(|g|) of the weight groups; ρ makes a
 * group shrink at the rate {@code η·λ} relative to its own size, as a weight group does under the strength rule
 * λ0·sqrt(|g|)·rms(W) (γ ≈ 1 while weights are ≈ sqrt(2 / fan-in): without ρ the layers would shrink at different
 * rates). The floor 0.01 of
 * the factor, and a floor of a tenth of the candidate threshold on the norm (float would underflow to 0 after many
 * steps), keep the step from zeroing a group outright, which would bypass the rationing below.
 *
 * <p>Zeroing, every {@code frequency} iterations: a group whose norm is below {@code candidateThreshold} × the largest
 * norm seen in its layer (its own, for a branch) is a candidate; smallest relative norm first, a candidate is zeroed —
 * filter: {@code W_f}, {@code b_f}, {@code γ_f}, {@code β_f}; branch: the end layer's W (and bias) and every end norm's
 * γ and β — when that lowers the exactly pruned MAC fraction and keeps it at or above the controller's floor
 * {@code (1 − τ)·r_ref(p)}. A zeroing that would not lower the MACs (a channel coupled to a shortcut) is not done.
 * Zeroed groups are kept at zero after every update. With {@link #rankBranches} every branch is a candidate (ranked
 * depth: the branches are zeroed least {@link BranchDamage} first along the floor).
 */
final class NormGroupLasso extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(NormGroupLasso.class);

    /** Smallest factor of one proximal step: it shrinks a group but never to exactly 0 (that is the rationed zeroing's call). */
    private static final double MIN_KEEP = 0.01;

    /** One group: a filter of a BN-coupled layer (channel ≥ 0) or a residual branch (channel = -1). */
    private static final class Group {
        final NormGroups.Coupled coupled;
        final NormGroups.Branch branch;
        final int channel;
        final String refKey;

        Group(NormGroups.Coupled coupled, NormGroups.Branch branch, int channel) {
            this.coupled = coupled;
            this.branch = branch;
            this.channel = channel;
            this.refKey = coupled != null ? "filter/" + coupled.norm() : "branch/" + branch.addVertex();
        }

        @Override
        public String toString() {
            return coupled != null ? "filter " + channel + " of '" + coupled.producerName() + "'" : "residual branch into '" + branch.addVertex() + "'";
        }
    }

    private final List<NormGroups.Coupled> coupled;
    private final List<NormGroups.Branch> branches;
    private final MacBudgetController controller;
    private final double lambda0;
    private final double candidateThreshold;
    private final int frequency;
    private final long iterationsToTarget;
    private final InputType[] inputTypes;
    private final int maxTrials;
    private final Map<String, Double> reference = new HashMap<>();
    private final Map<String, Double> rho = new HashMap<>();
    private final boolean weightRate;
    private final Set<Group> zeroed = new LinkedHashSet<>();
    private final Map<Group, Double> lastNorm = new HashMap<>();
    private final List<Group> groups = new ArrayList<>();
    private final StructuredPruner pruner = StructuredPruner.builder().threshold(0.0).trial().build();
    private final CostModel costModel = new CostModel();
    private double denseMacs = -1;
    private boolean rankBranches;
    private boolean rankFilters;
    /** Filters zeroed by the last ranked rationing (the gallop's first step of the next). */
    private int lastRankedZeroed;
    private final BranchDamage damage = new BranchDamage();

    NormGroupLasso(List<NormGroups.Coupled> coupled, List<NormGroups.Branch> branches, MacBudgetController controller, double lambda0,
                   double candidateThreshold, int frequency, long iterationsToTarget, InputType[] inputTypes, int maxTrials) {
        this(coupled, branches, controller, lambda0, candidateThreshold, frequency, iterationsToTarget, inputTypes, maxTrials, false);
    }

    /** @param weightRate ρ = rms(v) (norm groups shrink at the weight groups' rate η·λ), see {@link #relativeRateScale} */
    NormGroupLasso(List<NormGroups.Coupled> coupled, List<NormGroups.Branch> branches, MacBudgetController controller, double lambda0,
                   double candidateThreshold, int frequency, long iterationsToTarget, InputType[] inputTypes, int maxTrials,
                   boolean weightRate) {
        this.weightRate = weightRate;
        this.coupled = List.copyOf(coupled);
        this.branches = List.copyOf(branches);
        this.controller = controller;
        this.lambda0 = lambda0;
        this.candidateThreshold = candidateThreshold;
        this.frequency = frequency;
        this.iterationsToTarget = iterationsToTarget;
        this.inputTypes = inputTypes;
        this.maxTrials = maxTrials;
    }

    /**
     * Ranked depth: every residual branch not yet zeroed is a candidate, whether or not it is below the candidate
     * threshold, ranked by its measured {@link BranchDamage} (the loss its removal adds on recent training batches;
     * until session 22 by the same relative norm, close to arbitrary under a λ held at λ0) — the branches go least
     * damaging first as the floor falls (gradual pruning of whole blocks), so λ need not shrink them all first.
     */
    NormGroupLasso rankBranches(boolean ranked) {
        this.rankBranches = ranked;
        return this;
    }

    /**
     * Ranked filters: every batch-norm filter group not yet zeroed, except the largest kept one of each layer, is
     * zeroed in the order of its relative norm {@code ‖(γ_f, β_f)‖ / ref} (smallest first) as far as the floor allows
     * ({@link #rationRankedFilters}) — gradual pruning of filters along the MAC reference, with the Group Lasso (at
     * λ ≤ λ0) only ranking them. Without it a filter must first shrink below the candidate threshold, so λ has to grow
     * until it does: the kept filters' norms shrink at the same rate, and at λ 24x λ0 (6% per step) every kept (γ, β)
     * of VGG's last norm was about (0.001, −0.009), its ReLU output 0 for every image: the sparse network answered one
     * class (session 22: 9.2% validation at 23.8% of the MACs; fine-tuning cannot revive dead units).
     */
    NormGroupLasso rankFilters(boolean ranked) {
        this.rankFilters = ranked;
        return this;
    }

    int zeroedFilters() {
        return (int) zeroed.stream().filter(g -> g.coupled != null).count();
    }

    int zeroedBranches() {
        return (int) zeroed.stream().filter(g -> g.branch != null).count();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (groups.isEmpty()) {
            for (NormGroups.Coupled c : coupled) {
                long n = layer(model, c.norm()).getParam("gamma").length();
                for (int f = 0; f < n; f++) {
                    groups.add(new Group(c, null, f));
                }
            }
            branches.forEach(b -> groups.add(new Group(null, b, -1)));
            for (NormGroups.Coupled c : coupled) {
                rho.put("filter/" + c.norm(), relativeRateScale(List.of(layer(model, c.norm()).getParam("gamma"), layer(model, c.norm()).getParam("beta")),
                        layer(model, c.producer()).getParam("W")));
            }
            for (NormGroups.Branch br : branches) {
                List<INDArray> v = new ArrayList<>();
                br.norms().forEach(n -> {
                    v.add(layer(model, n).getParam("gamma"));
                    v.add(layer(model, n).getParam("beta"));
                });
                INDArray endW = layer(model, br.end()).getParam("W");
                rho.put("branch/" + br.addVertex(), v.isEmpty() ? (weightRate ? rms(List.of(endW)) : 1.0) : relativeRateScale(v, endW));
            }
        }
        double lambda = lambda0 * controller.getScale();
        for (NormGroups.Coupled c : coupled) {
            shrinkChannels(model, c, lambda, iteration, epoch);
        }
        for (Group g : groups) {
            if (g.branch != null && !zeroed.contains(g)) {
                shrinkBranch(model, g, lambda, iteration, epoch);
            }
        }
        rezero(model);
        if (iteration % frequency == 0) {
            ration(model, iteration);
        }
    }

    @Override
    public void onBackwardPass(Model model) {
        if (rankBranches) {
            damage.record(model);
        }
    }

    /** Sets every group zeroed so far back to exactly 0 (DL4J's update revives them: γ has a gradient, W momentum). */
    void rezero(Model model) {
        for (Group g : zeroed) {
            zero(model, g);
        }
    }

    private void shrinkChannels(Model model, NormGroups.Coupled c, double lambda, int iteration, int epoch) {
        Layer bn = layer(model, c.norm());
        INDArray gamma = bn.getParam("gamma");
        INDArray beta = bn.getParam("beta");
        INDArray norms = Transforms.sqrt(gamma.mul(gamma).addi(beta.mul(beta)), false);
        double step = stepSize(bn, iteration, epoch) * lambda * Math.sqrt(2) * rho.get("filter/" + c.norm());
        if (step > 0) {
            // never exactly 0 here (a norm of 0 stays 0): only the rationed zeroing below may remove a group
            INDArray keep = Transforms.max(norms.rdiv(step).rsubi(1.0), MIN_KEEP, false);
            double floor = 0.1 * candidateThreshold * reference.getOrDefault("filter/" + c.norm(), 0.0);
            if (floor > 0) {
                // not below a tenth of the candidate threshold either (repeated steps would underflow to exactly 0)
                keep = Transforms.min(Transforms.max(keep, norms.rdiv(floor), false), 1.0, false);
            }
            gamma.muli(keep);
            beta.muli(keep);
        }
        INDArray after = Transforms.sqrt(gamma.mul(gamma).addi(beta.mul(beta)), false);
        String key = "filter/" + c.norm();
        reference.merge(key, after.maxNumber().doubleValue(), Math::max);
        for (Group g : groups) {
            if (g.coupled == c) {
                lastNorm.put(g, after.getDouble(g.channel));
            }
        }
    }

    private void shrinkBranch(Model model, Group g, double lambda, int iteration, int epoch) {
        List<INDArray> parts = new ArrayList<>();
        Layer stepLayer;
        if (g.branch.norms().isEmpty()) {
            stepLayer = layer(model, g.branch.end());
            parts.add(stepLayer.getParam("W"));
        } else {
            stepLayer = layer(model, g.branch.norms().get(0));
            for (String n : g.branch.norms()) {
                parts.add(layer(model, n).getParam("gamma"));
                parts.add(layer(model, n).getParam("beta"));
            }
        }
        double sq = 0;
        long size = 0;
        for (INDArray p : parts) {
            double n = p.norm2Number().doubleValue();
            sq += n * n;
            size += p.length();
        }
        double norm = Math.sqrt(sq);
        double step = stepSize(stepLayer, iteration, epoch) * lambda * Math.sqrt(size) * rho.get(g.refKey);
        if (step > 0 && norm > 0) {
            double keep = Math.min(1, Math.max(Math.max(MIN_KEEP, 1 - step / norm),
                    0.1 * candidateThreshold * reference.getOrDefault(g.refKey, 0.0) / norm));
            parts.forEach(p -> p.muli(keep));
            norm *= keep;
        }
        reference.merge(g.refKey, norm, Math::max);
        lastNorm.put(g, norm);
    }

    private void ration(Model model, int iteration) {
        List<Group> candidates = new ArrayList<>();
        for (Group g : groups) {
            double ref = reference.getOrDefault(g.refKey, 0.0);
            boolean ranked = rankBranches && g.branch != null;
            if (rankFilters && g.coupled != null) {
                continue;                                  // rationRankedFilters below
            }
            if (!zeroed.contains(g) && ref > 0 && (ranked || lastNorm.getOrDefault(g, ref) < candidateThreshold * ref)) {
                candidates.add(g);
            }
        }
        double floor = (1 - controller.getTolerance()) * controller.reference((double) iteration / iterationsToTarget);
        if (rankFilters) {
            rationRankedFilters(model, iteration, floor);
        }
        if (candidates.isEmpty()) {
            return;
        }
        candidates.sort(Comparator.comparingDouble(g -> lastNorm.get(g) / reference.get(g.refKey)));
        if (rankBranches) {
            // ranked depth: the branch whose removal costs the least loss first (measured on recent batches)
            Map<NormGroups.Branch, Double> cost = damage.update(model, candidates.stream().filter(g -> g.branch != null).map(g -> g.branch).toList());
            if (!cost.isEmpty()) {
                candidates.sort(Comparator.comparingDouble(g -> g.branch == null ? Double.NEGATIVE_INFINITY : cost.get(g.branch)));
                log.info("iteration {}: branch damage (loss added on {} recent batches, smoothed) {}", iteration, damage.batches(),
                        cost.entrySet().stream().map(e -> e.getKey().addVertex() + " " + String.format("%.3f", e.getValue()))
                                .collect(java.util.stream.Collectors.joining(", ")));
            }
        }
        double current = prunedFraction(model, List.of());
        int trials = 0;
        for (Group g : candidates) {
            if (trials++ >= maxTrials || current < floor) {
                break;
            }
            double r = prunedFraction(model, g);
            if (r < current - 1e-12 && r >= floor) {
                zeroed.add(g);
                zero(model, g);
                log.debug("iteration {}: {} zeroed, pruned MAC fraction {} -> {}", iteration, g, current, r);
                if (g.branch != null) {
                    log.info("iteration {}: {} zeroed, pruned MAC fraction {} -> {}", iteration, g, String.format("%.3f", current), String.format("%.3f", r));
                }
                current = r;
            }
        }
    }

    /**
     * Ranked filters ({@link #rankFilters}): zeroes the longest prefix of {@link #rankedFilters} whose exactly pruned MAC
     * fraction stays at or above {@code floor} ({@link LongestPrefix}: galloping from the last call's count, then
     * bisection, since the fraction only falls as more filters are zeroed); a prefix the pruner refuses counts as
     * crossing the floor.
     */
    private void rationRankedFilters(Model model, int iteration, double floor) {
        List<Group> ranked = rankedFilters();
        double before = prunedFraction(model, List.of());
        if (ranked.isEmpty() || before < floor) {
            return;
        }
        LongestPrefix prefix = LongestPrefix.search(ranked.size(), lastRankedZeroed, before,
                k -> prunedFraction(model, ranked.subList(0, k)), r -> r >= floor && r <= before);
        int lo = prefix.length;
        double after = prefix.value;
        for (Group g : ranked.subList(0, lo)) {
            zeroed.add(g);
            zero(model, g);
        }
        lastRankedZeroed = lo;
        if (lo > 0) {
            log.debug("iteration {}: {} ranked filters zeroed, pruned MAC fraction {} -> {} (floor {})", iteration, lo, before, after, floor);
        }
    }

    /**
     * The batch-norm filter groups not yet zeroed, smallest relative norm {@code ‖(γ_f, β_f)‖ / ref} first, without the
     * largest kept filter of each layer (a layer is never emptied).
     */
    private List<Group> rankedFilters() {
        Map<NormGroups.Coupled, Group> largest = new HashMap<>();
        for (Group g : groups) {
            if (g.coupled != null && !zeroed.contains(g)) {
                Group l = largest.get(g.coupled);
                if (l == null || lastNorm.getOrDefault(g, 0.0) > lastNorm.getOrDefault(l, 0.0)) {
                    largest.put(g.coupled, g);
                }
            }
        }
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            if (g.coupled != null && !zeroed.contains(g) && largest.get(g.coupled) != g && reference.getOrDefault(g.refKey, 0.0) > 0) {
                out.add(g);
            }
        }
        out.sort(Comparator.comparingDouble((Group g) -> lastNorm.getOrDefault(g, 0.0) / reference.get(g.refKey))
                .thenComparing(g -> g.refKey).thenComparingInt(g -> g.channel));
        return out;
    }

    /** MACs of the network pruned exactly (with {@code extra} zeroed on a copy) over its dense MACs. */
    private double prunedFraction(Model model, Group extra) {
        return prunedFraction(model, extra == null ? List.of() : List.of(extra));
    }

    /** As {@link #prunedFraction(Model, Group)} with every group of {@code extra} zeroed on the copy. */
    private double prunedFraction(Model model, List<Group> extra) {
        AnyNetwork copy = AnyNetwork.of(model).copy();
        extra.forEach(g -> zero(copy.model(), g));
        try {
            if (denseMacs < 0) {
                denseMacs = copy.cost(costModel, inputTypes).getMacs();
            }
            return copy.prune(pruner).network().cost(costModel, inputTypes).getMacs() / denseMacs;
        } catch (PruningException e) {
            log.debug("pruner refused the trial network: {}", e.getMessage());
            return Double.POSITIVE_INFINITY;
        }
    }

    static void zeroFilter(Model model, String producer, String norm, int f) {
        zeroFilterWeights(layer(model, producer), f);
        Layer bn = layer(model, norm);
        bn.getParam("gamma").putScalar(f, 0.0);
        bn.getParam("beta").putScalar(f, 0.0);
    }

    /** Sets filter (output unit) {@code f} of a convolution or dense layer, weights and bias, to exactly 0. */
    static void zeroFilterWeights(Layer l, int f) {
        WeightLayout layout = WeightLayout.of(l.conf().getLayer().getLayerName(), l.conf().getLayer());
        INDArray w = l.getParam("W");
        INDArray flat = Nd4j.toFlattened(layout.storageOrder(), w);
        INDArray mask = Nd4j.ones(w.dataType(), layout.groupCount(GroupKind.FILTER));
        mask.putScalar(f, 0.0);
        layout.scaleGroups(flat, GroupKind.FILTER, mask);
        l.setParam("W", flat.reshape(layout.storageOrder(), w.shape()));
        INDArray b = l.paramTable().get("b");
        if (b != null) {
            b.putScalar(f, 0.0);
        }
    }

    private static void zero(Model model, Group g) {
        if (g.coupled != null) {
            zeroFilter(model, g.coupled.producer(), g.coupled.norm(), g.channel);
            return;
        }
        zeroBranch(model, g.branch);
    }

    static void zeroBranch(Model model, NormGroups.Branch branch) {
        Layer end = layer(model, branch.end());
        end.getParam("W").assign(0);
        INDArray b = end.paramTable().get("b");
        if (b != null) {
            b.assign(0);
        }
        for (String n : branch.norms()) {
            layer(model, n).getParam("gamma").assign(0);
            layer(model, n).getParam("beta").assign(0);
        }
    }

    /**
     * ρ of a group family. With {@code weightRate} (SslCompression.Builder#normGroupsAtWeightRate): the rms of its
     * values at the start, so that a group shrinks at the relative rate η·λ per step ({@code η·λ·sqrt(|v|)·ρ / ‖v‖ ≈
     * η·λ}), the rate of every weight group under the procedure's strength rule λ0·sqrt(|g|)·rms(W). Without (the
     * default): rms(v) / rms(W of the producer), a rate η·λ / rms(W), 2-12 times the weight groups' (rms(W) = 0.47 for
     * VGG's conv11, 0.08 for conv32) and fastest in the deepest layers; at λ scale 5 the norms of conv32 fell about 7%
     * per step and the sparse VGG was dead (session 22: 9.2% validation at 24% of the MACs). Not yet the default: at
     * the weight rate the tiny residual graph of SslCompressionTest (few iterations) no longer reaches its budget.
     */
    double relativeRateScale(List<INDArray> startValues, INDArray producerWeights) {
        return weightRate ? rms(startValues) : rms(startValues) / rms(List.of(producerWeights));
    }

    private static double rms(List<INDArray> parts) {
        double sq = 0;
        long n = 0;
        for (INDArray p : parts) {
            double norm = p.norm2Number().doubleValue();
            sq += norm * norm;
            n += p.length();
        }
        double r = Math.sqrt(sq / Math.max(1, n));
        return r > 0 ? r : 1e-12;
    }

    static Layer layer(Model model, String id) {
        return AnyNetwork.of(model).layer(id);
    }

    private static double stepSize(Layer l, int iteration, int epoch) {
        IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
        double lr = u == null || !u.hasLearningRate() ? 0 : u.getLearningRate(iteration, epoch);
        if (Double.isNaN(lr)) {
            return 0;
        }
        return u instanceof Nesterovs ? lr / (1 - ((Nesterovs) u).getMomentum()) : lr;
    }
}
