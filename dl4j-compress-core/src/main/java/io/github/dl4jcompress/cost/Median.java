package io.github.dl4jcompress.cost;

import java.util.Arrays;

/**
 * The one median of the project (timings, throughputs): the middle value of the sorted samples, and for an even count
 * the mean of the two middle values, {@code (s[n/2 - 1] + s[n/2]) / 2}. Timing code uses odd counts, where both
 * common definitions agree.
 */
public final class Median {

    private Median() {
    }

    /** The median of {@code values} (not modified); at least one value is required. */
    public static double of(double... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The median of {@code values} (e.g. nanoseconds), as a double. */
    public static double of(long... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        return of(Arrays.stream(values).asDoubleStream().toArray());
    }
}
