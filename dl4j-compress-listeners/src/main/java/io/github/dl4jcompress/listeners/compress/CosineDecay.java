package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * A cosine learning-rate decay to 1% over the next {@code n} iterations, as the procedure's control and fine-tuning use
 * it (and a benchmark's baseline, so that it is trained to convergence): lr(i) = lr·(0.01 + 0.99·(1 + cos(π·(i − i0)/n))/2)
 * from the network's current iteration i0, as a {@link MapSchedule} of at most 100 steps.
 */
public final class CosineDecay {

    private CosineDecay() {
    }

    /** Sets the decay from {@code lr} over {@code iterations} iterations from now on every layer of {@code net}. */
    public static void apply(AnyNetwork net, double lr, int iterations) {
        int i0 = net.iterationCount();
        MapSchedule.Builder m = new MapSchedule.Builder(ScheduleType.ITERATION).add(0, lr);
        int steps = Math.max(1, Math.min(100, iterations));
        for (int k = 0; k <= steps; k++) {
            int it = i0 + (int) Math.round((double) k * iterations / steps);
            m.add(it, lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * k / steps))));
        }
        net.setLearningRate(m.build());
    }
}
