package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.PruneReport;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.BinaryPush;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A MultiLayerNetwork or ComputationGraph behind the few operations the procedure needs (copy, train on
 * materialized batches, predict, cost, prune, save), so the phases have no per-kind branches. Always a private copy:
 * the procedure never trains the network the user passed in.
 */
final class Trainee {

    private final MultiLayerNetwork mln;
    private final ComputationGraph graph;

    private Trainee(MultiLayerNetwork mln, ComputationGraph graph) {
        this.mln = mln;
        this.graph = graph;
    }

    static Trainee of(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return new Trainee((MultiLayerNetwork) model, null);
        }
        if (model instanceof ComputationGraph) {
            return new Trainee(null, (ComputationGraph) model);
        }
        throw new IllegalArgumentException("SslCompression: only MultiLayerNetwork and ComputationGraph are supported, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    Model model() {
        return mln != null ? mln : graph;
    }

    boolean isGraph() {
        return graph != null;
    }

    @SuppressWarnings("unchecked")
    <N extends Model> N network() {
        return (N) model();
    }

    /** A deep copy (parameters, updater state, configuration). */
    Trainee copy() {
        return mln != null ? new Trainee(mln.clone(), null) : new Trainee(null, graph.clone());
    }

    /** Configuration JSON (for a fresh network from the same configuration). */
    String configurationJson() {
        return mln != null ? mln.getLayerWiseConfigurations().toJson() : graph.getConfiguration().toJson();
    }

    /** A new network with the same configuration and parameters but a fresh updater and iteration count 0. */
    Trainee fresh() {
        return fresh(configurationJson(), null);
    }

    /** A new network from a (possibly edited) configuration JSON with this network's parameters. */
    Trainee fresh(String json, java.util.function.Consumer<Object> editConfiguration) {
        INDArray params = model().params().dup();
        if (mln != null) {
            MultiLayerConfiguration c = MultiLayerConfiguration.fromJson(json);
            c.setIterationCount(0);
            c.setEpochCount(0);
            if (editConfiguration != null) {
                editConfiguration.accept(c);
            }
            MultiLayerNetwork n = new MultiLayerNetwork(c);
            n.init(params, false);
            return new Trainee(n, null);
        }
        ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(json);
        c.setIterationCount(0);
        c.setEpochCount(0);
        if (editConfiguration != null) {
            editConfiguration.accept(c);
        }
        ComputationGraph g = new ComputationGraph(c);
        g.init(params, false);
        return new Trainee(null, g);
    }

