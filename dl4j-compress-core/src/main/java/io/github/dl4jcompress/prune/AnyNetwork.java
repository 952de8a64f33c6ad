package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.layers.Lowering;
import io.github.dl4jcompress.regularization.NamedLayer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

import java.io.File;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The project's one network adapter for code outside the pruner: a MultiLayerNetwork or a ComputationGraph behind one
 * interface, so that listeners, jobs, commands and the compression procedure (layers, counters, cost, output,
 * training, evaluation, rebuilding from an edited configuration, lowering, pruning, cloning, saving) need no per-kind
 * {@code instanceof} branches. Its configuration side is {@link AnyConfiguration}. The pruner's internals use the
 * package-private {@link NetworkAdapter} it is built on.
 */
public final class AnyNetwork {

    private final MultiLayerNetwork mln;
    private final ComputationGraph graph;

    private AnyNetwork(MultiLayerNetwork mln, ComputationGraph graph) {
        this.mln = mln;
        this.graph = graph;
    }

    public static AnyNetwork of(MultiLayerNetwork net) {
        return new AnyNetwork(Objects.requireNonNull(net, "network"), null);
    }

    public static AnyNetwork of(ComputationGraph net) {
        return new AnyNetwork(null, Objects.requireNonNull(net, "network"));
    }

    /** A new, initialised network of the configuration (the configuration is used as is, not copied). */
    public static AnyNetwork create(AnyConfiguration conf) {
        if (conf.isGraph()) {
            ComputationGraph g = new ComputationGraph(conf.graph());
            g.init();
            return of(g);
        }
        MultiLayerNetwork n = new MultiLayerNetwork(conf.chain());
        n.init();
        return of(n);
    }

    /** Wraps a MultiLayerNetwork or ComputationGraph; anything else is refused naming its type. */
    public static AnyNetwork of(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return of((MultiLayerNetwork) model);
        }
        if (model instanceof ComputationGraph) {
            return of((ComputationGraph) model);
        }
        throw new IllegalArgumentException("Only MultiLayerNetwork and ComputationGraph are supported, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The wrapped network (MultiLayerNetwork or ComputationGraph). */
    public Model model() {
        return mln != null ? mln : graph;
    }

    public boolean isGraph() {
        return graph != null;
    }

    /** {@code "MultiLayerNetwork"} or {@code "ComputationGraph"}. */
    public String kind() {
        return mln != null ? "MultiLayerNetwork" : "ComputationGraph";
    }

    public long numParams() {
        return model().numParams();
    }

    /** Number of network inputs (1 for a MultiLayerNetwork). */
    public int numInputs() {
        return mln != null ? 1 : graph.getConfiguration().getNetworkInputs().size();
    }

    /** The runtime layers (for a graph: of its layer vertices, in DL4J's order). */
    public org.deeplearning4j.nn.api.Layer[] layers() {
        return mln != null ? mln.getLayers() : graph.getLayers();
    }

    /** The runtime layer with the pruner's node id (index in a MultiLayerNetwork, vertex name in a graph). */
    public org.deeplearning4j.nn.api.Layer layer(String id) {
        return mln != null ? mln.getLayer(Integer.parseInt(id)) : graph.getLayer(id);
    }

    /** The layer configurations with their names and indices (see {@link NamedLayer}). */
    public List<NamedLayer> namedLayers() {
        return mln != null ? NamedLayer.of(mln.getLayerWiseConfigurations()) : NamedLayer.of(graph.getConfiguration());
    }

    /** A layer with the name DL4J knows it by and DL4J's index (MLN: layer index; graph: vertex index). */
    public record IndexedLayer(String name, int index, org.deeplearning4j.nn.api.Layer layer) {
    }

    /** The runtime layers in DL4J's execution order (MLN: layer order; graph: topological order of its vertices). */
    public List<IndexedLayer> layersInOrder() {
        List<IndexedLayer> out = new java.util.ArrayList<>();
        if (mln != null) {
            for (int i = 0; i < mln.getnLayers(); i++) {
                String name = mln.getLayer(i).conf().getLayer().getLayerName();
                out.add(new IndexedLayer(name != null ? name : "layer" + i, i, mln.getLayer(i)));
            }
        } else {
            for (int idx : graph.topologicalSortOrder()) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph.getVertices()[idx];
                if (v.hasLayer()) {
                    out.add(new IndexedLayer(v.getVertexName(), idx, v.getLayer()));
                }
            }
        }
        return out;
    }

