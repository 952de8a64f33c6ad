package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cli.options.SeedOption;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.prune.ModelInputs;
import io.github.dl4jcompress.cli.prune.OutputDiff;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.LayerPruneSummary;
import io.github.dl4jcompress.prune.PruneReport;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code dl4jc prune-zoo}: for every convolutional zoo model, zero a random 30-50% of the filters of each
 * prunable convolution, prune at threshold 0, and record output equivalence, MACs/parameter ratios and
 * the measured batch-1 inference speedup in {@code results/prune-zoo.json}. A model that fails at any
 * stage becomes a row with status "unsupported" and the reason.
 */
@Command(name = "prune-zoo", mixinStandardHelpOptions = true,
        description = "Zero random filters in the DL4J zoo models, prune them, check equivalence, measure cost and speed.")
public final class PruneZooCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(PruneZooCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--models", split = ",", description = "comma-separated subset (default: all): ${COMPLETION-CANDIDATES}")
    List<String> models;

    @Option(names = "--repeats", defaultValue = "5", description = "timed batch-1 runs per network after 2 warm-up runs (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--weights-only", description = "zero filter weights but keep biases (exercises bias folding)")
    boolean weightsOnly;

    @Option(names = "--tolerance", defaultValue = "1e-4", description = "max relative output difference for 'equivalent' (default ${DEFAULT-VALUE})")
    double tolerance;

    @Mixin
    SeedOption seedOption = new SeedOption(42);

    @Option(names = "--out", defaultValue = "results/prune-zoo.json")
    File out;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        List<ZooEntry> entries = selected();
        if (entries == null) {
            return 2;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ZooEntry e : entries) {
            long t0 = System.nanoTime();
            ZooRow row = run(e);
            row.seconds = Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
            rows.add(row.toMap());
            stdout.println(row);
            stdout.flush();
            write(rows);
            System.gc();
        }
        stdout.println("wrote " + out);
        return 0;
    }

    private List<ZooEntry> selected() {
        List<ZooEntry> all = ZooCatalog.all();
        if (models == null || models.isEmpty()) {
            return all;
        }
        Map<String, ZooEntry> byName = new LinkedHashMap<>();
        all.forEach(e -> byName.put(e.name().toLowerCase(), e));
        List<ZooEntry> chosen = new ArrayList<>();
        for (String m : models) {
            ZooEntry e = byName.get(m.trim().toLowerCase());
            if (e == null) {
                spec.commandLine().getErr().println("dl4jc prune-zoo: unknown model '" + m + "'; known: "
                        + all.stream().map(ZooEntry::name).collect(Collectors.joining(", ")));
                return null;
            }
            chosen.add(e);
        }
        return chosen;
    }

    private void write(List<Map<String, Object>> rows) throws java.io.IOException {
        File dir = out.getAbsoluteFile().getParentFile();
        dir.mkdirs();
        File tmp = new File(dir, out.getName() + ".tmp");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp, rows);
        java.nio.file.Files.move(tmp.toPath(), out.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private ZooRow run(ZooEntry e) {
        ZooRow row = new ZooRow(e.name());
        row.input = e.input().toString();
        String stage = "instantiate";
        List<String> notes = new ArrayList<>();
        notes.add(e.note());
        notes.add((weightsOnly ? "filters zeroed: weights only (biases kept, folded where exact)" : "filters zeroed: weights and biases")
                + ", by channel group (filters that meet in a residual add are zeroed together)");
        try {
            log.info("{}: building with input {}", e.name(), e.input());
            AnyNetwork dense = e.create();
            stage = "zero filters";
            row.zeroedFilters = FilterZeroing.apply(dense, seedOption.seed() + e.name().hashCode(), weightsOnly);
            stage = "make inputs";
            INDArray x = ModelInputs.random(dense, e.input(), 2, seedOption.seed());
            stage = "prune";
            AnyNetwork.Pruned result = dense.prune(StructuredPruner.builder().threshold(0.0).build());
            AnyNetwork pruned = result.network();
            PruneReport report = result.report();
            row.removedFilters = removedFilters(report);
            stage = "compare outputs";
            row.maxAbsDiff = OutputDiff.relativeMaxAbs(dense.output(x), pruned.output(x));
            row.paramsRatio = (double) pruned.numParams() / dense.numParams();
            stage = "cost";
            try {
                NetworkCost before = dense.cost(new CostModel(), e.input().inputType());
                NetworkCost after = pruned.cost(new CostModel(), e.input().inputType());
                row.macsRatio = (double) after.getMacs() / Math.max(1, before.getMacs());
            } catch (RuntimeException costFailure) {
                notes.add("MACs not computed: " + shortly(costFailure));
            }
            stage = "time";
            INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
            double[] ms = InferenceTimer.medianMillis(dense, pruned, one, 2, repeats);
            row.denseMillis = round(ms[0]);
            row.prunedMillis = round(ms[1]);
            row.speedup = round(ms[0] / ms[1]);
            notes.add("batch 1, median of " + repeats + " interleaved runs after 2 warm-ups");
            List<String> stops = stopSummary(report);
            if (!(row.maxAbsDiff <= tolerance) && x.dataType() != org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
                stage = "compare outputs in double precision";
                INDArray xd = x.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                double doubleDiff = OutputDiff.relativeMaxAbs(dense.toDouble().output(xd), pruned.toDouble().output(xd));
                notes.add(String.format("float32 diff %.3g exceeds %.1g; the same two networks in double precision differ by"
                        + " %.3g, so the float difference is rounding amplified by large activations, maxAbsDiff reports"
                        + " the double-precision value", row.maxAbsDiff, tolerance, doubleDiff));
                row.maxAbsDiff = doubleDiff;
            }
            if (!(row.maxAbsDiff <= tolerance)) {
                row.status = "unsupported";
                notes.add(0, "NOT EQUIVALENT: relative output difference " + row.maxAbsDiff + " > " + tolerance);
            } else if (!stops.isEmpty()) {
                row.status = "partial";
                notes.add("analysis stops (kept whole) at: " + String.join(", ", stops));
            } else {
                row.status = "pruned";
            }
            if (row.removedFilters < row.zeroedFilters) {
                notes.add((row.zeroedFilters - row.removedFilters) + " of " + row.zeroedFilters + " zeroed filters kept");
                long unfoldable = report.notes().stream().filter(n -> n.contains("cannot fold")).count();
                if (unfoldable > 0) {
                    notes.add(unfoldable + " layers read constant non-zero channels of zeroed filters (act(0) != 0, e.g."
                            + " DL4J's default sigmoid) that they cannot fold into their bias exactly (zero padding or"
                            + " separable weights), so those channels stay");
                }
            }
        } catch (Throwable t) {
            row.status = "unsupported";
            notes.add(0, "failed at " + stage + ": " + shortly(t));
            log.warn("{} failed at {}", e.name(), stage, t);
        }
        row.note = String.join("; ", notes);
        return row;
    }

    private static int removedFilters(PruneReport report) {
        Set<String> convTypes = Set.of("ConvolutionLayer", "SeparableConvolution2D");
        int removed = 0;
        for (LayerPruneSummary l : report.layers()) {
            if (convTypes.contains(l.type()) && l.totalOutputs() >= 0 && l.keptOutputs() >= 0) {
                removed += l.totalOutputs() - l.keptOutputs();
            }
        }
        return removed;
    }

    /** Distinct types where the analysis stopped, with counts, e.g. "LocalResponseNormalization x2". */
    private static List<String> stopSummary(PruneReport report) {
        Map<String, Integer> counts = new TreeMap<>();
        for (LayerPruneSummary l : report.layers()) {
            if (!l.supported()) {
                counts.merge(l.type(), 1, Integer::sum);
            }
        }
        List<String> out = new ArrayList<>();
        counts.forEach((type, n) -> out.add(type + " x" + n));
        return out;
    }

    private static String shortly(Throwable t) {
        String s = t.getClass().getSimpleName() + ": " + t.getMessage();
        s = s.replaceAll("\\s+", " ");
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
