package io.github.dl4jcompress.cli.cluster;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.github.dl4jcompress.cli.terngrad.CodecCost;
import io.github.dl4jcompress.cli.terngrad.Exchange;
import io.github.dl4jcompress.cli.terngrad.Link;
import io.github.dl4jcompress.cli.terngrad.PerformanceModel;
import io.github.dl4jcompress.cli.terngrad.Workload;
import io.github.dl4jcompress.listeners.Charts;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Turns the jobs of {@code cluster.sh measure} ({@code <runs>/h<hosts>-<rate>-<mode>/spark.json} + {@code
 * cluster-run.json}) into {@code results/cluster.json} (the fields) and charts, with {@link PerformanceModel}'s
 * prediction beside each measured point.
 *
 * <p>Per run: iterations per host {@code I = epochs·⌈train/batch⌉/hosts}; measured seconds per iteration = fit seconds
 * / {@code I}; compute per iteration {@code T_c} = the hosts' mean executor CPU seconds / {@code I} (an upper bound:
 * it includes Spark's and the codec's CPU); communication = measured − {@code T_c}. Prediction: {@code T_c} + the
 * model's {@code T_comm} (+ {@code T_codec} for TernGrad) with {@link Exchange#ALL_TO_ALL} — in this cluster only
 * the hosts' links are shaped (the driver sits on the unshaped bridge), so the bottleneck is each host's own link,
 * which carries its own message up and the others' down: {@code (W−1)·M_t/B} for TernGrad, {@code M₃₂/B} each way
 * for averaging ({@code = 2(W−1)M₃₂/(W·B)} at {@code W = 2}); averaging every 5 divides {@code T_comm} by 5. DL4J's
 * threshold encoding has no entry in the model (its message size adapts). Time to target = the cumulative fit time
 * of the first epoch whose driver-model accuracy reaches the target (epoch granularity).
 */
@Command(name = "cluster-report", mixinStandardHelpOptions = true,
        description = "results/cluster.json + charts from cluster.sh measure runs, with PerformanceModel predictions")
