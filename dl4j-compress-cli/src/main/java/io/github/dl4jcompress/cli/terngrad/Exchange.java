package io.github.dl4jcompress.cli.terngrad;

/**
 * How workers exchange gradients in {@link PerformanceModel}: through one parameter server, or all-to-all over
 * every worker's own link (ring all-reduce for fp32, all-gather for TernGrad).
 */
public enum Exchange {
    /** One parameter server whose link is the bottleneck: push all gradients, then pull all updates. */
    PARAMETER_SERVER,
    /** Decentralised: fp32 uses a ring all-reduce, TernGrad an all-gather of every worker's ternary message. */
    ALL_TO_ALL
}
