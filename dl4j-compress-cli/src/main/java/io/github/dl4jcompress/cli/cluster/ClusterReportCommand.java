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
import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.listeners.Charts;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.spark.EpochCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    DataOption data;

    @Option(names = "--cores", description = "cores the hosts and the driver shared (default: this machine's, ${DEFAULT-VALUE})",
            defaultValue = "0")
    int cores;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        if (cores <= 0) {
            cores = Runtime.getRuntime().availableProcessors();
        }
        CodecCost codec = codecCost(json);
        List<Map<String, Object>> rows = new ArrayList<>();
        File[] dirs = runs.listFiles(f -> f.isDirectory() && f.getName().matches("h[0-9]+-[0-9.]+[kmg]?bit-[A-Za-z0-9]+")
                && new File(f, "cluster-run.json").isFile()
                && new File(f, "spark.json").isFile());
        for (File dir : dirs == null ? new File[0] : dirs) {
            rows.add(row(json, dir, codec));
        }
        File previous = new File(out, "cluster.json");
        JsonNode before = previous.isFile() ? json.readTree(previous) : null;
        if (before != null) { // points measured earlier and not again: kept, their prediction recomputed
            for (JsonNode old : before.path("runs")) {
                if (rows.stream().noneMatch(r -> samePoint(r, old))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = json.treeToValue(old, LinkedHashMap.class);
                    r.put("idealPredictedSecondsPerIteration", predict(old.get("mode").asText(), old.get("hosts").asInt(),
                            old.get("bandwidthMbit").asDouble(), old.get("computeSecondsPerIteration").asDouble(), codec));
                    r.putIfAbsent("measuredIn", "an earlier cluster-report (its job directories are gone; kept as measured)");
                    rows.add(r);
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("No measured runs (cluster-run.json + spark.json) under " + runs);
        }
        Map<String, Object> model = applyModel(rows);
        rows.sort(Comparator.comparing((Map<String, Object> r) -> (Integer) r.get("hosts"))
                .thenComparing(r -> (Double) r.get("bandwidthMbit")).thenComparing(r -> modeOrder((String) r.get("mode"))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("what", "spark-terngrad (LeNet, plain SGD) on a Spark standalone cluster of network-namespace hosts "
                + "(dl4j-compress-cli/cluster.sh measure), one 1-core executor per host, host links shaped with tbf in both "
                + "directions (no added delay: no netem in this kernel); all hosts, the driver and 4 other engineers' jobs "
                + "shared one 2-vCPU machine");
        doc.put("runs", rows);
        List<Map<String, Object>> faults = faults(json);
        if (before != null) {
            for (JsonNode old : before.path("faults")) {
                if (faults.stream().noneMatch(f -> f.get("mode").equals(old.get("mode").asText()) && sameKind(f, old))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> f = json.treeToValue(old, LinkedHashMap.class);
                    f.putIfAbsent("measuredIn", "an earlier cluster-report (kept as measured)");
                    faults.add(f);
                }
            }
        }
        doc.put("faults", faults);
        doc.put("faultsStatus", faults.isEmpty() ? "not measured" : "cluster.sh FAULT=cut:<host>:<after>:<for> | "
                + "killexec:<host>:<after> | killdriver:<after> (after = seconds after the job's first epoch checkpoint); "
                + "fault jobs checkpoint every epoch and give up on an epoch after --epoch-timeout with exit status 3; "
                + "savedModelValid = EpochCheckpoint.verify of the last checkpoint (loads, finite, epoch count, accuracy "
                + "equal to the driver's after that epoch)");
        Map<String, Object> forged = forged(json);
        if (forged != null || before == null || before.path("forged").isNull()) {
            doc.put("forged", forged);
            doc.put("forgedStatus", forged != null && Boolean.TRUE.equals(forged.get("rogueJoinedMesh"))
                    ? "measured: cluster.sh FAULT=rogue vs FAULT=clean (same job settings); refused = the fewest any "
                    + "receiver (driver, each executor) refused of the rogue's broadcasts"
                    : forged != null ? "not measured: the rogue (cluster.sh FAULT=rogue) never joined DL4J's mesh: "
                    + "SharedTrainingMaster picks a random Aeron stream id per job and the rogue published on the "
                    + "default 119 (see docs/cluster.md); in-memory evidence: AuthenticatedExchangeTest"
                    : "not measured on the namespace cluster; see AuthenticatedExchangeTest (in memory, 1680 rogue "
                    + "messages refused, replicas bit-identical)");
        } else {
            doc.put("forged", before.get("forged"));
            doc.put("forgedStatus", before.path("forgedStatus").asText());
        }
        doc.put("codecCost", Map.of("encodeSecondsPerByte", codec.encodeSecondsPerByte(),
                "decodeSecondsPerByte", codec.decodeSecondsPerByte(), "source", macJson.getPath()
                        + " (encode; decode assumed equal)"));
        doc.put("model", model);
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
        r.put("idealPredictedSecondsPerIteration", predicted);
        r.put("cpuSecondsPerHost", cluster.get("hosts").findValues("cpuSeconds"));
        // the driver JVM's CPU during the fits (jobs from session 21 on), and the machine's CPU over the whole job:
        // ours (executors + driver) and everybody else's (the other engineers' jobs on the same 2 cores)
        if (run.has("driverCpuSecondsInFits")) {
            r.put("driverCpuSecondsPerIteration", run.get("driverCpuSecondsInFits").asDouble() / iterations);
        }
        if (cluster.has("machineBusyCpuSeconds")) {
            double ours = cpu + cluster.path("driverCpuSeconds").asDouble();
            double busy = cluster.get("machineBusyCpuSeconds").asDouble();
            r.put("jobCpuSeconds", Map.of("ours", ours, "machine", busy, "otherProcesses", Math.max(0, busy - ours),
                    "otherProcessesCores", Math.max(0, busy - ours) / cluster.get("wallSeconds").asDouble()));
        }
        if (cluster.hasNonNull("otherProcessesCoresBeforeJob")) { // session 22 on: the others' load without our job
            r.put("backgroundCoresBeforeJob", cluster.get("otherProcessesCoresBeforeJob").asDouble());
        }
        if (cluster.hasNonNull("loadAverageBeforeJob")) {
            r.put("loadAverageBeforeJob", cluster.get("loadAverageBeforeJob").asDouble());
        }
        JsonNode traffic = run.get("executorTraffic");
        if (traffic != null && traffic.size() > 0) { // per-layer TernGrad: wall seconds per minibatch on the executors
            Map<String, Double> perIteration = new LinkedHashMap<>();
            for (String k : List.of("fitSeconds", "encodeSeconds", "sealSeconds", "transportSendSeconds", "applySeconds",
                    "openSeconds")) {
                double sum = 0;
                double minibatches = 0;
                for (JsonNode t : traffic) {
                    sum += t.path(k).asDouble();
                    minibatches += t.path("minibatches").asDouble();
                }
                perIteration.put(k, minibatches == 0 ? null : sum / minibatches);
            }
            r.put("executorWallSecondsPerIteration", perIteration);
        }
        r.put("jobWallSeconds", cluster.get("wallSeconds").asDouble());
        r.put("exit", cluster.get("exit").asInt());
        r.put("command", run.has("job") ? "cluster.sh measure: spark-terngrad " + dir.getName() : dir.getName());
        return r;
    }

    /**
     * Jobs run with {@code FAULT=...}: {@code <runs>/h<hosts>-<rate>-<mode>-<fault>} with fault {@code cut<host>-<s>s},
     * {@code killexec<host>} or {@code killdriver} (then {@code ...-killdriver-resumed} is the resubmitted job).
     * Outcome: exit 0 = finished; exit 124/137 from cluster.sh's JOB_TIMEOUT = hung; any other exit (the job's own
     * error, or status 3 of its epoch watchdog) = failed-clearly, with the job log's first error line. The saved model
     * (the last epoch checkpoint) is checked by {@link EpochCheckpoint#verify}.
     */
    private List<Map<String, Object>> faults(ObjectMapper json) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        File[] dirs = runs.listFiles(f -> f.isDirectory()
                && f.getName().matches("h[0-9]+-[^-]+-[A-Za-z0-9]+-(cut[0-9]+-[0-9]+s|killexec[0-9]+|killdriver)")
                && new File(f, "cluster-run.json").isFile());
        if (dirs == null || dirs.length == 0) {
            return out;
        }
        java.util.Arrays.sort(dirs);
        org.nd4j.linalg.dataset.DataSet test = data.load().test();
        for (File dir : dirs) {
            String[] name = dir.getName().split("-");
            String kind = name[3];
            boolean driverKill = kind.equals("killdriver");
            File last = driverKill ? new File(dir.getPath() + "-resumed") : dir;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("mode", name[2]);
            f.put("fault", kind.startsWith("cut") ? "host " + kind.substring(3) + " link cut (veth down) for " + name[4]
                    + ", 5 s after epoch 1's checkpoint, then restored"
                    : kind.startsWith("killexec") ? "host " + kind.substring(8) + "'s executor JVM killed (SIGKILL) 5 s "
                    + "after epoch 1's checkpoint"
                    : "driver JVM killed (SIGKILL) 5 s after epoch 1's checkpoint, job resubmitted with --resume");
            f.put("hosts", Integer.parseInt(name[0].substring(1)));
            f.put("bandwidthMbit", rateMbit(name[1]));
            if (driverKill) {
                JsonNode killed = json.readTree(new File(dir, "cluster-run.json"));
                f.put("killedRunExit", killed.get("exit").asInt());
                f.put("killedRunWallSeconds", killed.get("wallSeconds").asDouble());
                File atKill = checkpointJson(new File(dir, "checkpoint-at-kill"));
                f.put("checkpointAtKill", atKill == null ? null : EpochCheckpoint.verify(atKill, LENET_PARAMS, test));
            }
            if (!new File(last, "cluster-run.json").isFile()) {
                f.put("outcome", "failed-clearly");
                f.put("message", "the resumed job was not run");
                out.add(f);
                continue;
            }
            JsonNode cluster = json.readTree(new File(last, "cluster-run.json"));
            int exit = cluster.get("exit").asInt();
            f.put("outcome", exit == 0 ? "finished" : exit == 124 || exit == 137 ? "hung" : "failed-clearly");
            f.put("exit", exit);
            f.put("jobWallSeconds", cluster.get("wallSeconds").asDouble());
            String message = firstError(new File(runs.getParentFile(), "logs/job-" + last.getName() + ".log"));
            if (exit != 0) {
                f.put("message", message);
            }
            File ckpt = checkpointJson(new File(dir, "checkpoint"));
            Map<String, Object> check = ckpt == null ? null : EpochCheckpoint.verify(ckpt, LENET_PARAMS, test);
            f.put("savedModelValid", check == null ? null : check.get("valid"));
            f.put("savedModel", check);
            File spark = new File(last, "spark.json");
            if (exit == 0 && spark.isFile()) {
                JsonNode run = json.readTree(spark).get("runs").get(0);
                f.put("finalAccuracy", run.get("accuracy").asDouble());
                f.put("fitSecondsByEpoch", run.get("fitSecondsByEpoch"));
                f.put("accuracyByEpoch", run.get("accuracyByEpoch"));
                f.put("resumedAfterEpoch", run.get("resumedAfterEpoch"));
            }
            out.add(f);
        }
        return out;
    }

    /**
     * The rogue run ({@code <runs>/h*-rogue}: rogue.json from {@code dl4jc cluster-rogue}, the job's spark.json)
     * against the same job without the rogue ({@code h*-clean}). {@code refused} = messages the driver refused;
     * {@code parametersChanged} = messages the driver applied beyond those the executors sent (a rogue message that got
     * through would be one); each executor's refusals are listed with the clean run's for comparison. Null if not run.
     */
    private Map<String, Object> forged(ObjectMapper json) throws Exception {
        File[] dirs = runs.listFiles(f -> f.getName().endsWith("-rogue") && new File(f, "spark.json").isFile());
        if (dirs == null || dirs.length == 0) {
            return null;
        }
        File dir = dirs[0];
        File rogueJson = new File(dir, "rogue.json");
        JsonNode rogue = rogueJson.isFile() ? json.readTree(rogueJson) : null;
        JsonNode run = json.readTree(new File(dir, "spark.json")).get("runs").get(0);
        File cleanDir = new File(runs, dir.getName().replace("-rogue", "-clean"));
        JsonNode clean = new File(cleanDir, "spark.json").isFile()
                ? json.readTree(new File(cleanDir, "spark.json")).get("runs").get(0) : null;
        Map<String, Object> f = new LinkedHashMap<>();
        long sent = rogue == null ? 0 : rogue.path("sentTotal").asLong();
        long refusedByDriver = run.path("messagesRefusedByDriver").asLong();
        long applied = run.path("ternGradMessages").asLong();
        long legit = run.path("messagesSentByExecutors").asLong();
        // every receiver (driver and each executor) gets every rogue broadcast: refused = the fewest any receiver
        // refused; parametersChanged = messages a receiver accepted beyond what the other real senders sent
        long refused = refusedByDriver;
        long changed = Math.max(0, applied - legit);
        JsonNode traffic = run.path("executorTraffic");
        for (JsonNode t : traffic) {
            refused = Math.min(refused, t.path("refused").asLong());
            changed += Math.max(0, t.path("received").asLong() - (legit - t.path("sent").asLong()));
        }
        f.put("sent", sent);
        f.put("refused", refused);
        f.put("parametersChanged", changed);
        f.put("refusedByDriver", refusedByDriver);
        f.put("rogueJoinedMesh", rogue == null ? null : rogue.path("joined").asBoolean());
        f.put("streamId", rogue == null ? null : rogue.get("streamId"));
        if (rogue == null || !rogue.path("joined").asBoolean()) {
            f.put("note", "the rogue did not join the mesh before the job ended (no rogue.json or joined=false): "
                    + "nothing was sent, so nothing was tested");
        }
        f.put("sentByKind", rogue == null ? null : rogue.get("sent"));
        f.put("envelopesTheRogueHeard", rogue == null ? null : rogue.path("envelopesHeard").asLong());
        f.put("driverAppliedMessages", applied);
        f.put("executorsSentMessages", legit);
        f.put("refusedByExecutors", run.get("messagesRefusedByExecutors"));
        f.put("executorTraffic", traffic.isMissingNode() ? null : traffic);
        f.put("finalAccuracy", run.path("accuracy").asDouble());
        f.put("accuracyByEpoch", run.get("accuracyByEpoch"));
        if (clean != null) {
            f.put("cleanRun", Map.of("finalAccuracy", clean.path("accuracy").asDouble(),
                    "accuracyByEpoch", clean.get("accuracyByEpoch"),
                    "refusedByDriver", clean.path("messagesRefusedByDriver").asLong(),
                    "refusedByExecutors", clean.get("messagesRefusedByExecutors"),
                    "driverAppliedMessages", clean.path("ternGradMessages").asLong()));
        }
        f.put("setting", dir.getName() + " (rogue in namespace host 9 reads the job's Aeron stream id off the wire, "
                + "joins DL4J's Aeron mesh through the driver's controller port and broadcasts to the driver and every "
                + "executor)");
        f.put("parametersEqualToCleanRun", "not comparable bit for bit: asynchronous per-layer TernGrad applies "
                + "messages in arrival order, so two runs differ by float rounding; see parametersChanged and the accuracies");
        return f;
    }

    private static boolean samePoint(Map<String, Object> r, JsonNode old) {
        return r.get("hosts").equals(old.get("hosts").asInt()) && r.get("mode").equals(old.get("mode").asText())
                && (Double) r.get("bandwidthMbit") == old.get("bandwidthMbit").asDouble();
    }

    /** Same fault kind (cut / executor kill / driver kill), by the first words of the description. */
    private static boolean sameKind(Map<String, Object> f, JsonNode old) {
        String a = f.get("fault").toString();
        String b = old.get("fault").asText();
        return a.contains("link cut") == b.contains("link cut") && a.contains("executor") == b.contains("executor")
                && a.contains("driver") == b.contains("driver");
    }

    private static File checkpointJson(File dir) {
        File[] j = dir.listFiles(f -> f.getName().endsWith(".json") && !f.getName().startsWith("."));
        return j == null || j.length == 0 ? null : j[0];
    }

    /** The job's own error line (the epoch watchdog's), else the first exception or ERROR line of its log, or null. */
    private static String firstError(File log) throws java.io.IOException {
        if (!log.isFile()) {
            return null;
        }
        List<String> lines = java.nio.file.Files.readAllLines(log.toPath());
        return lines.stream().filter(l -> l.startsWith("ERROR ")).findFirst() // the job's own (the epoch watchdog's)
                .or(() -> lines.stream().filter(l -> l.contains("Exception") || l.contains(" ERROR ")).findFirst())
                .map(l -> l.length() > 400 ? l.substring(0, 400) : l).orElse(null);
    }

    /**
     * {@link PerformanceModel#sharedCoresWithStartupSeconds} for every row ({@code T_cpu} = the row's executor CPU
     * per iteration, {@code T_drv} = the driver's CPU per iteration during the fits where recorded, {@code C} =
     * {@code --cores}, {@code L} = 0, {@code U}/{@code D} = the hosts' mean bytes sent/received per iteration,
     * {@code f} = the averaging frequency or the iterations per epoch, {@code I} = iterations per host), with
     * {@code S} and {@code J} calibrated on the 2-host rows only, so the 4-host rows test the model; beside it the
     * same with {@code L} = the other processes' cores averaged over the job where recorded, the session-21 form
     * (no start-up) and the session-20 contended form for comparison. Adds {@code predictedSecondsPerIteration},
     * {@code predictedOverMeasured} and the comparison columns; returns the model's description.
     */
    Map<String, Object> applyModel(List<Map<String, Object>> rows) {
        double previousRound = roundSeconds(rows, Form.CONTENDED, 0);
        double session21Round = roundSeconds(rows, Form.SHARED_CORES, 0);
        double[] sj = roundAndStartupSeconds(rows);
        double roundSeconds = sj[0];
        double startupSeconds = sj[1];
        int within = 0;
        int previousWithin = 0;
        int session21Within = 0;
        int withLoad = 0;
        int withLoadWithin = 0;
        for (Map<String, Object> r : rows) {
            double measured = num(r, "measuredSecondsPerIteration");
            double previous = modelSeconds(r, previousRound, 0, Form.CONTENDED, 0);
            double session21 = modelSeconds(r, session21Round, 0, Form.SHARED_CORES, 0);
            double predicted = modelSeconds(r, roundSeconds, startupSeconds, Form.SHARED_CORES, 0);
            r.put("contendedModelSecondsPerIteration", previous);
            r.put("sharedCoresModelSecondsPerIteration", session21);
            r.put("predictedSecondsPerIteration", predicted);
            r.put("predictedOverMeasured", predicted / measured);
            r.put("predictionWithin30Percent", Math.abs(predicted / measured - 1) <= 0.3);
            r.put("driverCpuInModel", r.get("driverCpuSecondsPerIteration") != null);
            r.put("firstFitExtraSeconds", firstFitExtraSeconds(r));
            Double background = backgroundCores(r);
            r.put("backgroundCoresJobAverage", background);
            if (background != null && background < cores) { // (all cores taken: no prediction)
                double loaded = modelSeconds(r, roundSeconds, startupSeconds, Form.SHARED_CORES, background);
                r.put("predictedWithJobBackgroundSecondsPerIteration", loaded);
                r.put("predictedWithJobBackgroundOverMeasured", loaded / measured);
                withLoad++;
                withLoadWithin += Math.abs(loaded / measured - 1) <= 0.3 ? 1 : 0;
            } else {
                r.remove("predictedWithJobBackgroundSecondsPerIteration");
                r.remove("predictedWithJobBackgroundOverMeasured");
            }
            within += Math.abs(predicted / measured - 1) <= 0.3 ? 1 : 0;
            previousWithin += Math.abs(previous / measured - 1) <= 0.3 ? 1 : 0;
            session21Within += Math.abs(session21 / measured - 1) <= 0.3 ? 1 : 0;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("predicted", "PerformanceModel.sharedCoresWithStartupSeconds: T = max(T_cpu, (W·T_cpu + T_drv)/C) + "
                + "max(U,D)/B + S/f + J·W/I (T_cpu executor CPU s/iteration per host, T_drv the driver JVM's "
                + "CPU s/iteration during the fits (0 for rows measured before session 21, which did not record it: "
                + "driverCpuInModel=false), W hosts, C cores of this machine, U/D measured bytes up/down per iteration "
                + "on a host link, B the tbf rate, no latency (no netem), S Spark's seconds per synchronization round, "
                + "f iterations per round: the averaging frequency, or the iterations per epoch for shared training; "
                + "J the start-up wait per executor paid once per job in the first fit, I iterations per host in the job); "
                + "other processes' load is not in it (L = 0)");
        m.put("cores", cores);
        m.put("roundSeconds", roundSeconds);
        m.put("startupSeconds", startupSeconds);
        long twoHost = rows.stream().filter(r -> (Integer) r.get("hosts") == 2).count();
        m.put("calibratedOn", "the " + twoHost + " two-host rows only, jointly: S = median over the averaging rows of "
                + "(T_measured − model without S)·f, J = median over the shared-training rows (threshold, TernGrad) of "
                + "(T_measured − model without J)·I/W, iterated to a fixed point; the other " + (rows.size() - twoHost)
                + " rows test it");
        m.put("pointsWithin30Percent", within + " of " + rows.size());
        m.put("withJobBackground", "the same model and S, J with L = jobCpuSeconds.otherProcessesCores (the other "
                + "processes' CPU over the whole job / its wall time, recorded since session 21): within 30% at "
                + withLoadWithin + " of " + withLoad + " points (predictedWithJobBackgroundOverMeasured)");
        m.put("sharedCoresModel", "PerformanceModel.sharedCoresSeconds (session 21, no start-up term): S = "
                + session21Round + " s; within 30% at " + session21Within + " of " + rows.size() + " points");
        m.put("contendedModel", "PerformanceModel.measuredComponentsSeconds (session 20): T = T_cpu·max(1,(W+1)/C) "
                + "+ max(U,D)/B + S/f, S = " + previousRound + " s; within 30% at " + previousWithin + " of "
                + rows.size() + " points");
        m.put("idealPredicted", "PerformanceModel (paper form), Exchange.ALL_TO_ALL, workers = hosts, Link(rate, 0 "
                + "latency), T_c = executor CPU s/iteration, ideal message sizes (4N fp32, TernGrad message)");
        return m;
    }

    private enum Form { CONTENDED, SHARED_CORES }

    /**
     * What the first epoch's fit took beyond the mean of the later ones (cumulative {@code fitSecondsByEpoch}): the
     * start-up the model's {@code J} stands for, as this job measured it; null with fewer than 2 epochs.
     */
    private static Double firstFitExtraSeconds(Map<String, Object> r) {
        Object epochs = r.get("fitSecondsByEpoch"); // a JsonNode for rows measured now, a List for kept rows
        List<Double> cumulative = new ArrayList<>();
        if (epochs instanceof JsonNode j) {
            j.forEach(e -> cumulative.add(e.asDouble()));
        } else {
            ((List<?>) epochs).forEach(e -> cumulative.add(((Number) e).doubleValue()));
        }
        int n = cumulative.size();
        if (n < 2) {
            return null;
        }
        double later = (cumulative.get(n - 1) - cumulative.get(0)) / (n - 1);
        return cumulative.get(0) - later;
    }

    /** Other processes' cores averaged over the job, where the job recorded the machine's CPU (session 21 on). */
    @SuppressWarnings("unchecked")
    private static Double backgroundCores(Map<String, Object> r) {
        Object job = r.get("jobCpuSeconds");
        Object cores = job instanceof Map ? ((Map<String, Object>) job).get("otherProcessesCores") : null;
        return cores instanceof Number n ? n.doubleValue() : null;
    }

    /** S: the median over the 2-host averaging rows of {@code (T_measured − model without S)·f}. */
    private double roundSeconds(List<Map<String, Object>> rows, Form form, double startupSeconds) {
        List<Double> overheads = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if ((Integer) r.get("hosts") == 2 && ((String) r.get("mode")).startsWith("averaging")) {
                overheads.add((num(r, "measuredSecondsPerIteration") - modelSeconds(r, 0, startupSeconds, form, 0))
                        * roundEvery(r));
            }
        }
        return median(overheads);
    }

    /**
     * {S, J} of the start-up form, fitted on the 2-host rows: S on the averaging rows given J, J on the
     * shared-training rows given S, repeated until neither moves (each step is a median, so this settles in a few);
     * neither below 0.
     */
    private double[] roundAndStartupSeconds(List<Map<String, Object>> rows) {
        double s = 0;
        double j = 0;
        for (int step = 0; step < 100; step++) {
            List<Double> startups = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                if ((Integer) r.get("hosts") == 2 && !((String) r.get("mode")).startsWith("averaging")) {
                    double unit = modelSeconds(r, s, 1, Form.SHARED_CORES, 0) - modelSeconds(r, s, 0, Form.SHARED_CORES, 0);
                    startups.add((num(r, "measuredSecondsPerIteration") - modelSeconds(r, s, 0, Form.SHARED_CORES, 0))
                            / unit);
                }
            }
            double nextJ = Math.max(0, median(startups)); // a start-up cannot save time (few or odd rows)
            double nextS = Math.max(0, roundSeconds(rows, Form.SHARED_CORES, nextJ));
            if (nextJ == j && nextS == s) {
                break;
            }
            j = nextJ;
            s = nextS;
        }
        return new double[] {s, j};
    }

    /** {@link Median#of}, and 0 for no values (a fit over no rows). */
    private static double median(List<Double> values) {
        return values.isEmpty() ? 0 : Median.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * A model of row {@code r} with round overhead {@code s}, start-up {@code j} and {@code background} foreign
     * cores: the shared-cores form, or the contended form of session 20 (no start-up, no foreign load).
     */
    private double modelSeconds(Map<String, Object> r, double s, double j, Form form, double background) {
        double iterations = num(r, "iterationsPerHost");
        double up = 0;
        double down = 0;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> links = (List<Map<String, Object>>) r.get("linkBytesPerHost");
        for (Map<String, Object> l : links) {
            up += ((Number) l.get("sentByHost")).doubleValue() / links.size() / iterations;
            down += ((Number) l.get("receivedByHost")).doubleValue() / links.size() / iterations;
        }
        Link link = new Link(num(r, "bandwidthMbit") * 1e6 / 8, 0);
        int hosts = (Integer) r.get("hosts");
        double cpu = num(r, "computeSecondsPerIteration");
        if (form == Form.CONTENDED) {
            return PerformanceModel.measuredComponentsSeconds(cpu, hosts, cores, up, down, link, s, roundEvery(r));
        }
        Object driver = r.get("driverCpuSecondsPerIteration");
        return PerformanceModel.sharedCoresWithStartupSeconds(cpu, driver == null ? 0 : ((Number) driver).doubleValue(),
                hosts, cores, background, up, down, link, s, roundEvery(r), j, iterations);
    }

    /** Iterations per synchronization round: the averaging frequency, else the iterations of one epoch's fit. */
    private static double roundEvery(Map<String, Object> r) {
        String mode = (String) r.get("mode");
        if (mode.startsWith("averaging")) {
            return Double.parseDouble(mode.substring("averaging".length()));
        }
        Object epochs = r.get("fitSecondsByEpoch"); // a JsonNode for rows measured now, a List for kept rows
        return num(r, "iterationsPerHost") / (epochs instanceof JsonNode j ? j.size() : ((List<?>) epochs).size());
    }

    private static double num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).doubleValue();
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
        Map<Integer, Map<String, Map<String, Double>>> perIteration = new TreeMap<>(); // one chart per host count
        Map<String, Map<String, Double>> bytes = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            // iterations per host tell the settings apart (session 20's 4-host runs: 70; session 21's: 141)
            String series = r.get("mode") + " (" + r.get("hosts") + " hosts, "
                    + Math.round(((Number) r.get("iterationsPerHost")).doubleValue()) + " it)";
            double mbit = (Double) r.get("bandwidthMbit"); // labels of <= 7 characters, or the chart cuts them
            String point = SHORT.getOrDefault((String) r.get("mode"), (String) r.get("mode")) + " "
                    + (mbit >= 1000 ? Math.round(mbit / 1000) + "k" : String.valueOf(Math.round(mbit)));
            Map<String, Map<String, Double>> hostChart = perIteration.computeIfAbsent((Integer) r.get("hosts"),
                    k -> new LinkedHashMap<>());
            if (r.get("secondsToTarget") != null) {
                toTarget.computeIfAbsent(series, k -> new ArrayList<>())
                        .add(new double[] {(Double) r.get("bandwidthMbit"), (Double) r.get("secondsToTarget")});
            }
            hostChart.computeIfAbsent("measured", k -> new LinkedHashMap<>()).put(point,
                    (Double) r.get("measuredSecondsPerIteration"));
            hostChart.computeIfAbsent("compute (CPU)", k -> new LinkedHashMap<>()).put(point,
                    (Double) r.get("computeSecondsPerIteration"));
            hostChart.computeIfAbsent("predicted (shared cores + start-up)", k -> new LinkedHashMap<>()).put(point,
                    (Double) r.get("predictedSecondsPerIteration"));
            bytes.computeIfAbsent(String.format("%d hosts, %.0f Mbit", (Integer) r.get("hosts"), (Double) r.get("bandwidthMbit")),
                    k -> new LinkedHashMap<>())
                    .put((String) r.get("mode"), (Double) r.get("bytesPerHostPerIteration") / 1e6);
        }
        Charts.line(new File(out, "cluster-time-to-accuracy.png"), "Fit seconds to " + target + " test accuracy vs "
                + "host link bandwidth", "bandwidth (Mbit/s)", "seconds", toTarget);
        for (Map.Entry<Integer, Map<String, Map<String, Double>>> h : perIteration.entrySet()) {
            // 4 hosts (the model's test points) keep the chart's old name; 2 hosts (its calibration) get a suffix
            String name = h.getKey() == 4 ? "cluster-seconds-per-iteration.png"
                    : "cluster-seconds-per-iteration-" + h.getKey() + "hosts.png";
            Charts.bars(new File(out, name), "Seconds per iteration, " + h.getKey() + " hosts: measured, compute, "
                    + "PerformanceModel", "a1/a5 averaging every 1/5, thr threshold, gl/pl TernGrad global/per-layer; link Mbit/s",
                    "seconds", h.getValue());
        }
        Charts.bars(new File(out, "cluster-bytes-per-iteration.png"), "MB per host link per iteration (both ways, "
                + "veth counters)", "mode", "MB", bytes);
    }

    private static final Map<String, String> SHORT = Map.of("averaging1", "a1", "averaging5", "a5",
            "threshold", "thr", "terngradGlobal", "gl", "terngradPerLayer", "pl");

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
