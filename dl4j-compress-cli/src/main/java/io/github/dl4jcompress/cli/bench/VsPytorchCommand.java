package io.github.dl4jcompress.cli.bench;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.cli.models.ResNet20;
import io.github.dl4jcompress.cli.models.SmallVgg;
import io.github.dl4jcompress.cli.speed.BenchModels;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.layers.FusedInference;
import io.github.dl4jcompress.layers.Lowering;
import io.github.dl4jcompress.listeners.Charts;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc bench-vs-pytorch}: training (batch 64) and inference (batch 64 and 1) throughput, examples/s, of DL4J
 * with its own layers ({@code dl4j}), DL4J after {@link Lowering#lower} ({@code dl4j-compress}: one call, every plain
 * convolution and pooling layer lowered; inference of a MultiLayerNetwork through {@link FusedInference}) and, when {@code python3 -c 'import torch'} works, PyTorch on the same architectures
 * ({@code src/main/python/bench_vs_pytorch.py}, a worker process driven over stdin/stdout). One run, interleaved: each
 * round measures the three implementations one after the other for {@code --seconds} each, so they share the load;
 * the result is the median over rounds. Architectures on 1x28x28 input: {@code lenet} (20/50/500), {@code lenet-ssl}
 * (6/21/276) and {@code lenet-sslShapes} (2/19/275), the main job's pruned nets (all kernel positions kept there),
 * {@code resnet20} and {@code vgg} (cli/models, base width {@code --width}). Writes {@code results/vs-pytorch.json}
 * and {@code vs-pytorch.png} ({@code vs-pytorch-cpu.png}: per CPU second), ratios to PyTorch, with the load average at
 * start and end.
 */
@Command(name = "bench-vs-pytorch", mixinStandardHelpOptions = true,
        description = "DL4J vs DL4J+lowered convolutions vs PyTorch: train b64, infer b64/b1, examples per second.")
