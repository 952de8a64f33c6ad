package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;

import java.util.List;

/** The built-in channel flows of graph vertices the {@link LayerRegistry} table is made of. */
final class VertexRules {

    private VertexRules() {
    }

    /** Concatenation along the channel axis: output channels are the inputs' channels one after the other. */
    static VertexEntry merge() {
        return new VertexEntry((vertex, in) -> {
            if (((MergeVertex) vertex).getMergeAxis() != 1) {
                return null;
            }
            int total = in.stream().mapToInt(v -> v.length).sum();
            int[][] sources = new int[total][];
            double[] values = new double[total];
            int o = 0;
            for (int k = 0; k < in.size(); k++) {
                for (int c = 0; c < in.get(k).length; c++, o++) {
                    sources[o] = new int[] {k, c};
                    values[o] = in.get(k)[c];
                }
            }
            return new VertexEntry.Channels(sources, values);
        }, (vertex, position, count) -> false);
    }

    /**
     * Element-wise combination of equally sized inputs: channel c of every input and of the output are one group.
     * A constant-0 input is removable at an identity position: any input of {@code Add}, the subtrahend of a
     * two-input {@code Subtract}.
     */
    static VertexEntry elementWise() {
        return new VertexEntry((vertex, in) -> {
            if (in.stream().mapToInt(v -> v.length).distinct().count() != 1) {
                return null;
            }
            ElementWiseVertex.Op op = ((ElementWiseVertex) vertex).getOp();
            int n = in.get(0).length;
            int[][] sources = new int[n][];
            double[] values = new double[n];
            for (int c = 0; c < n; c++) {
                sources[c] = new int[2 * in.size()];
                double[] at = new double[in.size()];
                for (int k = 0; k < in.size(); k++) {
                    sources[c][2 * k] = k;
                    sources[c][2 * k + 1] = c;
                    at[k] = in.get(k)[c];
                }
                values[c] = combine(op, at);
            }
            return new VertexEntry.Channels(sources, values);
        }, (vertex, position, count) -> {
            ElementWiseVertex.Op op = ((ElementWiseVertex) vertex).getOp();
            return op == ElementWiseVertex.Op.Add || (op == ElementWiseVertex.Op.Subtract && position == 1 && count == 2);
        });
    }

    /** Constant output of an element-wise vertex given constant inputs (NaN = varies). */
    static double combine(ElementWiseVertex.Op op, double[] in) {
        switch (op) {
            case Add:
            case Average: {
                double s = 0;
                for (double v : in) {
                    s += v;
                }
                return op == ElementWiseVertex.Op.Add ? s : s / in.length;
            }
            case Subtract:
                return in.length == 2 ? in[0] - in[1] : Double.NaN;
            case Product: {
                double p = 1;
                for (double v : in) {
                    if (v == 0.0) {
                        return 0.0;
                    }
                    p *= v;
                }
                return p;
            }
            case Max: {
                double m = Double.NEGATIVE_INFINITY;
                for (double v : in) {
                    m = Math.max(m, v);
                }
                return m;
            }
            default:
                return Double.NaN;
        }
    }
}
