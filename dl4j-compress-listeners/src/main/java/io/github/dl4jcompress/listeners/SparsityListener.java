package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.LayerCost;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.regularization.GroupKind;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches structured sparsity while a network trains: every {@code frequency} iterations, for each convolution and
 * dense layer, the number of all-zero filters, channels and kernel shapes, the fraction of zero weights and — when
 * given the network's input types — the effective MAC ratio from {@link CostModel}. Each snapshot is logged (SLF4J,
 * INFO) and kept; at each epoch end and on {@link #finish()} the history is written to {@code <dir>/<name>.csv} and
 * {@code .json}, and {@code <dir>/<name>.png} charts the kept fraction of each layer's filters and the network's
 * effective MACs over iterations.
 */
public class SparsityListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(SparsityListener.class);

    private final int frequency;
    private final File outputDir;
    private final String name;
    private final InputType[] inputTypes;
    private final double zeroThreshold;
    private final List<SparsityRecord> history = new ArrayList<>();
    private final List<double[]> networkMacRatio = new ArrayList<>();
    private Model lastModel;
    /** The model whose input types were last checked against the network. */
    private Model validatedModel;
    private int lastIteration = -1;

    private SparsityListener(Builder b) {
        this.frequency = b.frequency;
        this.outputDir = b.outputDir;
        this.name = b.name;
        this.inputTypes = b.inputTypes;
        this.zeroThreshold = b.zeroThreshold;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Before the first update on a model: the input types must fit it, so a mistake fails before DL4J changes anything. */
    @Override
    public void onGradientCalculation(Model model) {
        if (inputTypes != null && model != validatedModel) {
            costOf(model);
            validatedModel = model;
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        lastModel = model;
        if (iteration % frequency == 0) {
            record(model, iteration, epoch);
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        lastModel = model;
        if (outputDir != null) {
            write();
        }
    }

    /** Takes a snapshot now (also used for the final state) and returns its rows. */
    public List<SparsityRecord> record(Model model, int iteration, int epoch) {
        if (iteration == lastIteration && !history.isEmpty()) {
            return history.subList(Math.max(0, history.size() - 1), history.size());
        }
        lastIteration = iteration;
        NetworkCost cost = costOf(model);
        List<SparsityRecord> rows = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (ModelLayers.Entry e : ModelLayers.of(model)) {
            INDArray w = e.layer.getParam("W");
            long filters = e.layout.groupCount(GroupKind.FILTER);
            long channels = e.layout.groupCount(GroupKind.CHANNEL);
            boolean conv = e.layout.supports(GroupKind.SHAPE);
            long shapes = conv ? e.layout.groupCount(GroupKind.SHAPE) : -1;
            long zf = zeros(e.layout.groupNorms(w, GroupKind.FILTER));
            long zc = zeros(e.layout.groupNorms(w, GroupKind.CHANNEL));
            long zs = conv ? zeros(e.layout.groupNorms(w, GroupKind.SHAPE)) : -1;
            double zeroWeights = 1.0 - w.neq(0.0).castTo(DataType.INT).sumNumber().doubleValue() / w.length();
            double macRatio = -1;
            if (cost != null) {
                macRatio = cost.layer(e.name).map(LayerCost::effectiveMacRatio).orElse(-1.0);
            }
            SparsityRecord r = new SparsityRecord(iteration, epoch, e.name, filters, zf, channels, zc, shapes, zs, zeroWeights, macRatio);
            rows.add(r);
            line.append(String.format(" %s: filters %d/%d channels %d/%d%s;", e.name, filters - zf, filters, channels - zc, channels,
                    conv ? " shapes " + (shapes - zs) + "/" + shapes : ""));
        }
        history.addAll(rows);
        if (cost != null) {
            networkMacRatio.add(new double[]{iteration, cost.effectiveMacRatio()});
            line.append(String.format(" effective MACs %.1f%%", 100 * cost.effectiveMacRatio()));
        }
        log.info("Iteration {} (epoch {}):{}", iteration, epoch, line);
        return rows;
    }

    private NetworkCost costOf(Model model) {
        if (inputTypes == null) {
            return null;
        }
        CostModel cm = new CostModel(zeroThreshold);
        try {
            return io.github.dl4jcompress.prune.AnyNetwork.of(model).cost(cm, inputTypes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("SparsityListener: input types " + java.util.Arrays.toString(inputTypes)
                    + " do not fit the network: " + e.getMessage(), e);
        }
    }

    private long zeros(INDArray norms) {
        return norms.length() - norms.gt(zeroThreshold).castTo(DataType.INT).sumNumber().longValue();
    }

    /** Records the final state (if not recorded at this iteration) and writes CSV, JSON and the PNG chart. */
    public void finish() {
        if (lastModel != null) {
            io.github.dl4jcompress.prune.AnyNetwork net = io.github.dl4jcompress.prune.AnyNetwork.of(lastModel);
            record(lastModel, net.iterationCount(), net.epochCount());
        }
        if (outputDir != null) {
            write();
        }
    }

    /** The history so far, oldest first. */
    public List<SparsityRecord> getHistory() {
        return Collections.unmodifiableList(history);
    }

    private void write() {
        try {
            Files.createDirectories(outputDir.toPath());
            List<String> csv = new ArrayList<>();
            csv.add(SparsityRecord.csvHeader());
            history.forEach(r -> csv.add(r.toCsv()));
            Files.write(new File(outputDir, name + ".csv").toPath(), csv, StandardCharsets.UTF_8);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outputDir, name + ".json"), history);
            Map<String, List<double[]>> series = new LinkedHashMap<>();
            for (SparsityRecord r : history) {
                series.computeIfAbsent(r.layer + " filters", k -> new ArrayList<>())
                        .add(new double[]{r.iteration, (double) (r.filters - r.zeroFilters) / r.filters});
            }
            if (!networkMacRatio.isEmpty()) {
                series.put("network effective MACs", networkMacRatio);
            }
            if (!series.isEmpty()) {
                Charts.line(new File(outputDir, name + ".png"), "Structured sparsity while training", "iteration", "kept fraction", series);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("SparsityListener: cannot write history to " + outputDir, e);
        }
    }

    /** Builder: frequency (iterations, default 10), output directory and file name, input types for MAC ratios. */
    public static final class Builder {
        private int frequency = 10;
        private File outputDir;
        private String name = "sparsity";
        private InputType[] inputTypes;
        private double zeroThreshold;

        public Builder frequency(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("SparsityListener: frequency must be >= 1 iteration, got " + iterations);
            }
            this.frequency = iterations;
            return this;
        }

        /** Where to write {@code <name>.csv/.json/.png}; none by default (log only). */
        public Builder outputDir(File dir, String name) {
            this.outputDir = dir;
            this.name = name;
            return this;
        }

        /** The network's input types, for effective MAC ratios (DL4J configurations do not store them). */
        public Builder inputTypes(InputType... inputTypes) {
            this.inputTypes = inputTypes.clone();
            return this;
        }

        /** Group norm at or below which a group counts as zero (default 0: exactly zero). */
        public Builder zeroThreshold(double t) {
            if (!(t >= 0) || Double.isInfinite(t)) {
                throw new IllegalArgumentException("SparsityListener: zeroThreshold must be finite and >= 0, got " + t);
            }
            this.zeroThreshold = t;
            return this;
        }

        public SparsityListener build() {
            return new SparsityListener(this);
        }
    }
}
