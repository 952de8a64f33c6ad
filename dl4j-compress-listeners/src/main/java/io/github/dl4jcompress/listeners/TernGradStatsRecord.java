package io.github.dl4jcompress.listeners;

import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TernGrad statistics of one iteration, summed over the {@code messages} workers that sent one:
 * <ul>
 *   <li>{@code bytesSent = Σ_w messageBytes_w}, {@code fp32Bytes = Σ_w 4·N_w}, {@code bytesPerMessage = bytesSent / messages},
 *       {@code compressionRatio = fp32Bytes / bytesSent};</li>
 *   <li>{@code density = Σ nonZero / Σ N} (fraction of elements sent as ±s), {@code clippedFraction = Σ clipped / Σ N}
 *       (fraction with {@code |g| > c·σ});</li>
 *   <li>{@code scalers}: per segment (parameter), the mean over the workers of its scaler {@code s}.</li>
 * </ul>
 */
public final class TernGradStatsRecord {
    @JsonProperty public final int iteration;
    @JsonProperty public final int epoch;
    @JsonProperty public final int messages;
    @JsonProperty public final long bytesSent;
    @JsonProperty public final long fp32Bytes;
    @JsonProperty public final double bytesPerMessage;
    @JsonProperty public final double compressionRatio;
    @JsonProperty public final double density;
    @JsonProperty public final double clippedFraction;
    @JsonProperty public final Map<String, Double> scalers;

    public TernGradStatsRecord(@JsonProperty("iteration") int iteration, @JsonProperty("epoch") int epoch,
                               @JsonProperty("messages") int messages, @JsonProperty("bytesSent") long bytesSent,
                               @JsonProperty("fp32Bytes") long fp32Bytes, @JsonProperty("density") double density,
                               @JsonProperty("clippedFraction") double clippedFraction,
                               @JsonProperty("scalers") Map<String, Double> scalers) {
        this.iteration = iteration;
        this.epoch = epoch;
        this.messages = messages;
        this.bytesSent = bytesSent;
        this.fp32Bytes = fp32Bytes;
        this.bytesPerMessage = messages == 0 ? 0 : bytesSent / (double) messages;
        this.compressionRatio = bytesSent == 0 ? 0 : fp32Bytes / (double) bytesSent;
        this.density = density;
        this.clippedFraction = clippedFraction;
        this.scalers = Collections.unmodifiableMap(new LinkedHashMap<>(scalers));
    }

    static String csvHeader(Iterable<String> scalerNames) {
        StringBuilder b = new StringBuilder("iteration,epoch,messages,bytesSent,fp32Bytes,bytesPerMessage,compressionRatio,density,clippedFraction");
        for (String name : scalerNames) {
            b.append(",scaler_").append(name);
        }
        return b.toString();
    }

    String toCsv(Iterable<String> scalerNames) {
        StringBuilder b = new StringBuilder();
        b.append(iteration).append(',').append(epoch).append(',').append(messages).append(',').append(bytesSent).append(',')
                .append(fp32Bytes).append(',').append(bytesPerMessage).append(',').append(compressionRatio).append(',')
                .append(density).append(',').append(clippedFraction);
        for (String name : scalerNames) {
            Double s = scalers.get(name);
            b.append(',').append(s == null ? "" : s.toString());
        }
        return b.toString();
    }
}
