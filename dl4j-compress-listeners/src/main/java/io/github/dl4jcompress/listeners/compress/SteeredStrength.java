package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.listeners.AdjustableSchedule;
import io.github.dl4jcompress.regularization.ScalableSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A Group Lasso strength the {@link io.github.dl4jcompress.listeners.MacBudgetController} steers (an
 * {@link AdjustableSchedule}) that {@code StructuredSparsity.normalizeBySize} can scale per layer and kind.
 */
public class SteeredStrength extends AdjustableSchedule implements ScalableSchedule {

    @JsonCreator
    public SteeredStrength(@JsonProperty("value") double value) {
        super(value);
    }

    @Override
    public ISchedule scaledBy(double factor) {
        return new SteeredStrength(getValue() * factor);
    }

    @Override
    public SteeredStrength clone() {
        return new SteeredStrength(getValue());
    }

    @Override
    public String toString() {
        return "SteeredStrength(" + getValue() + ")";
    }
}