public final class ClusterReportCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ClusterReportCommand.class);
    private static final long LENET_PARAMS = 431_080;
    private static final int LENET_ARRAYS = 8;

    @Option(names = "--runs", description = "directory of the measured jobs (default ${DEFAULT-VALUE})",
            defaultValue = "dl4j-compress-cli/target/cluster/results")
    File runs;

    @Option(names = "--target", description = "target test accuracy (default ${DEFAULT-VALUE})", defaultValue = "0.6")
    double target;

    @Option(names = "--mac-json", description = "codec timing (default ${DEFAULT-VALUE})",
            defaultValue = "results/terngrad-mac.json")
    File macJson;

    @Option(names = "--out", description = "output directory (default ${DEFAULT-VALUE})", defaultValue = "results")
    File out;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CodecCost codec = codecCost(json);
        List<Map<String, Object>> rows = new ArrayList<>();
        File[] dirs = runs.listFiles(f -> f.isDirectory() && f.getName().matches("h[0-9]+-[0-9.]+[kmg]?bit-[A-Za-z0-9]+")
                && new File(f, "cluster-run.json").isFile()
                && new File(f, "spark.json").isFile());
        if (dirs == null || dirs.length == 0) {
            throw new IllegalArgumentException("No measured runs (cluster-run.json + spark.json) under " + runs);
        }
        for (File dir : dirs) {
            rows.add(row(json, dir, codec));
        }
        rows.sort(Comparator.comparing((Map<String, Object> r) -> (Integer) r.get("hosts"))
                .thenComparing(r -> (Double) r.get("bandwidthMbit")).thenComparing(r -> modeOrder((String) r.get("mode"))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("what", "spark-terngrad (LeNet, plain SGD) on a Spark standalone cluster of network-namespace hosts "
                + "(dl4j-compress-cli/cluster.sh measure), one 1-core executor per host, host links shaped with tbf in both "
                + "directions (no added delay: no netem in this kernel); all hosts, the driver and 4 other engineers' jobs "
                + "shared one 2-vCPU machine");
        doc.put("runs", rows);
        List<Map<String, Object>> faults = faults(json);
        doc.put("faults", faults);
        doc.put("faultsStatus", faults.isEmpty() ? "not measured" : "only 'cut one host link' was run, for the modes "
                + "listed (cluster.sh FAULT=cut:<host>:<after s>:<for s>); executor kill and driver kill + --resume were "
                + "not run. spark-terngrad saves no model, so savedModelValid is null");
        doc.put("forged", null);
        doc.put("forgedStatus", "not measured on the namespace cluster; see AuthenticatedExchangeTest (in memory, "
                + "1680 rogue messages refused, replicas bit-identical)");
        doc.put("codecCost", Map.of("encodeSecondsPerByte", codec.encodeSecondsPerByte(),
                "decodeSecondsPerByte", codec.decodeSecondsPerByte(), "source", macJson.getPath()
                        + " (encode; decode assumed equal)"));
        doc.put("model", "PerformanceModel, Exchange.ALL_TO_ALL, workers = hosts, Link(rate, 0 latency), T_c measured");
        doc.put("loadAverageAtReport", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.mkdirs();
        charts(rows);
        File file = new File(out, "cluster.json");
        json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(file, doc);
        log.info("Wrote {} ({} runs)", file, rows.size());
        for (Map<String, Object> r : rows) {
            System.out.printf("%d hosts %7.0f Mbit %-17s acc %.3f  toTarget %8s s  measured %.3f s/it (compute %.3f) "
                            + "predicted %s s/it  bytes/host/it %.0f%n", r.get("hosts"), r.get("bandwidthMbit"), r.get("mode"),
                    r.get("finalAccuracy"), r.get("secondsToTarget"), r.get("measuredSecondsPerIteration"),
                    r.get("computeSecondsPerIteration"), r.get("predictedSecondsPerIteration"),
                    r.get("bytesPerHostPerIteration"));
        }
        return 0;
    }

    private Map<String, Object> row(ObjectMapper json, File dir, CodecCost codec) throws Exception {
        JsonNode cluster = json.readTree(new File(dir, "cluster-run.json"));
        JsonNode run = json.readTree(new File(dir, "spark.json")).get("runs").get(0);
        String[] name = dir.getName().split("-", 3); // h2-100mbit-averaging1
        int hosts = Integer.parseInt(name[0].substring(1));
        double mbit = rateMbit(name[1]);
        String mode = name[2];
        int epochs = run.get("epochs").asInt();
        int batches = (int) Math.ceil(run.get("trainExamples").asDouble() / run.get("batchPerWorker").asInt());
        double iterations = (double) epochs * batches / hosts;
        double fitSeconds = run.get("seconds").asDouble();
        double measured = fitSeconds / iterations;
        double cpu = 0;
        for (JsonNode h : cluster.get("hosts")) {
            cpu += h.get("cpuSeconds").asDouble();
        }
        double compute = cpu / hosts / iterations;
        List<Long> bytesPerHost = new ArrayList<>();
        List<Map<String, Long>> linkBytes = new ArrayList<>();
        JsonNode ifaces = run.get("interfaceBytesDuringFits");
        if (ifaces != null) {
            ifaces.fields().forEachRemaining(e -> {
                long rx = e.getValue().get("received").asLong();
                long tx = e.getValue().get("transmitted").asLong();
                bytesPerHost.add(rx + tx);
                linkBytes.add(Map.of("sentByHost", rx, "receivedByHost", tx));
            });
        }
        Double secondsToTarget = null;
        JsonNode acc = run.get("accuracyByEpoch");
        JsonNode fit = run.get("fitSecondsByEpoch");
        for (int e = 0; e < acc.size(); e++) {
            if (acc.get(e).asDouble() >= target) {
                secondsToTarget = fit.get(e).asDouble();
                break;
            }
        }
        Double predicted = predict(mode, hosts, mbit, compute, codec);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("hosts", hosts);
        r.put("bandwidthMbit", mbit);
        r.put("mode", mode);
        r.put("secondsToTarget", secondsToTarget);
        r.put("targetAccuracy", target);
        r.put("finalAccuracy", run.get("accuracy").asDouble());
        r.put("accuracyByEpoch", acc);
        r.put("fitSecondsByEpoch", fit);
        r.put("bytesPerHost", bytesPerHost);
        r.put("linkBytesPerHost", linkBytes);
        r.put("bytesPerHostPerIteration", bytesPerHost.stream().mapToLong(Long::longValue).average().orElse(0) / iterations);
        r.put("iterationsPerHost", iterations);
        r.put("measuredSecondsPerIteration", measured);
        r.put("computeSecondsPerIteration", compute);
        r.put("communicationSecondsPerIteration", measured - compute);
        r.put("predictedSecondsPerIteration", predicted);
        r.put("predictedOverMeasured", predicted == null ? null : predicted / measured);
        r.put("cpuSecondsPerHost", cluster.get("hosts").findValues("cpuSeconds"));
        r.put("jobWallSeconds", cluster.get("wallSeconds").asDouble());
        r.put("exit", cluster.get("exit").asInt());
        r.put("command", run.has("job") ? "cluster.sh measure: spark-terngrad " + dir.getName() : dir.getName());
        return r;
    }

    /** Jobs run with {@code FAULT=cut:...}: {@code <runs>/h<hosts>-<rate>-<mode>-cut<host>-<seconds>s}. */
    private List<Map<String, Object>> faults(ObjectMapper json) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        File[] dirs = runs.listFiles(f -> f.isDirectory() && f.getName().matches("h[0-9]+-[^-]+-[A-Za-z0-9]+-cut[0-9]+-[0-9]+s")
                && new File(f, "cluster-run.json").isFile());
        if (dirs == null) {
            return out;
        }
        java.util.Arrays.sort(dirs);
        for (File dir : dirs) {
            String[] name = dir.getName().split("-");
            JsonNode cluster = json.readTree(new File(dir, "cluster-run.json"));
            int exit = cluster.get("exit").asInt();
            File spark = new File(dir, "spark.json");
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("mode", name[2]);
            f.put("fault", "host " + name[3].substring(3) + " link cut (veth down) for " + name[4]
                    + " during the fit, then restored");
            f.put("outcome", exit == 0 ? "finished" : exit == 124 || exit == 137 ? "hung" : "failed-clearly");
            f.put("savedModelValid", null);
            f.put("exit", exit);
            f.put("hosts", Integer.parseInt(name[0].substring(1)));
            f.put("bandwidthMbit", rateMbit(name[1]));
            f.put("jobWallSeconds", cluster.get("wallSeconds").asDouble());
            if (exit == 0 && spark.isFile()) {
                JsonNode run = json.readTree(spark).get("runs").get(0);
                f.put("finalAccuracy", run.get("accuracy").asDouble());
                f.put("fitSecondsByEpoch", run.get("fitSecondsByEpoch"));
                f.put("accuracyByEpoch", run.get("accuracyByEpoch"));
            }
            out.add(f);
        }
        return out;
    }

    /** The model's seconds per iteration, or null where it has no formula (DL4J's adaptive threshold). */
    static Double predict(String mode, int hosts, double mbit, double compute, CodecCost codec) {
        Link link = new Link(mbit * 1e6 / 8, 0);
        switch (mode) {
            case "averaging1":
                return PerformanceModel.fp32Seconds(new Workload("LeNet", LENET_PARAMS, LENET_ARRAYS, compute),
                        Exchange.ALL_TO_ALL, link, hosts);
            case "averaging5":
                return compute + PerformanceModel.communicationSeconds(4 * LENET_PARAMS, Exchange.ALL_TO_ALL, false, link,
                        hosts) / 5;
            case "terngradPerLayer":
                return PerformanceModel.ternGradSeconds(new Workload("LeNet", LENET_PARAMS, LENET_ARRAYS, compute),
                        Exchange.ALL_TO_ALL, link, hosts, codec);
            case "terngradGlobal":
                return PerformanceModel.ternGradSeconds(new Workload("LeNet", LENET_PARAMS, 1, compute),
                        Exchange.ALL_TO_ALL, link, hosts, codec);
            default:
                return null;
        }
    }

    private CodecCost codecCost(ObjectMapper json) throws Exception {
        JsonNode m = json.readTree(macJson).get("messages").get("lenet-per-layer");
        double mbps = 4.0 * m.get("parameters").asLong() / 1e6 / m.get("encodeSeconds").asDouble();
        return CodecCost.fromMBps(mbps, mbps);
    }

    private void charts(List<Map<String, Object>> rows) throws Exception {
        Map<String, List<double[]>> toTarget = new TreeMap<>();
        Map<String, Map<String, Double>> perIteration = new LinkedHashMap<>();
        Map<String, Map<String, Double>> bytes = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String series = r.get("mode") + " (" + r.get("hosts") + " hosts)";
            String point = String.format("%s %.0fM", SHORT.getOrDefault((String) r.get("mode"), (String) r.get("mode")),
                    (Double) r.get("bandwidthMbit"));
            if (r.get("secondsToTarget") != null) {
                toTarget.computeIfAbsent(series, k -> new ArrayList<>())
                        .add(new double[] {(Double) r.get("bandwidthMbit"), (Double) r.get("secondsToTarget")});
            }
            perIteration.computeIfAbsent("measured", k -> new LinkedHashMap<>()).put(point,
                    (Double) r.get("measuredSecondsPerIteration"));
            perIteration.computeIfAbsent("compute (CPU)", k -> new LinkedHashMap<>()).put(point,
                    (Double) r.get("computeSecondsPerIteration"));
            if (r.get("predictedSecondsPerIteration") != null) {
                perIteration.computeIfAbsent("predicted", k -> new LinkedHashMap<>()).put(point,
                        (Double) r.get("predictedSecondsPerIteration"));
            }
            bytes.computeIfAbsent(String.format("%.0f Mbit", (Double) r.get("bandwidthMbit")), k -> new LinkedHashMap<>())
                    .put((String) r.get("mode"), (Double) r.get("bytesPerHostPerIteration") / 1e6);
        }
        Charts.line(new File(out, "cluster-time-to-accuracy.png"), "Fit seconds to " + target + " test accuracy vs "
                + "host link bandwidth", "bandwidth (Mbit/s)", "seconds", toTarget);
        Charts.bars(new File(out, "cluster-seconds-per-iteration.png"), "Seconds per iteration: measured, compute, "
                + "PerformanceModel", "mode, bandwidth", "seconds", perIteration);
        Charts.bars(new File(out, "cluster-bytes-per-iteration.png"), "MB per host link per iteration (both ways, "
                + "veth counters)", "mode", "MB", bytes);
    }

    private static final Map<String, String> SHORT = Map.of("averaging1", "avg1", "averaging5", "avg5",
            "threshold", "thr", "terngradGlobal", "tgG", "terngradPerLayer", "tgPL");

    private static double rateMbit(String rate) {
        String r = rate.toLowerCase().replace("bit", "");
        double m = r.endsWith("g") ? 1000 : r.endsWith("m") ? 1 : r.endsWith("k") ? 0.001 : 1e-6;
        return Double.parseDouble(r.replaceAll("[kmg]$", "")) * m;
    }

    private static int modeOrder(String mode) {
        List<String> order = List.of("averaging1", "averaging5", "threshold", "terngradGlobal", "terngradPerLayer");
        int i = order.indexOf(mode);
        return i < 0 ? order.size() : i;
    }
}
