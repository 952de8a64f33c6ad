package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Auto-λ: a listener that steers the Group Lasso strength so that the network's MACs after pruning (a copy pruned
 * exactly by {@link StructuredPruner}, counted by the {@link CostModel}, as a fraction r of the dense MACs) reach a
 * target r* by a given epoch, following a trajectory instead of jumping from 0% to 100% sparsity.
 *
 * <p>Every {@code frequency} iterations, with progress {@code p = min(1, iteration / (byEpoch · iterationsPerEpoch))}
 * the reference is {@code r_ref(p) = r*^p} (geometric, default), {@code 1 − p(1 − r*)} (linear) or
 * {@code r* + (1 − r*)(1 − p)³} (cubic: Zhu &amp; Gupta's gradual pruning schedule, fast early while the network has
 * redundancy to spare, slow near the budget), and every Group
 * Lasso whose strength is an {@link AdjustableSchedule} gets
 * <pre>
 *   ln λ ← clamp( ln λ + clamp( gain · (ln r − ln r_ref), ±maxStep ), ln minStrength, ln maxStrength )
 * </pre>
 * a proportional controller on ln λ: too many MACs left → stronger, ahead of the trajectory → weaker; the step cap
 * bounds how fast λ can grow, which is what prevents the collapse. All strengths are scaled by the same factor, so
 * their ratios (e.g. filters vs channels, conv1's smaller scale) are kept. Groups are made exactly zero by the
 * {@link ZeroingListener}, which should run before this listener; with {@code keepZero} a collapse cannot be undone,
 * so the cap matters more than the gain. Exact zeros lag the strength by many iterations; {@link Builder#lookahead}
 * measures r with the groups already below a fraction of their layer's largest norm counted as removed, which gives
 * the controller the early warning it needs.
 *
 * <p><b>Budgeted zeroing</b> ({@link Builder#budgetedZeroing}, recommended; use it <em>instead of</em> a
 * {@link ZeroingListener}): the controller also decides which groups become zero. With a tolerance τ, at each update
 * a {@link BudgetedZeroing} zeroes the groups below the candidate threshold, smallest normalized norm first, only while
 * the exactly pruned MAC fraction stays at or above the floor {@code (1 − τ)·r_ref(p)}; the controlled quantity is
 * then the pending fraction r_pend (MACs if every candidate were zeroed), steered to the band's centre:
 * <pre>
 *   ln λ ← clamp( ln λ + clamp( gain · (ln r_pend − ln((1 − τ/2)·r_ref)), ±maxStep ), ln minStrength, ln maxStrength )
 * </pre>
 * λ keeps pushing norms down, but zeroing is rationed, so the network cannot fall below the trajectory even if λ
 * overshoots; surplus candidates stay trainable and λ is lowered until they are no longer surplus. If enough
 * candidates exist by {@code byEpoch}, the exact MAC fraction ends in {@code [(1 − τ)·r*, r*]} (plus at most the
 * cost of the one group that would cross the floor); it never increases.
 *
 * <p><b>Ranked zeroing</b> ({@link Builder#rankedZeroing}, with budgeted zeroing): the zeroing follows the floor
 * whether or not the groups are below the candidate threshold — the smallest groups (normalized norm) are zeroed a few
 * at a time as the reference falls, so the budget is reached on schedule and the network adapts as it goes instead of
 * losing many groups in one late step. λ then prepares the next groups: it is steered so that the candidates cover the
 * trajectory {@code lead} ahead, aiming r_pend at {@code (1 − τ/2)·r_ref(p + lead)}; once the budget is reached
 * (p ≥ 1) the aim is above r_pend and λ decays, so the network recovers while the zeros are kept.
 *
 * <p><b>At budget λ stops growing</b> (budgeted zeroing): once the exact MAC fraction after zeroing is at or below
 * {@code r*·(1 + slack)} ({@link Builder#budgetSlack}, default 0), the step is capped at 0 — λ may fall, never rise.
 * Otherwise, with coarse groups (a residual block is ~11% of a ResNet-20), a budget between two group sizes keeps λ
 * growing for good: the next group can never be zeroed (it would cross the floor), yet every other group is pushed
 * towards it (session 21: λ grew 11-17x after three blocks were gone).
 */
public class MacBudgetController extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(MacBudgetController.class);

    /** Shape of the reference MAC fraction over the controlled epochs. */
    public enum Trajectory { GEOMETRIC, LINEAR, CUBIC }

    /** One controller update. */
    public static final class Step {
        public int iteration;
        public int epoch;
        public double macRatio;
        public double target;
        public double strengthScale;
        /** Budgeted zeroing only: exact pruned MAC fraction after this update's zeroing (NaN otherwise). */
        public double exactMacRatio = Double.NaN;
        /** Budgeted zeroing only: the floor (1 − τ)·r_ref the zeroing may not cross (NaN otherwise). */
        public double floor = Double.NaN;
        /** Budgeted zeroing only: candidates found and zeroed at this update. */
        public int candidates;
        public int zeroed;
    }

    private final double targetMacRatio;
    private final int byEpoch;
    private final int iterationsPerEpoch;
    private final int frequency;
    private final double gain;
    private final double maxStep;
    private final double minStrength;
    private final double maxStrength;
    private final Trajectory trajectory;
    private final InputType[] inputTypes;
    private final CostModel costModel;
    private final double lookahead;
    private final ZeroingListener probe;
    private final BudgetedZeroing budgeted;
    private final double tolerance;
    private final double rankedLead;
    private final double maxScale;
    private final double budgetSlack;
    private final StructuredPruner pruner = StructuredPruner.builder().threshold(0.0).trial().build();
    private final List<Step> history = Collections.synchronizedList(new ArrayList<>());
    private double scale = 1.0;

    private MacBudgetController(Builder b) {
        this.targetMacRatio = b.targetMacRatio;
        this.byEpoch = b.byEpoch;
        this.iterationsPerEpoch = b.iterationsPerEpoch;
        this.frequency = b.frequency;
        this.gain = b.gain;
        this.maxStep = b.maxStep;
        this.minStrength = b.minStrength;
        this.maxStrength = b.maxStrength;
        this.trajectory = b.trajectory;
        this.inputTypes = b.inputTypes;
        this.costModel = new CostModel(b.zeroThreshold);
        this.lookahead = b.lookahead;
        this.tolerance = b.tolerance;
        this.rankedLead = b.rankedLead;
        this.maxScale = b.maxScale;
        this.budgetSlack = b.budgetSlack;
        if (b.rankedLead > 0 && b.candidateThreshold <= 0) {
            throw new IllegalStateException("MacBudgetController: rankedZeroing needs budgetedZeroing (the ranked zeroing is a mode of it)");
        }
        this.budgeted = b.candidateThreshold > 0 ? new BudgetedZeroing(b.candidateThreshold, b.maxSkips, b.rankedLead > 0, b.inputTypes) : null;
        if (budgeted != null && b.lookahead > 0) {
            throw new IllegalStateException("MacBudgetController: lookahead and budgetedZeroing exclude each other "
                    + "(with budgeted zeroing the candidates below the candidate threshold are the lookahead)");
        }
        this.probe = b.lookahead > 0 ? ZeroingListener.builder().threshold(b.lookahead).keepZero(false).frequency(1).build() : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The reference MAC fraction at a training progress p in [0, 1]. */
    public double reference(double progress) {
        double p = Math.max(0, Math.min(1, progress));
        switch (trajectory) {
            case GEOMETRIC:
                return Math.pow(targetMacRatio, p);
            case CUBIC:
                return targetMacRatio + (1 - targetMacRatio) * Math.pow(1 - p, 3);
            default:
                return 1 - p * (1 - targetMacRatio);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (iteration % frequency != 0) {
            if (budgeted != null) {
                budgeted.reapply(model);
            }
            return;
        }
        List<AdjustableSchedule> schedules = schedules(model);
        if (schedules.isEmpty()) {
            throw new IllegalStateException("MacBudgetController: no Group Lasso with an AdjustableSchedule strength on the network; "
                    + "use StructuredSparsity.builder().filters(new AdjustableSchedule(λ0))... so the controller has a strength to steer");
        }
        double progress = (double) iteration / ((double) byEpoch * iterationsPerEpoch);
        double ref = reference(progress);
        Step st = new Step();
        double r;
        double aim = ref;
        if (budgeted != null) {
            st.floor = (1 - tolerance) * ref;
            BudgetedZeroing.Result z = budgeted.ration(model, st.floor);
            st.exactMacRatio = z.macRatioAfter;
            st.candidates = z.candidates;
            st.zeroed = z.zeroed;
            r = Math.max(z.pendingMacRatio, 1e-9);
            aim = (1 - tolerance / 2) * (rankedLead > 0 ? reference(progress + rankedLead) : ref);
        } else {
            r = Math.max(macRatio(model), 1e-9);
        }
        double delta = Math.max(-maxStep, Math.min(maxStep, gain * (Math.log(r) - Math.log(aim))));
        if (budgeted != null && atBudget(st.exactMacRatio)) {
            delta = Math.min(delta, 0);
        }
        // the cumulative scale is capped at maxScale (e.g. 1 = λ may fall below λ0 but never grow past it)
        delta = Math.min(delta, Math.log(maxScale) - Math.log(scale));
        double factor = Math.exp(delta);
        for (AdjustableSchedule s : schedules) {
            if (s.getValue() <= 0) {
                throw new IllegalStateException("MacBudgetController: a controlled Group Lasso strength is 0; a multiplicative controller needs λ0 > 0");
            }
            s.setValue(Math.max(minStrength, Math.min(maxStrength, s.getValue() * factor)));
        }
        scale *= factor;
        st.iteration = iteration;
        st.epoch = epoch;
        st.macRatio = r;
        st.target = aim;
        st.strengthScale = schedules.get(0).getValue();
        history.add(st);
        log.debug("iteration {}: effective MACs {} (reference {}), λ×{} -> {}", iteration, r, ref, factor, st.strengthScale);
    }

    /** Whether an exact MAC fraction (after zeroing) is within the budget: at most {@code r*·(1 + slack)}. */
    boolean atBudget(double exactMacRatio) {
        return exactMacRatio <= targetMacRatio * (1 + budgetSlack);
    }

    /**
     * MACs of the network as the pruner would leave it, over the dense MACs: a copy with the lookahead's groups zeroed
     * is pruned exactly (threshold 0), so filters removed in one layer also remove the next layer's input channels —
     * the cost model's per-layer effective counts alone do not see that cascade. If the pruner refuses the network,
     * the cost model's effective count is used.
     */
    private double macRatio(Model model) {
        Model copy = BudgetedZeroing.copy(model);
        if (probe != null) {
            probe.iterationDone(copy, 0, 0);
        }
        return BudgetedZeroing.prunedMacRatio(copy, costModel, pruner, inputTypes);
    }

    /** The adjustable Group Lasso strengths on the layers the updater reads them from. */
    static List<AdjustableSchedule> schedules(Model model) {
        Layer[] layers = io.github.dl4jcompress.prune.AnyNetwork.of(model).layers();
        List<AdjustableSchedule> out = new ArrayList<>();
        for (Layer l : layers) {
            if (!(l.conf().getLayer() instanceof BaseLayer)) {
                continue;
            }
            List<Regularization> regs = ((BaseLayer) l.conf().getLayer()).getRegularization();
            for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
                if (r instanceof GroupLasso && ((GroupLasso) r).getStrength() instanceof AdjustableSchedule) {
                    out.add((AdjustableSchedule) ((GroupLasso) r).getStrength());
                }
            }
        }
        return out;
    }

    /** The updates so far (iteration, measured and reference MAC fraction, the first controlled strength). */
    public List<Step> getHistory() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    /** Product of all factors applied so far (before clamping to [minStrength, maxStrength]). */
    public double getScale() {
        return scale;
    }

    public double getTargetMacRatio() { return targetMacRatio; }
    public double getTolerance() { return tolerance; }
    /** The budgeted zeroing, or null when zeroing is left to a {@link ZeroingListener}. */
    public BudgetedZeroing getBudgetedZeroing() { return budgeted; }
    public int getByEpoch() { return byEpoch; }

    /** Builder; {@code targetMacRatio}, {@code byEpoch}, {@code iterationsPerEpoch} and the input types are required. */
    public static final class Builder {
        private double targetMacRatio = Double.NaN;
        private int byEpoch;
        private int iterationsPerEpoch;
        private int frequency = 10;
        private double gain = 1.0;
        private double maxStep = 0.1;
        private double minStrength = 1e-7;
        private double maxStrength = 10;
        private double zeroThreshold;
        private Trajectory trajectory = Trajectory.GEOMETRIC;
        private InputType[] inputTypes;
        private double lookahead;
        private double candidateThreshold;
        private int maxSkips = 3;
        private double tolerance = 0.1;
        private double rankedLead;
        private double maxScale = Double.POSITIVE_INFINITY;
        private double budgetSlack;

        private Builder() {
        }

        /**
         * Budgeted zeroing: the relative slack above the target within which the budget counts as reached (default 0);
         * there λ may no longer grow. Must be in [0, 1).
         */
        public Builder budgetSlack(double slack) {
            if (!(slack >= 0 && slack < 1)) {
                throw new IllegalArgumentException("MacBudgetController: budgetSlack must be in [0, 1), got " + slack);
            }
            this.budgetSlack = slack;
            return this;
        }

        /**
         * Cap on the cumulative strength scale (the product of all factors applied, relative to each strength's
         * initial value; default unbounded). With ranked zeroing the zeroing itself follows the reference, so λ need
         * not grow: {@code maxScale(1)} holds every strength at or below its initial value (it can still decay).
         */
        public Builder maxScale(double maxScale) {
            if (!(maxScale > 0)) {
                throw new IllegalArgumentException("MacBudgetController: maxScale must be > 0, got " + maxScale);
            }
            this.maxScale = maxScale;
            return this;
        }

        /**
         * Budgeted zeroing in ranked mode: groups are zeroed along the floor smallest first even above the candidate
         * threshold, and λ aims the candidates {@code lead} (a fraction of the controlled progress, in (0, 1]) ahead
         * of the reference. Needs {@link #budgetedZeroing}.
         */
        public Builder rankedZeroing(double lead) {
            if (!(lead > 0 && lead <= 1)) {
                throw new IllegalArgumentException("MacBudgetController: rankedZeroing lead must be in (0, 1], got " + lead);
            }
            this.rankedLead = lead;
            return this;
        }

        /**
         * Let the controller ration the zeroing ({@link BudgetedZeroing}): groups below {@code candidateThreshold} ×
         * their layer's largest norm so far are zeroed, smallest first, only while the pruned MAC fraction stays at or
         * above {@code (1 − tolerance)·r_ref}. Do not add a {@link ZeroingListener} as well. Threshold in (0, 1).
         */
        public Builder budgetedZeroing(double candidateThreshold) {
            if (!(candidateThreshold > 0 && candidateThreshold < 1)) {
                throw new IllegalArgumentException("MacBudgetController: budgetedZeroing candidate threshold must be in (0, 1), got " + candidateThreshold);
            }
            this.candidateThreshold = candidateThreshold;
            return this;
        }

        /** Budgeted zeroing: candidates that would cross the floor and are skipped per update before stopping (default 3). */
        public Builder maxSkips(int skips) {
            if (skips < 0) {
                throw new IllegalArgumentException("MacBudgetController: maxSkips must be >= 0, got " + skips);
            }
            this.maxSkips = skips;
            return this;
        }

        /**
         * Budgeted zeroing: width τ of the accepted band {@code [(1 − τ)·r*, r*]} at the end (default 0.1); the zeroing
         * floor is {@code (1 − τ)·r_ref}, the controller aims at {@code (1 − τ/2)·r_ref}. Must be in (0, 1).
         */
        public Builder tolerance(double tau) {
            if (!(tau > 0 && tau < 1)) {
                throw new IllegalArgumentException("MacBudgetController: tolerance must be in (0, 1), got " + tau);
            }
            this.tolerance = tau;
            return this;
        }

        /** Target effective MACs as a fraction of the dense MACs, in (0, 1]. */
        public Builder target(double macRatio) {
            if (!(macRatio > 0 && macRatio <= 1)) {
                throw new IllegalArgumentException("MacBudgetController: target MAC fraction must be in (0, 1], got " + macRatio);
            }
            this.targetMacRatio = macRatio;
            return this;
        }

        /** Reach the target by the end of this many epochs (≥ 1), with this many iterations per epoch (≥ 1). */
        public Builder byEpoch(int epochs, int iterationsPerEpoch) {
            if (epochs < 1 || iterationsPerEpoch < 1) {
                throw new IllegalArgumentException("MacBudgetController: epochs and iterations per epoch must be >= 1, got " + epochs + ", " + iterationsPerEpoch);
            }
            this.byEpoch = epochs;
            this.iterationsPerEpoch = iterationsPerEpoch;
            return this;
        }

        public Builder frequency(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("MacBudgetController: frequency must be >= 1, got " + iterations);
            }
            this.frequency = iterations;
            return this;
        }

        /** Proportional gain on ln(r / r_ref) (> 0, default 1). */
        public Builder gain(double gain) {
            if (!(gain > 0) || Double.isInfinite(gain)) {
                throw new IllegalArgumentException("MacBudgetController: gain must be finite and > 0, got " + gain);
            }
            this.gain = gain;
            return this;
        }

        /** Largest |Δ ln λ| per update (> 0, default 0.1, i.e. ±10.5%). */
        public Builder maxStep(double maxStep) {
            if (!(maxStep > 0) || Double.isInfinite(maxStep)) {
                throw new IllegalArgumentException("MacBudgetController: maxStep must be finite and > 0, got " + maxStep);
            }
            this.maxStep = maxStep;
            return this;
        }

        /** Bounds of λ (0 &lt; min ≤ max). */
        public Builder strengthRange(double min, double max) {
            if (!(min > 0) || !(max >= min) || Double.isInfinite(max)) {
                throw new IllegalArgumentException("MacBudgetController: need 0 < min <= max, got " + min + ", " + max);
            }
            this.minStrength = min;
            this.maxStrength = max;
            return this;
        }

        /** Group-norm threshold of the cost model (default 0: exact zeros, as the ZeroingListener leaves them). */
        public Builder zeroThreshold(double t) {
            new CostModel(t);
            this.zeroThreshold = t;
            return this;
        }

        /**
         * Measure r as if the groups whose norm is below {@code fraction × (the largest norm seen for that layer and kind)}
         * were already zero (on a copy of the network; default 0: only exact zeros count). Exact zeros appear late — a
         * group shrinks for many iterations before the zeroing listener removes it — so a controller that only sees
         * them keeps raising λ and overshoots; with e.g. 10× the zeroing threshold it sees the groups that are on their
         * way out. Must be in [0, 1).
         */
        public Builder lookahead(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("MacBudgetController: lookahead must be in [0, 1), got " + fraction);
            }
            this.lookahead = fraction;
            return this;
        }

        public Builder trajectory(Trajectory t) {
            if (t == null) {
                throw new IllegalArgumentException("MacBudgetController: trajectory must not be null");
            }
            this.trajectory = t;
            return this;
        }

        public Builder inputTypes(InputType... types) {
            if (types == null || types.length == 0) {
                throw new IllegalArgumentException("MacBudgetController: the network's input type(s) are needed for the cost model");
            }
            this.inputTypes = types.clone();
            return this;
        }

        public MacBudgetController build() {
            if (Double.isNaN(targetMacRatio)) {
                throw new IllegalStateException("MacBudgetController: set target(macRatio)");
            }
            if (byEpoch < 1) {
                throw new IllegalStateException("MacBudgetController: set byEpoch(epochs, iterationsPerEpoch)");
            }
            if (inputTypes == null) {
                throw new IllegalStateException("MacBudgetController: set inputTypes(...)");
            }
            return new MacBudgetController(this);
        }
    }
}
