package io.github.dl4jcompress.regularization;

/**
 * The structures that Structured Sparsity Learning (Wen et al., NIPS 2016) groups a layer's weights into.
 *
 * <p>For a convolution weight {@code W[nOut, nIn, kH, kW]} and a dense weight {@code W[nIn, nOut]}:
 * <ul>
 *   <li>{@link #FILTER}: one group per output filter {@code W[f,:,:,:]} (dense: one per output column {@code W[:,o]});</li>
 *   <li>{@link #CHANNEL}: one group per input channel {@code W[:,c,:,:]} (dense: one per input row {@code W[i,:]});</li>
 *   <li>{@link #SHAPE}: one group per kernel position {@code W[:,c,i,j]} across all filters, i.e. one column of the
 *       lowered (im2col) weight matrix; convolutions only;</li>
 *   <li>{@link #DEPTH}: the whole weight tensor as one group (for layers inside residual branches).</li>
 * </ul>
 */
public enum GroupKind {
    FILTER, CHANNEL, SHAPE, DEPTH
}
