/**
 * The fast convolution. {@link io.github.dl4jcompress.layers.LoweredConvolution}: a 2-D convolution computed as im2col
 * over the kept kernel positions plus one GEMM, trainable from scratch (float and double), so shape-wise sparsity
 * (kernel positions zero in every filter) saves time; with all positions kept it is a faster drop-in replacement of
 * DL4J's {@code ConvolutionLayer} (NCHW, dilation 1). {@link io.github.dl4jcompress.layers.LoweredSubsampling} and
 * {@link io.github.dl4jcompress.layers.LoweredBatchNormalization}: DL4J's pooling and batch normalization with Java
 * runtimes for float NCHW data. {@link io.github.dl4jcompress.layers.Lowering}: one call to lower every plain
 * convolution, pooling and batch normalization layer of a configuration or trained network. {@link io.github.dl4jcompress.layers.FusedInference}:
 * a whole-network Java forward pass for small-batch inference. Memory: each lowered layer keeps its column matrix
 * ({@code kept x batch*outH*outW}), the GEMM result and the pre-activation as reusable buffers.
 */
package io.github.dl4jcompress.layers;
