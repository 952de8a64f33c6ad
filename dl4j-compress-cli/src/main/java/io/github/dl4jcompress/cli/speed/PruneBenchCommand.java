package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.prune.LoweringDecision;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc prune-bench}: dense vs pruned inference, whole network and per layer, at batch 1 and 64, for the
 * {@link BenchModels}. Variants: {@code dense} (DL4J), {@code denseWsNone} (same, inference workspaces off),
 * {@code denseLowered} (dense with convolutions lowered where faster), {@code pruned} (StructuredPruner, DL4J layers)
 * and {@code prunedLowered} (pruned, convolutions lowered where faster: {@link LoweringMode#IF_FASTER}). Reports
 * {@code speedup = t(dense) / t(variant)}, the MAC ratio {@code macs(dense) / effectiveMacs(pruned)} and the
 * efficiency {@code speedup / macRatio}; writes {@code results/prune-bench.json} and {@code prune-bench.png}.
 * Timings are interleaved round by round (see {@link LayerTimer}); run with {@code OMP_NUM_THREADS=1}.
 */
@Command(name = "prune-bench", mixinStandardHelpOptions = true,
        description = "Dense vs pruned (and lowered) inference time, per layer and whole network, batch 1 and 64.")
public final class PruneBenchCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(PruneBenchCommand.class);

    @Option(names = "--models", split = ",", defaultValue = "lenet-ssl,lenet-sslShapes,vgg",
            description = "benchmark models (default ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--batches", split = ",", defaultValue = "1,64")
    List<Integer> batches;

    @Option(names = "--rounds", defaultValue = "7", description = "interleaved rounds per measurement (median)")
    int rounds;

    @Option(names = "--seconds", defaultValue = "0.3", description = "time budget per candidate per round")
    double seconds;

    @Mixin
    SeedOption seedOption = new SeedOption(12345);

    @Mixin
    OutputDirOption outOption;

    @Option(names = "--replot", description = "only redraw prune-bench.png from an existing prune-bench.json in --out")
    boolean replot;

    @Override
    public Integer call() throws Exception {
        if (replot) {
            replot();
            return 0;
        }
        if (rounds < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("--rounds must be >= 1 and --seconds > 0");
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        root.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        root.put("loadAverageAtStart", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        root.put("settings", Map.of("rounds", rounds, "secondsPerRound", seconds, "seed", seedOption.seed(), "batches", batches));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String model : models) {
            rows.add(benchModel(model));
        }
        root.put("models", rows);
        root.put("notes", List.of(
                "speedup = CPU time(dense DL4J network) / CPU time(variant): thread CPU time per call, same process, interleaved rounds, median; wallSpeedup the same with wall-clock time (inflated and noisy when the shared machine is overloaded: see loadAverage)",
                "macRatio = MACs(dense) / effective MACs(pruned); efficiency = speedup / macRatio",
                "prunedLowered: StructuredPruner with lowerConvolutions(IF_FASTER) timed on a batch of 64 (LeNet) / 16 (VGG)",
                "denseWsNone: the dense network with inference workspaces off (LeNet only)",
                "layer times: forward of one layer on its real input, inference mode, in a workspace"));
        root.put("loadAverageAtEnd", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        File json = new File(outOption.dir(), "prune-bench.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, root);
        log.info("wrote {}", json);
        replot();
        return 0;
    }

    private Map<String, Object> benchModel(String model) {
        MultiLayerNetwork dense = BenchModels.dense(model, seedOption.seed());
        MultiLayerNetwork zeroed = BenchModels.zeroed(model, dense, seedOption.seed());
        INDArray timing = BenchModels.input(model, BenchModels.timingBatch(model), seedOption.seed() + 1);
        MultiLayerNetwork pruned = BenchModels.prune(zeroed, LoweringMode.NEVER, timing).network();
        PruneResult<MultiLayerNetwork> lowered = BenchModels.prune(zeroed, LoweringMode.IF_FASTER, timing);
        PruneResult<MultiLayerNetwork> denseLowered = BenchModels.prune(dense, LoweringMode.IF_FASTER, timing);
        MultiLayerNetwork denseWsNone = dense.clone();
        denseWsNone.getLayerWiseConfigurations().setInferenceWorkspaceMode(WorkspaceMode.NONE);
        NetworkCost dc = new CostModel().of(dense, BenchModels.inputType(model));
        NetworkCost pc = new CostModel().of(pruned, BenchModels.inputType(model));
        double macRatio = (double) dc.getMacs() / pc.getEffectiveMacs();

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model);
        row.put("macsDense", dc.getMacs());
        row.put("macsPruned", pc.getEffectiveMacs());
        row.put("macRatio", macRatio);
        row.put("paramsDense", dense.numParams());
        row.put("paramsPruned", pruned.numParams());
        row.put("lowering", decisions(lowered.report().lowering()));
        row.put("loweringOfDense", decisions(denseLowered.report().lowering()));
        List<Map<String, Object>> perBatch = new ArrayList<>();
        // inference without workspaces allocates every activation off-heap: measured on the small models only
        boolean wsNone = !model.equals("vgg");
        MultiLayerNetwork[] nets = wsNone ? new MultiLayerNetwork[]{dense, denseLowered.network(), pruned, lowered.network(), denseWsNone}
                : new MultiLayerNetwork[]{dense, denseLowered.network(), pruned, lowered.network()};
        String[] names = {"dense", "denseLowered", "pruned", "prunedLowered", "denseWsNone"};
        for (int batch : batches) {
            INDArray x = BenchModels.input(model, batch, seedOption.seed() + 2);
            List<Runnable> tasks = new ArrayList<>();
            for (MultiLayerNetwork n : nets) {
                tasks.add(() -> n.output(x, false));
            }
            double[][] both = LayerTimer.interleaved(tasks, rounds, batch == 1 ? seconds : seconds * 2);
            double[] t = both[1];
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("batch", batch);
            Map<String, Object> ms = new LinkedHashMap<>();
            Map<String, Object> wallMs = new LinkedHashMap<>();
            Map<String, Object> speedup = new LinkedHashMap<>();
            Map<String, Object> wallSpeedup = new LinkedHashMap<>();
            for (int i = 0; i < nets.length; i++) {
                ms.put(names[i], t[i] / 1e3);
                wallMs.put(names[i], both[0][i] / 1e3);
                speedup.put(names[i], t[0] / t[i]);
                wallSpeedup.put(names[i], both[0][0] / both[0][i]);
            }
            b.put("wholeNetworkCpuMs", ms);
            b.put("speedup", speedup);
            b.put("wholeNetworkWallMs", wallMs);
            b.put("wallSpeedup", wallSpeedup);
            b.put("timingThreadShareOfProcessCpu", both[2][0]);
            b.put("efficiency", t[0] / t[3] / macRatio);
            b.put("efficiencyVsLoweredDense", t[1] / t[3] / macRatio);
            b.put("efficiencyDl4jLayersOnly", t[0] / t[2] / macRatio);
            b.put("layers", layers(dense, pruned, lowered.network(), x));
            perBatch.add(b);
            log.info("{} batch {}: dense {} ms, pruned {} ms, prunedLowered {} ms; speedup {} (lowered {}), MAC ratio {}",
                    model, batch, t[0] / 1e3, t[2] / 1e3, t[3] / 1e3, t[0] / t[2], t[0] / t[3], macRatio);
        }
        row.put("batches", perBatch);
        return row;
    }

    /** Draws prune-bench.png (speedups and MAC ratio per model and batch) from prune-bench.json in {@code out}. */
    @SuppressWarnings("unchecked")
    private void replot() throws java.io.IOException {
        File json = new File(outOption.dir(), "prune-bench.json");
        if (!json.isFile()) {
            throw new IllegalArgumentException("no " + json + " to plot");
        }
        Map<String, Object> root = new ObjectMapper().readValue(json, Map.class);
        Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) root.get("models")) {
            String model = ((String) m.get("model")).replace("lenet-", "");
            double macRatio = ((Number) m.get("macRatio")).doubleValue();
            for (Map<String, Object> b : (List<Map<String, Object>>) m.get("batches")) {
                String key = model + " b" + b.get("batch");
                Map<String, Object> sp = (Map<String, Object>) b.get("speedup");
                chart.computeIfAbsent("pruned (DL4J layers)", k -> new LinkedHashMap<>()).put(key, ((Number) sp.get("pruned")).doubleValue());
                chart.computeIfAbsent("pruned + lowered conv", k -> new LinkedHashMap<>()).put(key, ((Number) sp.get("prunedLowered")).doubleValue());
                chart.computeIfAbsent("MAC ratio", k -> new LinkedHashMap<>()).put(key, macRatio);
            }
        }
        Charts.bars(new File(outOption.dir(), "prune-bench.png"), "Pruned inference speedup over the dense DL4J network (CPU time)",
                "model / batch", "x faster (MAC ratio for reference)", chart);
    }

    private List<Map<String, Object>> layers(MultiLayerNetwork dense, MultiLayerNetwork pruned, MultiLayerNetwork lowered, INDArray x) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < dense.getnLayers(); i++) {
            List<Runnable> tasks = List.of(LayerTimer.layerTask(dense, i, x), LayerTimer.layerTask(pruned, i, x),
                    LayerTimer.layerTask(lowered, i, x));
            double[][] both = LayerTimer.interleaved(tasks, Math.max(3, rounds / 2), seconds / 2);
            double[] t = both[1];
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("name", dense.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName());
            l.put("denseCpuUs", t[0]);
            l.put("prunedCpuUs", t[1]);
            l.put("prunedLoweredCpuUs", t[2]);
            l.put("denseWallUs", both[0][0]);
            l.put("prunedWallUs", both[0][1]);
            l.put("prunedLoweredWallUs", both[0][2]);
            l.put("prunedLoweredType", lowered.getLayerWiseConfigurations().getConf(i).getLayer().getClass().getSimpleName());
            l.put("speedup", t[0] / t[1]);
            l.put("speedupLowered", t[0] / t[2]);
            out.add(l);
        }
        return out;
    }

    private static List<Map<String, Object>> decisions(List<LoweringDecision> ds) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LoweringDecision d : ds) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", d.layer());
            m.put("keptPositions", d.keptPositions());
            m.put("totalPositions", d.totalPositions());
            m.put("convolutionUs", d.convolutionMicros());
            m.put("loweredUs", d.loweredMicros());
            m.put("lowered", d.lowered());
            out.add(m);
        }
        return out;
    }
}
