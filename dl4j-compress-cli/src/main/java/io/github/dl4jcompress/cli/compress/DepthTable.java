package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.regularization.ResidualBranches;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The depth-vs-accuracy table of a residual benchmark run (the SSL paper's "ResNet-20 → 14 layers"), read from the
 * procedure's checkpoints: the dense baseline, the control, each Group Lasso epoch's network (pruned exactly, not
 * fine-tuned), the fine-tuned budget network and the stop rule's back-offs. Per row: residual blocks kept, layers
 * ({@code 2·blocks + 2}: the stem, the output layer and two convolutions per block), MAC fraction and test accuracy.
 */
final class DepthTable {

    private static final Logger log = LoggerFactory.getLogger(DepthTable.class);

    private DepthTable() {
    }

    /** One row per checkpoint found in {@code dir} (plus {@code baseline}, the input network), in the order of the run. */
    static List<Map<String, Object>> rows(ComputationGraph baseline, File dir, DataSetIterator test, InputType type) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        long denseMacs = AnyNetwork.of(baseline).cost(new CostModel(), type).getMacs();
        rows.add(row("baseline", "dense", baseline, denseMacs, test, type));
        List<String> names = new ArrayList<>(List.of("control"));
        File[] epochs = dir.listFiles((d, n) -> n.matches("epoch-\\d+-\\d+\\.zip"));
        if (epochs != null) {
            Arrays.sort(epochs, (a, b) -> a.getName().compareTo(b.getName()));
            Arrays.stream(epochs).forEach(f -> names.add(f.getName().replace(".zip", "")));
        }
        names.add("finetune");
        File[] backoffs = dir.listFiles((d, n) -> n.matches("backoff-\\d+\\.zip"));
        if (backoffs != null) {
            Arrays.sort(backoffs, (a, b) -> b.getName().compareTo(a.getName()));
            Arrays.stream(backoffs).forEach(f -> names.add(f.getName().replace(".zip", "")));
        }
        for (String name : names) {
            File f = new File(dir, name + ".zip");
            if (!f.isFile()) {
                continue;
            }
            ComputationGraph net = ModelSerializer.restoreComputationGraph(f, false);
            String what = name.equals("control") ? "dense, plain training" : name.startsWith("epoch") ? "Group Lasso epoch end, pruned, not fine-tuned"
                    : name.equals("finetune") ? "budget network, pruned and fine-tuned" : "stop-rule back-off, pruned and fine-tuned";
            if (name.startsWith("epoch")) {
                try {
                    net = (ComputationGraph) AnyNetwork.of(net).prune(StructuredPruner.builder().threshold(0.0).trial().build()).network().model();
                } catch (PruningException e) {
                    log.warn("depth table: {} could not be pruned ({}); counted unpruned", name, e.getMessage());
                }
            }
            rows.add(row(name, what, net, denseMacs, test, type));
        }
        return rows;
    }

    private static Map<String, Object> row(String name, String what, ComputationGraph net, long denseMacs, DataSetIterator test, InputType type) {
        int blocks = ResidualBranches.of(net.getConfiguration()).size();
        test.reset();
        Evaluation e = net.evaluate(test);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("network", name);
        r.put("what", what);
        r.put("blocks", blocks);
        r.put("layers", 2 * blocks + 2);
        r.put("macsRatio", (double) AnyNetwork.of(net).cost(new CostModel(), type).getMacs() / denseMacs);
        r.put("accuracy", e.accuracy());
        log.info("depth table: {} — {} blocks ({} layers), test accuracy {}", name, blocks, 2 * blocks + 2, String.format("%.4f", e.accuracy()));
        return r;
    }

    /**
     * Batch-{@code batch} inference speedup of the fine-tuned budget network ({@code finetune} checkpoint: pruned, blocks
     * removed) over the dense baseline, both on DL4J's layers (neither lowered), forward times interleaved in the same
     * process, median of 5 rounds of 10 passes each — whatever network the stop rule returned. Empty without the checkpoint.
     */
    static Map<String, Object> prunedSpeedup(ComputationGraph baseline, File dir, org.nd4j.linalg.dataset.DataSet test, int batch,
                                             InputType type) throws IOException {
        File f = new File(dir, "finetune.zip");
        Map<String, Object> r = new LinkedHashMap<>();
        if (!f.isFile()) {
            return r;
        }
        ComputationGraph pruned = ModelSerializer.restoreComputationGraph(f, false);
        long[] shape = type.getShape(true);
        INDArray x = test.getFeatures().get(NDArrayIndex.interval(0, Math.min(batch, test.numExamples())), NDArrayIndex.all()).dup();
        x = x.reshape(x.size(0), shape[1], shape[2], shape[3]);
        INDArray[] in = {x};
        double[] dense = new double[5];
        double[] small = new double[5];
        for (int i = 0; i < 5; i++) {
            dense[i] = AnyNetwork.of(baseline).latencyMs(in, 10);
            small[i] = AnyNetwork.of(pruned).latencyMs(in, 10);
        }
        Arrays.sort(dense);
        Arrays.sort(small);
        r.put("network", "finetune");
        r.put("blocks", ResidualBranches.of(pruned.getConfiguration()).size());
        r.put("batch", x.size(0));
        r.put("denseMs", dense[2]);
        r.put("prunedMs", small[2]);
        r.put("speedup", dense[2] / small[2]);
        r.put("layers", "DL4J's layers on both sides (not lowered)");
        log.info("pruned speedup: {} blocks, batch {}: dense {} ms, pruned {} ms, {}x", r.get("blocks"), x.size(0),
                String.format("%.2f", dense[2]), String.format("%.2f", small[2]), String.format("%.3f", dense[2] / small[2]));
        return r;
    }

    /** A bar chart: test accuracy (%), MACs (%) and layers (x4) per network of the table. */
    static void chart(File png, String title, List<Map<String, Object>> rows) throws IOException {
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String n = (String) r.get("network");
            series.computeIfAbsent("test accuracy %", k -> new LinkedHashMap<>()).put(n, 100 * (Double) r.get("accuracy"));
            series.computeIfAbsent("MACs %", k -> new LinkedHashMap<>()).put(n, 100 * (Double) r.get("macsRatio"));
            series.computeIfAbsent("layers x4", k -> new LinkedHashMap<>()).put(n, 4.0 * (Integer) r.get("layers"));
        }
        io.github.dl4jcompress.listeners.Charts.bars(png, title, "", "", series);
    }

    /** The rows as a Markdown table. */
    static String markdown(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder("| network | residual blocks | layers | MACs | test accuracy | what |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            sb.append(String.format("| %s | %d | %d | %.1f%% | %.2f%% | %s |%n", r.get("network"), (Integer) r.get("blocks"), (Integer) r.get("layers"),
                    100 * (Double) r.get("macsRatio"), 100 * (Double) r.get("accuracy"), r.get("what")));
        }
        return sb.toString();
    }
}
