package io.github.dl4jcompress.spark;

import java.io.Serializable;

import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import io.github.dl4jcompress.terngrad.Ternarizer;

/**
 * What every executor needs to ternarize per layer: the clip factor {@code c} (values are clipped at {@code c·σ_l}
 * of their segment {@code l}) and the base seed (executor {@code e} draws from
 * {@link ExecutorSeededTernGrad#executorSeed(long, String)}), and the job's message-authentication key. The key
 * reaches the executors inside Spark's task closures, i.e. only through Spark's own channel: keep it secret with
 * {@code spark.authenticate=true} and {@code spark.network.crypto.enabled=true}. A plain class rather than a record: Spark 3.1's Kryo
 * cannot serialize records.
 */
final class PerLayerTernGradSettings implements Serializable {

    private static final long serialVersionUID = 1L;
    private final double clipFactor;
    private final long seed;
    private final byte[] key;

    PerLayerTernGradSettings(double clipFactor, long seed) {
        this(clipFactor, seed, MessageAuthenticator.newKey());
    }

    PerLayerTernGradSettings(double clipFactor, long seed, byte[] key) {
        new Ternarizer(clipFactor, seed); // validates the clip factor on the driver
        new MessageAuthenticator(key); // and the key
        this.clipFactor = clipFactor;
        this.seed = seed;
        this.key = key.clone();
    }

    /** The same settings with a fresh key: one key per training master (job). */
    PerLayerTernGradSettings withFreshKey() {
        return new PerLayerTernGradSettings(clipFactor, seed);
    }

    MessageAuthenticator authenticator() {
        return new MessageAuthenticator(key);
    }

    double clipFactor() {
        return clipFactor;
    }

    long seed() {
        return seed;
    }
}
