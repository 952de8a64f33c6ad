package io.github.dl4jcompress.listeners;

import java.util.function.DoublePredicate;
import java.util.function.IntToDoubleFunction;

/**
 * The longest prefix {@code k ∈ [0, n]} of a ranked list whose measure {@code r(k)} still passes a test, for a measure
 * that only falls as {@code k} grows (the MAC fraction left after zeroing the first {@code k} groups): galloping
 * ({@code k = s, 3s, 7s, …} from a first step {@code s}) until a probe fails, then bisection between the last pass and
 * the failure — {@code O(log n)} measurements. {@code k = 0} always qualifies; its value is given, not measured.
 */
public final class LongestPrefix {

    /** The prefix length found. */
    public final int length;
    /** The measure at {@link #length}. */
    public final double value;

    private LongestPrefix(int length, double value) {
        this.length = length;
        this.value = value;
    }

    /**
     * @param n          the ranked list's size
     * @param firstStep  the gallop's first step (e.g. the count the last search found: consecutive searches are alike)
     * @param valueAtK0  the measure with nothing taken
     * @param measure    {@code r(k)}, non-increasing in {@code k}
     * @param passes     whether a prefix with measure {@code r} is acceptable
     */
    public static LongestPrefix search(int n, int firstStep, double valueAtK0, IntToDoubleFunction measure, DoublePredicate passes) {
        int lo = 0;
        int hi = n;
        double value = valueAtK0;
        int step = Math.max(1, firstStep);
        while (lo < hi) {
            int probe = Math.min(hi, lo + step);
            double r = measure.applyAsDouble(probe);
            if (passes.test(r)) {
                lo = probe;
                value = r;
                step *= 2;
            } else {
                hi = probe - 1;
                break;
            }
        }
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            double r = measure.applyAsDouble(mid);
            if (passes.test(r)) {
                lo = mid;
                value = r;
            } else {
                hi = mid - 1;
            }
        }
        return new LongestPrefix(lo, value);
    }
}