    public int iterationCount() {
        return mln != null ? mln.getIterationCount() : graph.getIterationCount();
    }

    public int epochCount() {
        return mln != null ? mln.getEpochCount() : graph.getEpochCount();
    }

    /** Sets DL4J's iteration and epoch counters (which drive schedules). */
    public void setCounts(int iteration, int epoch) {
        if (mln != null) {
            mln.setIterationCount(iteration);
            mln.setEpochCount(epoch);
        } else {
            graph.getConfiguration().setIterationCount(iteration);
            graph.getConfiguration().setEpochCount(epoch);
        }
    }

    /** The flat updater state, or null if the network has no updater (state). */
    public INDArray updaterState() {
        if (mln != null) {
            return mln.getUpdater() == null ? null : mln.getUpdater().getStateViewArray();
        }
        return graph.getUpdater() == null ? null : graph.getUpdater().getStateViewArray();
    }

    /** Whether {@code init()} was called (DL4J's networks have no parameters before). */
    public boolean isInitialised() {
        return mln != null ? mln.isInitCalled() : graph.getVertices() != null;
    }

    /** The network's configuration (live: edit a copy, see {@link #fresh(Consumer)}). */
    public AnyConfiguration configuration() {
        return mln != null ? AnyConfiguration.of(mln.getLayerWiseConfigurations()) : AnyConfiguration.of(graph.getConfiguration());
    }

    /** The configuration as JSON. */
    public String configurationJson() {
        return configuration().toJson();
    }

    /** A new network with the same configuration and parameters, a fresh (zero) updater state and counters at 0. */
    public AnyNetwork fresh() {
        return fresh(c -> { });
    }

    /**
     * A new network from an edited copy of this configuration (counters reset to 0 before the edit) with a copy of this
     * network's parameters and a fresh updater state; this network is not changed.
     */
    public AnyNetwork fresh(Consumer<AnyConfiguration> edit) {
        INDArray params = model().params().dup();
        AnyConfiguration c = AnyConfiguration.fromJson(configurationJson(), isGraph());
        c.setCounts(0, 0);
        edit.accept(c);
        return build(c, params);
    }

    /**
     * A new network from an edited copy of this configuration (counters kept) with a copy of this network's parameters
     * and, when the edit left its size unchanged, of its updater state; this network is not changed.
     */
    public AnyNetwork withConfiguration(Consumer<AnyConfiguration> edit) {
        INDArray updater = updaterState();
        AnyConfiguration c = AnyConfiguration.fromJson(configurationJson(), isGraph());
        edit.accept(c);
        AnyNetwork out = build(c, model().params().dup());
        INDArray state = out.updaterState();
        if (updater != null && state != null && state.length() == updater.length()) {
            state.assign(updater);
        }
        return out;
    }

    private static AnyNetwork build(AnyConfiguration c, INDArray params) {
        if (c.isGraph()) {
            ComputationGraph g = new ComputationGraph(c.graph());
            g.init(params, false);
            return of(g);
        }
        MultiLayerNetwork n = new MultiLayerNetwork(c.chain());
        n.init(params, false);
        return of(n);
    }

    /**
     * A new network with every plain convolution lowered to GEMM form (parameters, updater state and iteration/epoch
     * counts kept), see {@link Lowering}.
     */
    public AnyNetwork lowered() {
        return withCountsOf(mln != null ? of(Lowering.lower(mln)) : of(Lowering.lower(graph)));
    }

    /** The inverse of {@link #lowered()}: DL4J's convolution layers back (e.g. before pruning or saving), counts kept. */
    public AnyNetwork restored() {
        return withCountsOf(mln != null ? of(Lowering.restore(mln)) : of(Lowering.restore(graph)));
    }

    /**
     * {@code rebuilt} with this network's iteration and epoch counts: a ComputationGraphConfiguration's clone drops
     * them (a MultiLayerConfiguration's keeps them), so a graph rebuilt from a cloned configuration would restart its
     * iteration-based schedules at 0.
     */
    private AnyNetwork withCountsOf(AnyNetwork rebuilt) {
        if (rebuilt.iterationCount() != iterationCount() || rebuilt.epochCount() != epochCount()) {
            rebuilt.setCounts(iterationCount(), epochCount());
        }
        return rebuilt;
    }

