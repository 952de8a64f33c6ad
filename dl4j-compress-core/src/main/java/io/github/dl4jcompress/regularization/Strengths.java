package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.schedule.ISchedule;

/** Validation of regularization strengths (package-private helper). */
final class Strengths {

    private Strengths() {
    }

    static double check(String what, String layerName, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value) || value < 0) {
            throw new IllegalArgumentException(what + (layerName == null ? "" : " on layer '" + layerName + "'")
                    + ": strength must be a finite value >= 0, got " + value);
        }
        return value;
    }

    static double valueAt(String what, String layerName, ISchedule schedule, int iteration, int epoch) {
        return check(what, layerName, schedule.valueAt(iteration, epoch));
    }
}
