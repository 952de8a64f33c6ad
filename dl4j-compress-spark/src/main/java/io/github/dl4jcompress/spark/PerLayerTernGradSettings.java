package io.github.dl4jcompress.spark;

import java.io.Serializable;

import io.github.dl4jcompress.terngrad.Ternarizer;

/**
 * What every executor needs to ternarize per layer: the clip factor {@code c} (values are clipped at {@code c·σ_l}
 * of their segment {@code l}) and the base seed (executor {@code e} draws from
 * {@link ExecutorSeededTernGrad#executorSeed(long, String)}). A plain class rather than a record: Spark 3.1's Kryo
 * cannot serialize records.
 */
final class PerLayerTernGradSettings implements Serializable {

    private static final long serialVersionUID = 1L;
    private final double clipFactor;
    private final long seed;

    PerLayerTernGradSettings(double clipFactor, long seed) {
        new Ternarizer(clipFactor, seed); // validates the clip factor on the driver
        this.clipFactor = clipFactor;
        this.seed = seed;
    }

    double clipFactor() {
        return clipFactor;
    }

    long seed() {
        return seed;
    }
}