    /**
     * The constant learning rate of the first layer whose updater has one; null when there is none or when it follows a
     * schedule of the user's own (the rate changes with the iteration).
     */
    public Double learningRate() {
        for (org.deeplearning4j.nn.api.Layer l : layers()) {
            if (l.conf().getLayer() instanceof BaseLayer) {
                IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
                if (u != null && u.hasLearningRate()) {
                    double now = u.getLearningRate(0, 0);
                    return now == u.getLearningRate(1_000_000, 1_000) ? now : null;
                }
            }
        }
        return null;
    }

    /** Sets the learning rate of every layer to a schedule. */
    public void setLearningRate(ISchedule schedule) {
        if (mln != null) {
            mln.setLearningRate(schedule);
        } else {
            graph.setLearningRate(schedule);
        }
    }

    /** Sets the learning rate of every layer to a constant. */
    public void setLearningRate(double lr) {
        if (mln != null) {
            mln.setLearningRate(lr);
        } else {
            graph.setLearningRate(lr);
        }
    }

    /** Replaces the training listeners. */
    public void setListeners(Collection<TrainingListener> listeners) {
        if (mln != null) {
            mln.setListeners(listeners);
        } else {
            graph.setListeners(listeners);
        }
    }

    /** The training listeners (a copy). */
    public List<TrainingListener> listeners() {
        Collection<TrainingListener> l = mln != null ? mln.getListeners() : graph.getListeners();
        return l == null ? List.of() : new java.util.ArrayList<>(l);
    }

    /** Replaces the training listeners. */
    public void setListeners(TrainingListener... listeners) {
        setListeners(Arrays.asList(listeners));
    }

