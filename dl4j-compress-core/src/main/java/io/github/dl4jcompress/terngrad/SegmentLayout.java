package io.github.dl4jcompress.terngrad;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a network's flattened parameter (and gradient/update) vector is cut into TernGrad segments; each
 * segment gets its own clip bound {@code c·σ} and its own scaler {@code s}.
 *
 * <p>{@link #perParameter(Model)} uses one segment per parameter-table entry (e.g. {@code 0_W}, {@code 0_b},
 * {@code 1_W}, ...), in the order the entries occupy the flattened vector. Weights and biases of one layer
 * therefore get separate scalers: biases usually have a very different magnitude from weights and would
 * otherwise be ternarized with the weights' scaler. Use {@link #of(String[], int[])} for any other grouping
 * (for instance one segment per layer), or {@link #single(int)} for one global scaler.
 */
public final class SegmentLayout implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String[] names;
    private final int[] lengths;
    private final long[] offsets;
    private final int totalLength;

    private SegmentLayout(String[] names, int[] lengths) {
        if (lengths.length == 0) {
            throw new IllegalArgumentException("A segment layout needs at least one segment");
        }
        if (names.length != lengths.length) {
            throw new IllegalArgumentException("Got " + names.length + " names for " + lengths.length + " segments");
        }
        this.names = names.clone();
        this.lengths = lengths.clone();
        this.offsets = new long[lengths.length];
        long total = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 1) {
                throw new IllegalArgumentException("Segment " + i + " (" + names[i] + ") has length " + lengths[i]
                        + "; every segment needs at least one element");
            }
            offsets[i] = total;
            total += lengths[i];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Total length " + total + " exceeds what a Java array can hold");
        }
        this.totalLength = (int) total;
    }

    /** Segments with the given lengths, named {@code segment0, segment1, ...}. */
    public static SegmentLayout of(int... lengths) {
        String[] names = new String[lengths.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = "segment" + i;
        }
        return new SegmentLayout(names, lengths);
    }

    /** Segments with the given names and lengths, in vector order. */
    public static SegmentLayout of(String[] names, int[] lengths) {
        return new SegmentLayout(names, lengths);
    }

    /** One segment covering the whole vector: a single global scaler. */
    public static SegmentLayout single(int length) {
        return new SegmentLayout(new String[] {"all"}, new int[] {length});
    }

    /**
     * One segment per parameter-table entry of an initialised model, ordered by where each parameter view
     * starts inside {@code model.params()}. Fails if the views do not tile the flattened vector exactly.
     */
    public static SegmentLayout perParameter(Model model) {
        if (model == null) {
            throw new IllegalArgumentException("Model is null");
        }
        INDArray flat = model.params();
        if (flat == null || flat.isEmpty() || model.paramTable() == null || model.paramTable().isEmpty()) {
            throw new IllegalArgumentException("The " + model.getClass().getSimpleName() + " is not initialised (no "
                    + "parameters): call init() first");
        }
        Map<String, INDArray> table = model.paramTable();
        List<Map.Entry<String, INDArray>> entries = new ArrayList<>(table.entrySet());
        entries.removeIf(e -> e.getValue() == null || e.getValue().length() == 0);
        entries.sort(Comparator.comparingLong(e -> e.getValue().offset()));
        String[] names = new String[entries.size()];
        int[] lengths = new int[entries.size()];
        long expectedOffset = flat.offset();
        for (int i = 0; i < entries.size(); i++) {
            INDArray view = entries.get(i).getValue();
            if (view.offset() != expectedOffset) {
                throw new IllegalStateException("Parameter '" + entries.get(i).getKey() + "' starts at buffer offset "
                        + view.offset() + " but " + expectedOffset + " was expected: the parameter table does not "
                        + "tile the flattened parameter vector, build a SegmentLayout by hand");
            }
            names[i] = entries.get(i).getKey();
            lengths[i] = Math.toIntExact(view.length());
            expectedOffset += view.length();
        }
        if (expectedOffset - flat.offset() != flat.length()) {
            throw new IllegalStateException("Parameter table covers " + (expectedOffset - flat.offset())
                    + " elements but the model has " + flat.length() + " parameters");
        }
        return new SegmentLayout(names, lengths);
    }

    /** Number of segments. */
    public int count() {
        return lengths.length;
    }

    /** Length of segment {@code i}. */
    public int length(int i) {
        return lengths[i];
    }

    /** Index of the first element of segment {@code i} in the flattened vector. */
    public int offset(int i) {
        return (int) offsets[i];
    }

    /** Human-readable name of segment {@code i} (parameter key for {@link #perParameter(Model)}). */
    public String name(int i) {
        return names[i];
    }

    /** Sum of all segment lengths. */
    public int totalLength() {
        return totalLength;
    }

    /** Copy of the segment lengths. */
    public int[] lengths() {
        return lengths.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentLayout other && Arrays.equals(lengths, other.lengths)
                && Arrays.equals(names, other.names);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lengths) + Arrays.hashCode(names);
    }

    @Override
    public String toString() {
        return "SegmentLayout" + Arrays.toString(lengths);
    }
}
