package io.github.dl4jcompress.arbiter;

import java.util.List;

/**
 * Marks the accuracy-versus-MACs Pareto front: a candidate is on it when no other candidate has accuracy ≥ and
 * MACs ≤ with at least one of the two strictly better. Exact duplicates are both kept on the front.
 */
public final class ParetoFront {

    private ParetoFront() {
    }

    /** @return for each i, whether (accuracy[i], macs[i]) is non-dominated */
    public static boolean[] of(double[] accuracy, long[] macs) {
        if (accuracy.length != macs.length) {
            throw new IllegalArgumentException("ParetoFront: " + accuracy.length + " accuracies but " + macs.length + " MAC counts");
        }
        boolean[] front = new boolean[accuracy.length];
        for (int i = 0; i < accuracy.length; i++) {
            if (Double.isNaN(accuracy[i])) {
                throw new IllegalArgumentException("ParetoFront: accuracy of entry " + i + " is NaN");
            }
            boolean dominated = false;
            for (int j = 0; j < accuracy.length && !dominated; j++) {
                dominated = j != i && accuracy[j] >= accuracy[i] && macs[j] <= macs[i] && (accuracy[j] > accuracy[i] || macs[j] < macs[i]);
            }
            front[i] = !dominated;
        }
        return front;
    }

    /** Sets {@link CandidateRecord#pareto} on each record; returns the number on the front. */
    public static int mark(List<CandidateRecord> records) {
        double[] a = new double[records.size()];
        long[] m = new long[records.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = records.get(i).accuracy;
            m[i] = records.get(i).macs;
        }
        boolean[] f = of(a, m);
        int n = 0;
        for (int i = 0; i < f.length; i++) {
            records.get(i).pareto = f[i];
            n += f[i] ? 1 : 0;
        }
        return n;
    }
}
