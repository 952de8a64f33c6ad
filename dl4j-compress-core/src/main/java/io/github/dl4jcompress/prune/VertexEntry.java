package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.graph.GraphVertex;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * What the pruner knows about one graph-vertex type (registered per class in {@link LayerRegistry}): how channels flow
 * through it (which input channels each output channel is joined with, so that they are kept or removed together, and
 * the constant it holds when its inputs are constant), and which of its inputs may be cut away when they are the
 * constant 0 (a residual branch into an {@code Add}). A vertex type without an entry stops the analysis.
 */
public final class VertexEntry {

    /**
     * Channel flow of one vertex given its inputs' channel counts and constant values (NaN = varies), or null if this
     * instance is not supported (e.g. a merge along another axis).
     */
    interface Flow {
        Channels flow(GraphVertex vertex, List<double[]> inputValues);
    }

    /**
     * The output channels: {@code sources[o]} holds pairs {@code (input k, channel c)} joined with output channel o;
     * {@code values[o]} its constant (NaN = varies).
     */
    record Channels(int[][] sources, double[] values) {
    }

    /** Whether input {@code position} of {@code count} may be dropped when it is the constant 0 ({@code add(x, 0) = x}). */
    interface ZeroInputs {
        boolean removable(GraphVertex vertex, int position, int count);
    }

    private final Flow flow;
    private final ZeroInputs zeroInputs;

    VertexEntry(Flow flow, ZeroInputs zeroInputs) {
        this.flow = flow;
        this.zeroInputs = zeroInputs;
    }

    /**
     * A one-input vertex that maps channel c of its input to channel c of its output, element by element, with
     * {@code value} (e.g. a scale: {@code v -> 2 * v}); a user's custom vertex of that kind registers with it.
     */
    public static VertexEntry channelPreserving(DoubleUnaryOperator value) {
        return channelPreserving((vertex, v) -> value.applyAsDouble(v));
    }

    /** As {@link #channelPreserving(DoubleUnaryOperator)}, with a value map that reads the vertex's settings. */
    static VertexEntry channelPreserving(java.util.function.ToDoubleBiFunction<GraphVertex, Double> value) {
        return new VertexEntry((vertex, in) -> {
            if (in.size() != 1) {
                return null;
            }
            double[] v = in.get(0);
            int[][] sources = new int[v.length][];
            double[] values = new double[v.length];
            for (int c = 0; c < v.length; c++) {
                sources[c] = new int[] {0, c};
                values[c] = value.applyAsDouble(vertex, v[c]);
            }
            return new Channels(sources, values);
        }, (vertex, position, count) -> false);
    }

    Channels flow(GraphVertex vertex, List<double[]> inputValues) {
        return flow.flow(vertex, inputValues);
    }

    boolean zeroInputRemovable(GraphVertex vertex, int position, int count) {
        return zeroInputs.removable(vertex, position, count);
    }
}
