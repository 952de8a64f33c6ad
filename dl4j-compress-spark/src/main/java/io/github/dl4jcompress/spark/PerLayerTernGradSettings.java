package io.github.dl4jcompress.spark;

import java.io.Serializable;

import io.github.dl4jcompress.terngrad.Ternarizer;

/**
 * What every executor needs to ternarize per layer: the clip factor {@code c} (values are clipped at {@code c·σ_l}
 * of their segment {@code l}) and the base seed (executor {@code e} draws from
 * {@link ExecutorSeededTernGrad#executorSeed(long, String)}).
 */
record PerLayerTernGradSettings(double clipFactor, long seed) implements Serializable {

    PerLayerTernGradSettings {
        new Ternarizer(clipFactor, seed); // validates the clip factor on the driver
    }
}
