package io.github.dl4jcompress.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link TrainingListener} that can travel to Spark executors: it carries a serializable factory and creates the
 * real listener (e.g. {@code ZeroingListener}, {@code SparsityListener}, which are not {@link Serializable}) on first
 * use inside the executor JVM, then forwards every callback to it.
 *
 * <p>DL4J's Spark training masters Java-serialize the listeners given to {@code SparkDl4jMultiLayer.setListeners}
 * together with the worker; a non-serializable listener fails the job with {@code NotSerializableException}. Each
 * deserialized copy (one per task) builds its own delegate, so state such as zeroing masks is per task.
 */
public final class ExecutorListener implements TrainingListener, Serializable {

    private static final long serialVersionUID = 1L;

    /** A {@link Supplier} that is also {@link Serializable} (write it as a lambda or a static nested class). */
    @FunctionalInterface
    public interface Factory extends Supplier<TrainingListener>, Serializable {
    }

    private final Factory factory;
    private transient TrainingListener delegate;

    private ExecutorListener(Factory factory) {
        this.factory = factory;
    }

    /** Wraps a serializable factory of a listener. */
    public static ExecutorListener of(Factory factory) {
        if (factory == null) {
            throw new IllegalArgumentException("ExecutorListener: factory is null");
        }
        return new ExecutorListener(factory);
    }

    /** The listener of this copy, created on first call. */
    public synchronized TrainingListener delegate() {
        if (delegate == null) {
            TrainingListener d = factory.get();
            if (d == null) {
                throw new IllegalStateException("ExecutorListener: the factory returned null");
            }
            delegate = d;
        }
        return delegate;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        delegate().iterationDone(model, iteration, epoch);
    }

    @Override
    public void onEpochStart(Model model) {
        delegate().onEpochStart(model);
    }

    @Override
    public void onEpochEnd(Model model) {
        delegate().onEpochEnd(model);
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        delegate().onForwardPass(model, activations);
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        delegate().onForwardPass(model, activations);
    }

    @Override
    public void onGradientCalculation(Model model) {
        delegate().onGradientCalculation(model);
    }

    @Override
    public void onBackwardPass(Model model) {
        delegate().onBackwardPass(model);
    }

    @Override
    public String toString() {
        return "ExecutorListener(" + (delegate == null ? "not created yet" : delegate) + ")";
    }
}