    /**
     * Saves with ModelSerializer (updater state included), atomically: to a fresh temporary name in the same directory,
     * then moved over {@code file}; on failure {@code file} is untouched. The file gets the user's umask, as any file the
     * user creates ({@code Files.createTempFile} would make it 0600).
     */
    public void save(File file) throws IOException {
        Path dest = file.toPath().toAbsolutePath();
        Path tmp = dest.resolveSibling("." + dest.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            ModelSerializer.writeModel(model(), tmp.toFile(), true);
            moveReplacing(tmp, dest);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves {@code from} over {@code to}, atomically where the file system can. */
    public static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Restores a network saved by {@link #save} (with its updater state); {@code graph} says which kind it is. */
    public static AnyNetwork load(File file, boolean graph) throws IOException {
        return graph ? of(ModelSerializer.restoreComputationGraph(file, true)) : of(ModelSerializer.restoreMultiLayerNetwork(file, true));
    }

    /** A deep copy (parameters, updater state, configuration). */
    public AnyNetwork copy() {
        return mln != null ? of(mln.clone()) : of(graph.clone());
    }

    /**
     * A copy of the configuration and parameters without the updater state, for measurements: such a copy is only
     * zeroed, pruned and counted, and a network without updater state is pruned without the state transfer.
     */
    public AnyNetwork parametersCopy() {
        if (mln != null) {
            MultiLayerNetwork c = new MultiLayerNetwork(mln.getLayerWiseConfigurations().clone());
            c.init(mln.params().dup(), false);
            return of(c);
        }
        ComputationGraph c = new ComputationGraph(graph.getConfiguration().clone());
        c.init(graph.params().dup(), false);
        return of(c);
    }

    /** A copy with double-precision parameters (to tell float rounding from real output changes). */
    public AnyNetwork toDouble() {
        return mln != null ? of(mln.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                : of(graph.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
    }

    /** Inference-mode output(s); the same input array is fed to every network input. */
    public INDArray[] output(INDArray input) {
        if (mln != null) {
            return new INDArray[] {mln.output(input, false)};
        }
        INDArray[] in = new INDArray[numInputs()];
        Arrays.fill(in, input);
        return graph.output(false, in);
    }

    /**
     * Inference-mode outputs for one feature array per network input (a MultiLayerNetwork reads the first).
     */
    public INDArray[] output(INDArray[] features) {
        return mln != null ? new INDArray[] {mln.output(features[0], false)} : graph.output(false, features);
    }

    /** Fraction of the examples whose arg-max (first) output equals the arg-max (first) label; NaN without examples. */
    public double accuracy(List<? extends MultiDataSet> batches) {
        long correct = 0;
        long total = 0;
        for (MultiDataSet b : batches) {
            INDArray out = output(b.getFeatures())[0];
            INDArray predicted = out.argMax(1);
            INDArray truth = b.getLabels(0).argMax(1);
            correct += predicted.eq(truth).castTo(DataType.INT).sumNumber().longValue();
            total += out.size(0);
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /**
     * Median wall time of one inference-mode forward pass on {@code features}, in milliseconds: {@code repeats} timed
     * passes after {@code max(3, repeats / 4)} warm-up passes.
     */
    public double latencyMs(INDArray[] features, int repeats) {
        for (int i = 0; i < Math.max(3, repeats / 4); i++) {
            output(features);
        }
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            output(features);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        return Median.of(t);
    }

    /** Trains one epoch over materialized mini-batches in the given order (one feature and label array each for a MultiLayerNetwork). */
    public void fitEpoch(List<MultiDataSet> batches) {
        if (mln != null) {
            mln.fit(new ListIterators.OfDataSets(batches));
        } else {
            graph.fit(new ListIterators.OfMultiDataSets(batches));
        }
    }

    /** One training step on a data set (a graph with one input and one output). */
    public void fit(org.nd4j.linalg.dataset.api.DataSet data) {
        if (mln != null) {
            mln.fit(data);
        } else {
            graph.fit(data);
        }
    }

    /** Trains on every batch of {@code data} once (one epoch). */
    public void fit(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data) {
        if (mln != null) {
            mln.fit(data);
        } else {
            graph.fit(data);
        }
    }

    /** Trains {@code epochs} epochs on {@code data} (DL4J's {@code fit(iterator, epochs)}, which resets the iterator between epochs). */
    public void fit(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data, int epochs) {
        if (mln != null) {
            mln.fit(data, epochs);
        } else {
            graph.fit(data, epochs);
        }
    }

    /** Sets the gradients accumulator that DL4J's shared training uses to exchange updates. */
    public void setGradientsAccumulator(org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator accumulator) {
        if (mln != null) {
            mln.setGradientsAccumulator(accumulator);
        } else {
            graph.setGradientsAccumulator(accumulator);
        }
    }

    /** Dense (whole-layer) cost with the default {@link CostModel}, see {@link #cost(CostModel, InputType...)}. */
    public NetworkCost cost(InputType... inputTypes) {
        return cost(new CostModel(), inputTypes);
    }

    /**
     * Dense (whole-layer) cost; {@code inputTypes}: one per network input, or a single one fed to every input (a
     * MultiLayerNetwork uses the first).
     */
    public NetworkCost cost(CostModel costModel, InputType... inputTypes) {
        if (inputTypes == null || inputTypes.length == 0) {
            throw new IllegalArgumentException("at least one input type is required");
        }
        if (mln != null) {
            return costModel.of(mln, inputTypes[0]);
        }
        InputType[] types = inputTypes;
        if (inputTypes.length == 1 && numInputs() > 1) {
            types = new InputType[numInputs()];
            Arrays.fill(types, inputTypes[0]);
        }
        return costModel.of(graph, types);
    }

    /** The pruner's channel groups of this network (see {@link ChannelCoupling}). */
    public List<ChannelGroup> channelGroups() {
        return mln != null ? ChannelCoupling.of(mln) : ChannelCoupling.of(graph);
    }

    /** Runs the pruner; returns the pruned network (same kind) and the report. */
    public Pruned prune(StructuredPruner pruner) {
        if (mln != null) {
            PruneResult<MultiLayerNetwork> r = pruner.prune(mln);
            return new Pruned(of(r.network()), r.report());
        }
        PruneResult<ComputationGraph> r = pruner.prune(graph);
        return new Pruned(of(r.network()), r.report());
    }

    /**
     * A pruned network with its report.
     *
     * @param network the new, smaller network
     * @param report  what was removed
     */
    public record Pruned(AnyNetwork network, PruneReport report) {
    }
}
