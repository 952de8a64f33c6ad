package io.github.dl4jcompress.cli.ssl;

import io.github.dl4jcompress.cost.LayerCost;
import io.github.dl4jcompress.cost.NetworkCost;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.List;

/** One row of the SSL table: what a trained LeNet variant keeps, costs and scores (counts from its own, possibly pruned, weights). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class VariantResult {
    @JsonProperty public final double accuracy;
    @JsonProperty public final long macs;
    @JsonProperty public final long params;
    @JsonProperty public final double macsRatio;
    @JsonProperty public final long[] filters;
    @JsonProperty public final long[] channels;
    @JsonProperty public final long[] shapes;
    @JsonProperty public final long[] fcUnits;
    @JsonProperty public final double trainSeconds;
    /** MACs without the network's remaining all-zero groups (e.g. kernel shapes DL4J's convolution cannot skip). */
    @JsonProperty public final long effectiveMacs;
    /** Accuracy and cost-model MACs of the sparse network before pruning and fine-tuning. */
    @JsonProperty public Double sparseAccuracy;
    @JsonProperty public Long sparseEffectiveMacs;
    /** Largest output difference between the sparse network and its pruned copy (should be float rounding). */
    @JsonProperty public Double prunedMaxAbsDiff;
    /** Inference examples/s of the pruned over the unpruned network, same run, same batch. */
    @JsonProperty public Double inferenceSpeedup;
    @JsonProperty public Integer inferenceBatch;
    /**
     * Examples/s of the pruned network with its convolutions lowered where faster (StructuredPruner
     * lowerConvolutions IF_FASTER: im2col over kept kernel positions + one GEMM) over the unpruned network with
     * DL4J's layers, same run, same batch.
     */
    @JsonProperty public Double inferenceSpeedupLowered;
    /** Per convolution: kept/total kernel positions, both timed forward passes, and whether it was lowered. */
    @JsonProperty public List<String> lowering;
    /** Largest output difference between the pruned network and its lowered copy. */
    @JsonProperty public Double loweredMaxAbsDiff;

    VariantResult(double accuracy, NetworkCost cost, long denseMacs, double trainSeconds) {
        this.accuracy = accuracy;
        this.macs = cost.getMacs();
        this.params = cost.getParams();
        this.effectiveMacs = cost.getEffectiveMacs();
        this.macsRatio = (double) cost.getMacs() / denseMacs;
        List<String> conv = List.of("conv1", "conv2");
        this.filters = conv.stream().mapToLong(n -> cost.layer(n).map(LayerCost::getKeptFilters).orElse(-1L)).toArray();
        this.channels = conv.stream().mapToLong(n -> cost.layer(n).map(LayerCost::getKeptChannels).orElse(-1L)).toArray();
        this.shapes = conv.stream().mapToLong(n -> cost.layer(n).map(LayerCost::getKeptShapes).orElse(-1L)).toArray();
        this.fcUnits = new long[]{cost.layer("fc1").map(LayerCost::getKeptFilters).orElse(-1L)};
        this.trainSeconds = trainSeconds;
    }
}
