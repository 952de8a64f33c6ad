package io.github.dl4jcompress.listeners;

import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One TrueNorth snapshot after {@code epochs} completed epochs:
 * <ul>
 *   <li>{@code layerVariance}: per layer, the mean mapping variance {@code (1/N) Σ p_i (1 − p_i)},
 *       {@code p = |w| / max|W|} (0 for a ternary layer, at most 0.25);</li>
 *   <li>{@code meanVariance}: the same over all weights of the network, {@code Σ_l N_l·v_l / Σ_l N_l};</li>
 *   <li>{@code accuracy}: the simulated accuracy at {@code copies} = k, {@code spikes} = s on the listener's data.</li>
 * </ul>
 */
public final class TrueNorthRecord {
    @JsonProperty public final int epochs;
    @JsonProperty public final int copies;
    @JsonProperty public final int spikes;
    @JsonProperty public final double meanVariance;
    @JsonProperty public final double accuracy;
    @JsonProperty public final Map<String, Double> layerVariance;

    public TrueNorthRecord(@JsonProperty("epochs") int epochs, @JsonProperty("copies") int copies,
                           @JsonProperty("spikes") int spikes, @JsonProperty("meanVariance") double meanVariance,
                           @JsonProperty("accuracy") double accuracy,
                           @JsonProperty("layerVariance") Map<String, Double> layerVariance) {
        this.epochs = epochs;
        this.copies = copies;
        this.spikes = spikes;
        this.meanVariance = meanVariance;
        this.accuracy = accuracy;
        this.layerVariance = Collections.unmodifiableMap(new LinkedHashMap<>(layerVariance));
    }

    @Override
    public String toString() {
        return String.format("epochs %d: mean p(1-p) %.4f, simulated accuracy %.4f (k=%d, s=%d), per layer %s",
                epochs, meanVariance, accuracy, copies, spikes, layerVariance);
    }
}