    /** The same network with every Group Lasso and binary push removed from its configuration (updater state kept). */
    Trainee withoutSparsityRegularizers() {
        INDArray updater = updaterState();
        String json = configurationJson();
        Trainee t;
        if (mln != null) {
            MultiLayerConfiguration c = MultiLayerConfiguration.fromJson(json);
            c.getConfs().forEach(nc -> strip(nc.getLayer()));
            MultiLayerNetwork n = new MultiLayerNetwork(c);
            n.init(mln.params().dup(), false);
            t = new Trainee(n, null);
        } else {
            ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(json);
            c.getVertices().values().forEach(v -> {
                if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex) {
                    strip(((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer());
                }
            });
            ComputationGraph g = new ComputationGraph(c);
            g.init(graph.params().dup(), false);
            t = new Trainee(null, g);
        }
        if (updater != null && t.updaterState() != null && t.updaterState().length() == updater.length()) {
            t.updaterState().assign(updater);
        }
        return t;
    }

    private static void strip(org.deeplearning4j.nn.conf.layers.Layer l) {
        if (l instanceof BaseLayer && ((BaseLayer) l).getRegularization() != null) {
            List<Regularization> kept = new ArrayList<>();
            for (Regularization r : ((BaseLayer) l).getRegularization()) {
                if (!(r instanceof GroupLasso || r instanceof BinaryPush)) {
                    kept.add(r);
                }
            }
            ((BaseLayer) l).setRegularization(kept);
        }
    }

    /** A new network with every plain convolution lowered to GEMM form (parameters and updater state kept). */
    Trainee lowered() {
        return mln != null ? new Trainee(io.github.dl4jcompress.layers.Lowering.lower(mln), null)
                : new Trainee(null, io.github.dl4jcompress.layers.Lowering.lower(graph));
    }

    /** The inverse of {@link #lowered()}: DL4J's convolution layers back (e.g. before pruning or saving). */
    Trainee restored() {
        return mln != null ? new Trainee(io.github.dl4jcompress.layers.Lowering.restore(mln), null)
                : new Trainee(null, io.github.dl4jcompress.layers.Lowering.restore(graph));
    }

    /** Iterations done so far (the updater's schedules read it). */
    int iterationCount() {
        return mln != null ? mln.getIterationCount() : graph.getIterationCount();
    }

    /** The learning rate of the first layer that has one (null: none, e.g. no updater with a learning rate). */
    Double learningRate() {
        for (org.deeplearning4j.nn.api.Layer l : mln != null ? mln.getLayers() : graph.getLayers()) {
            if (l.conf().getLayer() instanceof BaseLayer) {
                org.nd4j.linalg.learning.config.IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
                if (u != null && u.hasLearningRate()) {
                    double now = u.getLearningRate(0, 0);
                    // a schedule of the user's own (the rate changes with the iteration) is left alone
                    return now == u.getLearningRate(1_000_000, 1_000) ? now : null;
                }
            }
        }
        return null;
    }

    void setLearningRate(org.nd4j.linalg.schedule.ISchedule schedule) {
        if (mln != null) {
            mln.setLearningRate(schedule);
        } else {
            graph.setLearningRate(schedule);
        }
    }

    void setLearningRate(double lr) {
        if (mln != null) {
            mln.setLearningRate(lr);
        } else {
            graph.setLearningRate(lr);
        }
    }

    INDArray updaterState() {
        if (mln != null) {
            return mln.getUpdater() == null ? null : mln.getUpdater().getStateViewArray();
        }
        return graph.getUpdater() == null ? null : graph.getUpdater().getStateViewArray();
    }

    void setListeners(List<TrainingListener> listeners) {
        if (mln != null) {
            mln.setListeners(listeners);
        } else {
            graph.setListeners(listeners);
        }
    }

    /** One epoch over the batches in the given order (the caller shuffles), then the epoch-end listeners. */
    void fitEpoch(List<MultiDataSet> batches) {
        if (mln != null) {
            mln.fit(new ListIterators.OfDataSets(batches));
        } else {
            graph.fit(new ListIterators.OfMultiDataSets(batches));
        }
    }

    INDArray output(INDArray[] features) {
        if (mln != null) {
            return mln.output(features[0], false);
        }
        return graph.output(false, features)[0];
    }

    /** Fraction of examples whose arg-max output equals the arg-max label. */
    double accuracy(List<MultiDataSet> batches) {
        long correct = 0;
        long total = 0;
        for (MultiDataSet b : batches) {
            INDArray out = output(b.getFeatures());
            INDArray predicted = out.argMax(1);
            INDArray truth = b.getLabels(0).argMax(1);
            correct += predicted.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            total += out.size(0);
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    NetworkCost cost(InputType[] inputTypes) {
        CostModel cm = new CostModel();
        return mln != null ? cm.of(mln, inputTypes[0]) : cm.of(graph, inputTypes);
    }

    /** Pruned copy (the pruner never modifies its input). */
    Pruned prune(StructuredPruner pruner) {
        if (mln != null) {
            PruneResult<MultiLayerNetwork> r = pruner.prune(mln);
            return new Pruned(new Trainee(r.network(), null), r.report());
        }
        PruneResult<ComputationGraph> r = pruner.prune(graph);
        return new Pruned(new Trainee(null, r.network()), r.report());
    }

    record Pruned(Trainee net, PruneReport report) {
    }

    long numParams() {
        return model().numParams();
    }

    void save(File f) throws IOException {
        ModelSerializer.writeModel(model(), f, true);
    }

    static Trainee load(File f, boolean graph) throws IOException {
        return graph ? new Trainee(null, ModelSerializer.restoreComputationGraph(f, true))
                : new Trainee(ModelSerializer.restoreMultiLayerNetwork(f, true), null);
    }

    /**
     * Median wall time of one forward pass (inference mode) on {@code features}, in milliseconds, after a warm-up;
     * {@code repeats} timed passes.
     */
    double latencyMs(INDArray[] features, int repeats) {
        for (int i = 0; i < Math.max(3, repeats / 4); i++) {
            output(features);
        }
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            output(features);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[repeats / 2];
    }
}
