/**
 * Custom DL4J layers used by the pruner. {@link io.github.dl4jcompress.layers.LoweredConvolution}: a 2-D convolution
 * computed as im2col over the kept kernel positions only plus one GEMM (bias and ReLU fused), so shape-wise sparsity
 * (kernel positions zero in every filter) saves time; with all positions kept it is a drop-in, often faster,
 * replacement of DL4J's {@code ConvolutionLayer} (NCHW, float, dilation 1). Forward and backprop; saved and restored by
 * {@code ModelSerializer}. Memory: each layer keeps its im2col matrix ({@code kept x batch*outH*outW} floats) and the
 * GEMM result as reusable Java scratch arrays.
 */
package io.github.dl4jcompress.layers;
