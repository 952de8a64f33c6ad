/**
 * Structured pruning post-processor: removes all-zero groups left by Structured Sparsity Learning
 * from a trained MultiLayerNetwork or ComputationGraph and returns a new, smaller network.
 *
 * <p>Entry point: {@link io.github.dl4jcompress.prune.StructuredPruner}. Design:
 * <ul>
 *   <li>Both network kinds are converted into one internal graph (a MultiLayerNetwork is a chain);
 *       a single channel-group analysis runs on it. No per-architecture code.</li>
 *   <li>A registry ({@code LayerRules}) maps each DL4J layer configuration class to a rule: weighted
 *       (conv, dense, output, separable: new outputs from all inputs) or channel-wise (batch norm,
 *       depthwise, pooling, activation, dropout, zero padding), with the parameter axes that follow
 *       channels. Adding a layer type is one entry; unknown types stop the analysis and are reported.</li>
 *   <li>Channels of producers, pass-through layers, element-wise (add) and merge (concat) vertices are
 *       joined into groups; a group is removed only if every reader can lose it without changing any
 *       output: zero weights, constant zero, or a constant folded into the reader's bias (dense, or
 *       convolution without zero padding; with padding the channel is kept).</li>
 *   <li>The CNN-to-feed-forward flatten is NCHW c-order: input row {@code c*h*w + y*w + x}, so one
 *       channel owns {@code h*w} consecutive dense rows.</li>
 *   <li>Depth removal ({@code ZeroBranchFinder}): an input of an element-wise Add (or the subtrahend of a
 *       Subtract) that is the constant 0 in every channel is cut away with every node that only feeds it;
 *       the vertex keeps its other input(s) and passes them through. The channel analysis then runs again
 *       on the graph without the branch. A branch with a non-zero constant output is kept (noted).</li>
 *   <li>Parameters and updater state (k chunks per updater block) are sliced with the same index lists;
 *       the network is rebuilt from a resized configuration clone. The original is never modified.</li>
 *   <li>Optional lowering ({@code ConvolutionLowering}, {@link io.github.dl4jcompress.prune.LoweringMode}): pruned
 *       plain float convolutions are swapped for {@link io.github.dl4jcompress.layers.LoweredConvolution}s over their
 *       kept kernel positions, where the lowered layer measured faster; weights and updater state are compacted.
 *       Non-float networks are left with DL4J's convolutions.</li>
 * </ul>
 */
package io.github.dl4jcompress.prune;
