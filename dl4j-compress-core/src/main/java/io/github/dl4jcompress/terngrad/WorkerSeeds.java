package io.github.dl4jcompress.terngrad;

/** Derives independent per-worker RNG seeds from one base seed: {@code seed ⊕ (worker · golden-ratio constant)}. */
final class WorkerSeeds {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private WorkerSeeds() {
    }

    static long forWorker(long baseSeed, int worker) {
        return baseSeed ^ (worker * GOLDEN_GAMMA);
    }
}
