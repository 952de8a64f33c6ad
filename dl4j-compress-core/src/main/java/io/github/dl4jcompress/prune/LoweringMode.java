package io.github.dl4jcompress.prune;

/**
 * When {@link StructuredPruner} replaces a pruned {@code ConvolutionLayer} by a
 * {@link io.github.dl4jcompress.layers.LoweredConvolution} (im2col + GEMM over the kept kernel positions only).
 */
public enum LoweringMode {
    /** Never: the pruned network uses DL4J's layers only (default). */
    NEVER,
    /** Every lowerable convolution (plain, NCHW, dilation 1, float). */
    ALWAYS,
    /** Only convolutions with at least one all-zero kernel position (shape-wise sparsity), each where it measured faster. */
    SHAPES_IF_FASTER,
    /** Every lowerable convolution where the lowered layer measured faster than DL4J's on the timing input. */
    IF_FASTER
}