public final class VsPytorchCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(VsPytorchCommand.class);
    static final List<String> MEASURES = List.of("trainB64", "inferB64", "inferB1");

    @Option(names = "--archs", split = ",", defaultValue = "lenet,lenet-ssl,lenet-sslShapes,resnet20,vgg")
    List<String> archs;

    @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "thread counts (default ${DEFAULT-VALUE})")
    List<Integer> threads;

    @Option(names = "--rounds", defaultValue = "3", description = "interleaved rounds (median), after one warm-up round")
    int rounds;

    @Option(names = "--seconds", defaultValue = "1.5", description = "time per implementation per round")
    double seconds;

    @Option(names = "--width", defaultValue = "16", description = "base width of resnet20 and vgg")
    int width;

    @Option(names = "--python", defaultValue = "/usr/bin/python3")
    String python;

    @Option(names = "--script", defaultValue = "dl4j-compress-cli/src/main/python/bench_vs_pytorch.py")
    File script;

    @Mixin
    OutputDirOption outOption;

    /** One implementation's measures on one architecture: {examples per wall second, examples per process CPU second}. */
    interface Impl {
        double[] examplesPerSecond(String measure, double seconds) throws IOException;
    }

    @Override
    public Integer call() throws Exception {
        for (String a : archs) {
            if (!List.of("lenet", "lenet-ssl", "lenet-sslShapes", "resnet20", "vgg").contains(a)) {
                throw new IllegalArgumentException("unknown arch '" + a + "'");
            }
        }
        boolean torch = torchAvailable();
        if (!torch) {
            log.warn("bench-vs-pytorch: '{} -c \"import torch\"' failed; measuring DL4J only (apt-get install python3-torch)", python);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("loadAverage", load());
        List<Map<String, Object>> rows = new ArrayList<>();
        long start = System.nanoTime();
        int units = threads.size() * archs.size() * MEASURES.size() * (rounds + 1) * (torch ? 3 : 2);
        int done = 0;
        for (int t : threads) {
            setThreads(t);
            try (TorchWorker worker = torch ? new TorchWorker(python, script, t, width) : null) {
                for (String arch : archs) {
                    Map<String, Impl> impls = new LinkedHashMap<>();
                    impls.put("dl4j", dl4j(arch, false));
                    impls.put("dl4j-compress", dl4j(arch, true));
                    if (worker != null) {
                        impls.put("pytorch", (m, s) -> worker.measure(arch, m, s));
                    }
                    Map<String, Map<String, Object>> byImpl = new LinkedHashMap<>();
                    for (String impl : impls.keySet()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("arch", arch);
                        row.put("impl", impl);
                        row.put("threads", t);
                        byImpl.put(impl, row);
                    }
                    for (String measure : MEASURES) {
                        Map<String, double[]> samples = new LinkedHashMap<>();
                        Map<String, double[]> cpuSamples = new LinkedHashMap<>();
                        impls.keySet().forEach(k -> samples.put(k, new double[rounds]));
                        impls.keySet().forEach(k -> cpuSamples.put(k, new double[rounds]));
                        for (int r = -1; r < rounds; r++) {
                            for (Map.Entry<String, Impl> e : impls.entrySet()) {
                                double[] rate = e.getValue().examplesPerSecond(measure, r < 0 ? seconds / 2 : seconds);
                                if (r >= 0) {
                                    samples.get(e.getKey())[r] = rate[0];
                                    cpuSamples.get(e.getKey())[r] = rate[1];
                                }
                                done++;
                            }
                        }
                        samples.forEach((impl, v) -> byImpl.get(impl).put(measure, Math.round(Median.of(v) * 10) / 10.0));
                        cpuSamples.forEach((impl, v) -> byImpl.get(impl).put(measure + "PerCpuSecond", Math.round(Median.of(v) * 10) / 10.0));
                        double elapsed = (System.nanoTime() - start) / 1e9;
                        log.info("threads {} {} {}: {} ({}% done, ETA {} s)", t, arch, measure, rates(byImpl, measure),
                                100 * done / units, Math.round(elapsed / done * (units - done)));
                    }
                    rows.addAll(byImpl.values());
                }
            }
        }
        result.put("loadAverageAtEnd", load());
        result.put("rows", rows);
        result.put("ratiosToPytorch", ratios(rows));
        result.put("settings", Map.of("rounds", rounds, "secondsPerImplPerRound", seconds, "width", width,
                "torch", torch, "cpus", Runtime.getRuntime().availableProcessors(),
                "note", "examples per wall-clock second, median of interleaved rounds (*PerCpuSecond: per second of the "
                        + "process's CPU time, less sensitive to a loaded machine); dl4j-compress = Lowering.lower(network): "
                        + "every plain convolution a dense LoweredConvolution, every plain pooling layer a LoweredSubsampling, "
                        + "every batch normalization a LoweredBatchNormalization and every ReLU activation layer a LoweredActivation; "
                        + "inference (b64 and b1) through FusedInference.of(that network) when it is a MultiLayerNetwork; lenet-ssl/-sslShapes are the pruned dense-shaped nets"));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outOption.dir(), "vs-pytorch.json"), result);
        chart(rows, new File(outOption.dir(), "vs-pytorch.png"), "");
        chart(rows, new File(outOption.dir(), "vs-pytorch-cpu.png"), "PerCpuSecond");
        log.info("wrote {}", new File(outOption.dir(), "vs-pytorch.json"));
        return 0;
    }

    private static String rates(Map<String, Map<String, Object>> byImpl, String measure) {
        StringBuilder s = new StringBuilder();
        byImpl.forEach((impl, row) -> s.append(impl).append('=').append(row.get(measure)).append(' '));
        return s.toString().trim();
    }

    /** The row fields: each measure per wall-clock second, then per CPU second. */
    static List<String> measureKeys() {
        List<String> k = new ArrayList<>(MEASURES);
        MEASURES.forEach(m -> k.add(m + "PerCpuSecond"));
        return k;
    }

    /** {arch/threads/measure: {impl: rate / pytorch rate}}. */
    static Map<String, Map<String, Double>> ratios(List<Map<String, Object>> rows) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            if (row.get("impl").equals("pytorch")) {
                continue;
            }
            Map<String, Object> torch = rows.stream().filter(r -> r.get("impl").equals("pytorch")
                    && r.get("arch").equals(row.get("arch")) && r.get("threads").equals(row.get("threads"))).findFirst().orElse(null);
            if (torch == null) {
                continue;
            }
            for (String m : measureKeys()) {
                String key = row.get("arch") + "/" + row.get("threads") + "t/" + m;
                out.computeIfAbsent(key, k -> new LinkedHashMap<>()).put((String) row.get("impl"),
                        Math.round(1000 * ((Number) row.get(m)).doubleValue() / ((Number) torch.get(m)).doubleValue()) / 1000.0);
            }
        }
        return out;
    }

    /** Bars per architecture: one series per (implementation, measure), as a ratio to PyTorch when it ran. */
    private void chart(List<Map<String, Object>> rows, File png, String suffix) throws IOException {
        int t0 = threads.get(0);
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        Map<String, Map<String, Double>> r = ratios(rows);
        boolean relative = !r.isEmpty();
        for (String measure : MEASURES) {
            String m = measure + suffix;
            for (Map<String, Object> row : rows) {
                if (!row.get("threads").equals(t0) || (relative && row.get("impl").equals("pytorch"))) {
                    continue;
                }
                double v = relative ? r.get(row.get("arch") + "/" + t0 + "t/" + m).get((String) row.get("impl"))
                        : ((Number) row.get(m)).doubleValue();
                series.computeIfAbsent(row.get("impl") + " " + measure, k -> new LinkedHashMap<>()).put((String) row.get("arch"), v);
            }
        }
        String what = suffix.isEmpty() ? "Examples/s" : "Examples per CPU second";
        String title = relative ? what + " relative to PyTorch (1.0 = PyTorch), " + t0 + " thread, load " + load()
                : what + ", " + t0 + " thread (PyTorch not installed), load " + load();
        Charts.bars(png, title, "", relative ? "x PyTorch" : "examples/s", series);
    }

    /** A DL4J network of {@code arch}, with DL4J's layers or lowered by {@link Lowering#lower}. */
    private Impl dl4j(String arch, boolean lowered) {
        long seed = 1;
        MultiLayerNetwork mln = null;
        ComputationGraph cg = null;
        switch (arch) {
            case "lenet":
                mln = new MultiLayerNetwork(LeNet.configuration(seed, 0.01));
                mln.init();
                break;
            case "lenet-ssl":
            case "lenet-sslShapes":
                mln = BenchModels.pruned(arch, seed);
                break;
            case "resnet20":
                cg = new ComputationGraph(ResNet20.configuration(seed, width, 0.01));
                cg.init();
                break;
            default:
                mln = new MultiLayerNetwork(SmallVgg.configuration(seed, width, 0.01));
                mln.init();
        }
        if (lowered) {
            mln = mln == null ? null : Lowering.lower(mln);
            cg = cg == null ? null : Lowering.lower(cg);
        }
        boolean flat = !arch.equals("resnet20");
        MultiLayerNetwork m = mln;
        ComputationGraph g = cg;
        FusedInference fused = lowered && mln != null && FusedInference.whyNot(mln) == null ? FusedInference.of(mln) : null;
        return (measure, secs) -> {
            int batch = measure.equals("inferB1") ? 1 : 64;
            Nd4j.getRandom().setSeed(batch);
            INDArray x = flat ? Nd4j.rand(DataType.FLOAT, batch, 784) : Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
            for (int i = 0; i < batch; i++) {
                y.putScalar(i, i % 10, 1f);
            }
            Runnable run;
            if (measure.equals("trainB64")) {
                run = m != null ? () -> m.fit(x, y) : () -> g.fit(new INDArray[]{x}, new INDArray[]{y});
            } else if (fused != null) {
                run = () -> fused.output(x);
            } else {
                run = m != null ? () -> m.output(x) : () -> g.outputSingle(x);
            }
            // the warm-up round (shorter budget) compiles and sizes buffers; later rounds need one call to settle
            for (int i = 0; i < (secs < seconds ? 3 : 1); i++) {
                run.run();
            }
            long calls = 0;
            long t0 = System.nanoTime();
            long c0 = processCpuNanos();
            double elapsed;
            do {
                run.run();
                calls++;
                elapsed = (System.nanoTime() - t0) / 1e9;
            } while (elapsed < secs);
            double cpu = (processCpuNanos() - c0) / 1e9;
            return new double[]{calls * batch / elapsed, calls * batch / Math.max(cpu, 1e-9)};
        };
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void setThreads(int t) {
        Nd4j.getEnvironment().setMaxThreads(t);
        Nd4j.getEnvironment().setMaxMasterThreads(t);
        Nd4j.factory().blas().setMaxThreads(t);
    }

    private boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 && script.isFile();
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static double load() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }

    /** The PyTorch worker process (bench_vs_pytorch.py) with {@code threads} threads. */
    static final class TorchWorker implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;
        private final ObjectMapper json = new ObjectMapper();

        TorchWorker(String python, File script, int threads, int width) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(python, script.getPath()).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            process = pb.start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Map<?, ?> ready = ask(Map.of("threads", threads, "width", width));
            log.info("PyTorch worker: {}", ready);
        }

        double[] measure(String arch, String measure, double seconds) throws IOException {
            Map<?, ?> r = ask(Map.of("arch", arch, "measure", measure, "seconds", seconds));
            return new double[]{((Number) r.get("examplesPerSecond")).doubleValue(), ((Number) r.get("examplesPerCpuSecond")).doubleValue()};
        }

        private Map<?, ?> ask(Map<String, Object> request) throws IOException {
            in.write(json.writeValueAsString(request) + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IOException("PyTorch worker exited (see its stderr above)");
            }
            return json.readValue(line, Map.class);
        }

        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroy();
                }
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
            }
        }
    }
}
