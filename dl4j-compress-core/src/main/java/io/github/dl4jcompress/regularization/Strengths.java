package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.schedule.ISchedule;

/** Validation of regularization strengths (package-private helper). */
final class Strengths {

    private Strengths() {
    }

    static double check(String what, WeightLayout layer, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value) || value < 0) {
            throw new IllegalArgumentException(what + CheckedGradient.where(layer)
                    + ": strength must be a finite value >= 0, got " + value);
        }
        return value;
    }

    static double valueAt(String what, WeightLayout layer, ISchedule schedule, int iteration, int epoch) {
        return check(what, layer, schedule.valueAt(iteration, epoch));
    }
}
