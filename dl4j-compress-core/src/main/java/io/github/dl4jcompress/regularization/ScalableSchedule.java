package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * A strength schedule that can produce a copy of itself multiplied by a constant, so that
 * {@link StructuredSparsity.Builder#normalizeBySize} can scale schedules other than a {@code FixedSchedule} (e.g. a
 * controller-steered strength) per layer without losing their type.
 */
public interface ScalableSchedule extends ISchedule {

    /** A new, independent schedule whose value is always {@code factor} times this one's. */
    ISchedule scaledBy(double factor);
}
