package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * {@code dl4jc terngrad-model}: predicted speedup of TernGrad over fp32 from {@link PerformanceModel} for LeNet, a
 * VGG-style CIFAR net and AlexNet ({@link ReferenceNetworks}), 1/10/100 Gbps, 2…512 workers, parameter server and
 * all-to-all. Per-worker compute per iteration is {@code T_c = 3 · 2 · MACs · batch / deviceFlops} (forward MACs per
 * example from {@code CostModel}; backward ≈ 2× forward; {@code deviceFlops} is an assumption, not a measurement).
 * TernGrad's codec cost is measured on this machine at the start (one segment, {@code --codec-elements} floats).
 * Prints a table and writes {@code results/terngrad-model.json} and {@code results/terngrad-model-<network>.png}.
 */
@Command(name = "terngrad-model", mixinStandardHelpOptions = true,
        description = "Performance model: predicted TernGrad speedup over fp32 vs workers and bandwidth (PS and all-to-all).")
public final class TernGradModelCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TernGradModelCommand.class);
    private static final double[] GBPS = {1, 10, 100};

    @Mixin
    OutputDirOption outOption;

    @Option(names = "--device-tflops", description = "assumed sustained compute per worker, TFLOP/s (default ${DEFAULT-VALUE})",
            defaultValue = "10")
    double deviceTflops;

    @Option(names = "--latency-us", description = "per-message latency in microseconds (default ${DEFAULT-VALUE})", defaultValue = "0")
    double latencyMicros;

    @Option(names = "--max-workers", description = "largest worker count, powers of 2 from 2 (default ${DEFAULT-VALUE})",
            defaultValue = "512")
    int maxWorkers;

    @Option(names = "--codec-elements", description = "vector size for measuring the codec (default ${DEFAULT-VALUE})",
            defaultValue = "4000000")
    int codecElements;

    @Option(names = "--codec-seconds", defaultValue = "1.0")
    double codecSeconds;

    @Override
    public Integer call() throws Exception {
        CodecResult measured = new CodecThroughput(codecSeconds, 7).ternGrad(codecElements);
        CodecCost codec = CodecCost.fromMBps(measured.encodeMBps(), measured.decodeMBps());
        log.info("Measured TernGrad codec on this machine: encode {} MB/s, decode {} MB/s ({} elements)",
                Math.round(measured.encodeMBps()), Math.round(measured.decodeMBps()), codecElements);

        List<Integer> workerCounts = new ArrayList<>();
        for (int w = 2; w <= maxWorkers; w *= 2) {
            workerCounts.add(w);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "dl4jc terngrad-model --device-tflops " + deviceTflops + " --latency-us " + latencyMicros
                + " --max-workers " + maxWorkers + " --codec-elements " + codecElements + " --codec-seconds " + codecSeconds);
        json.put("formulas", Map.of(
                "iteration", "T = T_c + T_comm (+ T_codec for TernGrad); speedup = T_fp32 / T_TernGrad at equal W",
                "compute", "T_c = 3 * 2 * forwardMACsPerExample * batchPerWorker / deviceFlops",
                "parameterServer", "T_comm = 2*W*M/B + 2*alpha; T_codec = e*M32 + W*d*M32 + e*M32 + d*M32",
                "allToAll", "fp32 ring all-reduce T_comm = 2*(W-1)*(alpha + M32/(W*B)); TernGrad all-gather T_comm = (W-1)*(alpha + Mt/B); "
                        + "T_codec = e*M32 + W*d*M32",
                "sizes", "M32 = 4N, Mt = 20 + 8L + ceil(N/4); e, d = seconds per fp32 byte = 1/measured MB/s"));
        json.put("codecMeasured", measured);
        json.put("assumptions", Map.of("deviceTflops", deviceTflops, "latencyMicros", latencyMicros,
                "overlap", "none: computation and communication are sequential"));

        List<Map<String, Object>> networks = new ArrayList<>();
        List<Map<String, Object>> predictions = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        Object[][] specs = {
                {"LeNet", ReferenceNetworks.lenet(), LeNet.INPUT, 64},
                {"VGG-CIFAR", ReferenceNetworks.vggCifar(), ReferenceNetworks.CIFAR, 128},
                {"AlexNet", ReferenceNetworks.alexNet(), ReferenceNetworks.IMAGENET, 128}};
        for (Object[] spec : specs) {
            String name = (String) spec[0];
            int batch = (Integer) spec[3];
            MultiLayerNetwork net = new MultiLayerNetwork((MultiLayerConfiguration) spec[1]);
            net.init();
            NetworkCost cost = new CostModel().of(net, (InputType) spec[2]);
            int segments = SegmentLayout.perParameter(net).count();
            double computeSeconds = 6.0 * cost.getMacs() * batch / (deviceTflops * 1e12);
            Workload workload = new Workload(name, net.numParams(), segments, computeSeconds);
            net = null;
            Map<String, Object> nj = new LinkedHashMap<>();
            nj.put("name", name);
            nj.put("params", workload.params());
            nj.put("segments", segments);
            nj.put("forwardMacsPerExample", cost.getMacs());
            nj.put("batchPerWorker", batch);
            nj.put("computeSeconds", computeSeconds);
            nj.put("fp32Bytes", workload.fp32Bytes());
            nj.put("terngradBytes", workload.ternaryBytes());
            networks.add(nj);
            table.append(String.format("%n%s: N = %,d, L = %d, T_c = %.2f ms (batch %d), fp32 %,d B, TernGrad %,d B%n", name,
                    workload.params(), segments, computeSeconds * 1e3, batch, workload.fp32Bytes(), workload.ternaryBytes()));
            table.append(String.format("  %-22s", "speedup (codec|free)"));
            workerCounts.forEach(w -> table.append(String.format("%13d", w)));
            table.append('\n');
            Map<String, List<double[]>> series = new LinkedHashMap<>();
            for (Exchange exchange : Exchange.values()) {
                for (double gbps : GBPS) {
                    Link link = Link.gbps(gbps).withLatency(latencyMicros * 1e-6);
                    String label = (exchange == Exchange.PARAMETER_SERVER ? "PS" : "all-to-all") + " " + (int) gbps + " Gbps";
                    table.append(String.format("  %-22s", label));
                    List<double[]> points = new ArrayList<>();
                    for (int w : workerCounts) {
                        double t32 = PerformanceModel.fp32Seconds(workload, exchange, link, w);
                        double tt = PerformanceModel.ternGradSeconds(workload, exchange, link, w, codec);
                        double free = PerformanceModel.speedup(workload, exchange, link, w, CodecCost.FREE);
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("network", name);
                        p.put("exchange", exchange.name());
                        p.put("gbps", gbps);
                        p.put("workers", w);
                        p.put("fp32IterationSeconds", t32);
                        p.put("terngradIterationSeconds", tt);
                        p.put("terngradCodecSeconds", PerformanceModel.codecSeconds(workload, exchange, w, codec));
                        p.put("speedup", t32 / tt);
                        p.put("speedupWithoutCodecCost", free);
                        predictions.add(p);
                        points.add(new double[]{Math.log(w) / Math.log(2), t32 / tt});
                        table.append(String.format("%13s", String.format("%.2f|%.2f", t32 / tt, free)));
                    }
                    table.append('\n');
                    series.put(label, points);
                }
            }
            Charts.line(new File(outOption.dir(), "terngrad-model-" + name.toLowerCase() + ".png"),
                    name + ": predicted TernGrad speedup over fp32 (measured codec cost included)", "log2(workers)", "speedup", series);
        }
        System.out.print(table);
        json.put("networks", networks);
        json.put("predictions", predictions);
        File file = new File(outOption.dir(), "terngrad-model.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file, json);
        log.info("Wrote {}", file);
        return 0;
    }
}
