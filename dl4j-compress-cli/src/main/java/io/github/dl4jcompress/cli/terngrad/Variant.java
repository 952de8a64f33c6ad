package io.github.dl4jcompress.cli.terngrad;

/** The five training set-ups compared by {@code dl4jc terngrad}; {@link #key} is the JSON name. */
enum Variant {
    /** One worker, plain {@code net.fit}. */
    SINGLE("single"),
    /** ParallelWrapper AVERAGING, parameters (and updater state) averaged after every round. */
    AVERAGING("averaging"),
    /** DL4J gradient sharing with its default {@code AdaptiveThresholdAlgorithm}, no residual post-processor. */
    THRESHOLD("threshold"),
    /** TernGrad with one global scaler inside DL4J's gradient sharing. */
    TERNGRAD_GLOBAL("terngradGlobal"),
    /** TernGrad with one scaler per parameter, its own messages and accumulator. */
    TERNGRAD_PER_LAYER("terngradPerLayer");

    final String key;

    Variant(String key) {
        this.key = key;
    }

    /** True for the variants in which DL4J sums the workers' post-updater updates. */
    boolean sharesUpdates() {
        return this == THRESHOLD || this == TERNGRAD_GLOBAL || this == TERNGRAD_PER_LAYER;
    }
}
