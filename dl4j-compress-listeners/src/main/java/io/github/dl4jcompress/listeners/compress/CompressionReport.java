package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.cost.LayerCost;
import org.nd4j.shade.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link SslCompression#compress} did and measured: the networks' accuracies (validation; test when a test set is
 * given), costs, the phases with their time, the controller's history, and the verdict. Plain public fields, written
 * as JSON (shaded Jackson) into the checkpoint directory after every phase and read back on resume.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class CompressionReport {

    /** One network as measured. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Snapshot {
        /** Accuracy on the validation data (what the stop rule sees). */
        public double accuracy;
        /** Accuracy on the test data, if given (never seen by the procedure's decisions). */
        public Double testAccuracy;
        public long macs;
        public long params;
        /** MACs and parameters over the dense input network's. */
        public double macFraction;
        public double paramFraction;
        /** Median forward time of one batch of the budget's (or latency) batch size, ms, when measured. */
        public Double latencyMs;
        /** Residual blocks (Add vertices fed by a residual branch) still present; null for networks without any. */
        public Integer blocks;
        /** Per layer: kept filters, channels, shapes, MACs. */
        public List<LayerCost> layers;
    }

    /** One phase and its cost. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Phase {
        public String name;
        public int epochs;
        public long iterations;
        public double seconds;
        /** Training seconds per iteration (fit only, no evaluation or checkpointing). */
        public Double secondsPerIteration;
        /** Whether the phase trained on the lowered layers (true) or DL4J's own (false). */
        public Boolean lowered;
        public String note;
    }

    /** One Group Lasso round: steered to a MAC fraction, then pruned and measured against the budget. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Round {
        public int round;
        /** The MAC fraction (of the dense input network) the controller steered to. */
        public double macTarget;
        /** Exact MAC fraction after Group Lasso (pruned copy), and accuracy of the sparse network. */
        public double macFraction;
        public double sparseAccuracy;
        /** The budget's measured quantity after pruning (MAC or parameter fraction, or latency in ms). */
        public double budgetMeasure;
        public boolean budgetMet;
        /** Largest |output(pruned) − output(sparse)| on validation inputs: the pruning is exact. */
        public double prunedMaxAbsDiff;
        public long groupsZeroed;
        public int branchesZeroed;
        /** Filters of batch-norm-coupled layers zeroed through their (γ, β) groups. */
        public int normFiltersZeroed;
        /** MAC fraction of the sparse network at each epoch end (the checkpoints the stop rule can back off to). */
        public List<Double> epochMacFractions = new ArrayList<>();
    }

    /** One update of the auto-λ controller. */
    public static final class Step {
        public int round;
        public int iteration;
        public double macFraction;
        public double reference;
        public double strength;
    }

    public String network;
    public CompressionBudget budget;
    public double maxDrop;
    public long trainExamples;
    public long validationExamples;
    public Long testExamples;
    public Snapshot baseline;
    public Snapshot control;
    public List<Round> rounds = new ArrayList<>();
    /** The fine-tuned network that met the budget, before any back-off (null if not reached). */
    public Snapshot compressed;
    /** The network returned. */
    public Snapshot result;
    /** Dense over result latency, both measured in this run at the same batch. */
    public Double speedup;
    public Integer latencyBatch;
    public List<String> lowering;
    public List<Phase> phases = new ArrayList<>();
    public List<Step> history = new ArrayList<>();
    /** Group Lasso seconds per iteration over plain (control) training seconds per iteration. */
    public Double overhead;
    /** How {@link #overhead} was measured (interleaved blocks of plain and Group Lasso iterations, seconds each). */
    public String overheadMeasure;
    /** Plain phases (control, fine-tuning) trained with lowered convolutions (decided once, measured on the input). */
    public Boolean loweredTraining;
    /**
     * The measurement behind {@link #loweredTraining}: median milliseconds per training iteration on DL4J's layers
     * ("dl4j") and on the lowered layers ("lowered"), interleaved blocks on copies of the input; null if not measured.
     */
    public java.util.Map<String, Double> trainingIterationMs;
    public boolean budgetMet;
    public boolean dropMet;
    /** Accuracy drop of the result below the better of baseline and control, on validation (points = 100 × this). */
    public Double drop;
    public boolean backedOff;
    public String status;
    public List<String> notes = new ArrayList<>();
    /** Steps finished (for resume). */
    public List<String> completed = new ArrayList<>();
    /** Identifies the problem (input parameters and settings): a checkpoint of another problem is not resumed. */
    public String fingerprint;
}
