package io.github.dl4jcompress.listeners;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A strength schedule whose value a controller may change during training ({@link MacBudgetController}): {@code
 * valueAt(iteration, epoch) = value}, the value last set. It is a plain Jackson-serializable {@link ISchedule}, so a
 * saved network keeps the strength it ended with. Group Lasso copies its schedule per layer; the controller
 * adjusts every copy it finds on the network's layers.
 */
public class AdjustableSchedule implements ISchedule {

    private volatile double value;

    @JsonCreator
    public AdjustableSchedule(@JsonProperty("value") double value) {
        check(value);
        this.value = value;
    }

    private static void check(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value) || value < 0) {
            throw new IllegalArgumentException("AdjustableSchedule: value must be finite and >= 0, got " + value);
        }
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return value;
    }

    @JsonProperty("value")
    public double getValue() {
        return value;
    }

    public void setValue(double value) {
        check(value);
        this.value = value;
    }

    @Override
    public AdjustableSchedule clone() {
        return new AdjustableSchedule(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdjustableSchedule && Double.compare(((AdjustableSchedule) o).value, value) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(value);
    }

    @Override
    public String toString() {
        return "AdjustableSchedule(" + value + ")";
    }
}
