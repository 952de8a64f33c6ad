package io.github.dl4jcompress.cli.spark;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.listeners.Charts;
import io.github.dl4jcompress.listeners.ZeroingListener;
import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import io.github.dl4jcompress.spark.Batches;
import io.github.dl4jcompress.spark.ExecutorClasspathCheck;
import io.github.dl4jcompress.spark.ExecutorListener;
import io.github.dl4jcompress.spark.PerLayerTernGradTrainingMaster;
import io.github.dl4jcompress.spark.SafeSharedTrainingMaster;
import io.github.dl4jcompress.spark.SparkEpochTrainer;
import io.github.dl4jcompress.spark.SparkSettings;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Spark training mode on LeNet/Fashion-MNIST in a fresh SparkContext and records accuracy (Spark
 * evaluation on the test set), fit wall time, and loopback bytes sent during the fits; writes {@code spark.json}.
 */
final class SparkJobRunner {

    private static final Logger log = LoggerFactory.getLogger(SparkJobRunner.class);

    enum Mode { AVERAGING, THRESHOLD, TERNGRAD_GLOBAL, TERNGRAD_PER_LAYER }

    private final SparkJobOptions o;
    private final String job;
    /** The master given by spark-submit ({@code spark.master} system property), or empty. */
    private final String submitted;

    SparkJobRunner(SparkJobOptions o, String job) {
        o.epochs.epochs();   // fails on --epochs < 1
        if (o.batch < 1 || o.executors < 1) {
            throw new IllegalArgumentException("--batch and --executors must be >= 1");
        }
        this.o = o;
        this.job = job;
        this.submitted = System.getProperty("spark.master", "");
        if (!o.master.isEmpty() && !submitted.isEmpty() && !o.master.equals(submitted)) {
            throw new IllegalArgumentException("--master " + o.master + " differs from the master spark-submit gave ("
                    + submitted + "); omit --master to use spark-submit's");
        }
    }

    /** --master, else spark-submit's master, else local-cluster with --executors executor JVMs. */
    String master() {
        return !o.master.isEmpty() ? o.master : !submitted.isEmpty() ? submitted
                : "local-cluster[" + o.executors + ",1," + o.executorMemoryMb + "]";
    }

    /** True when neither --master nor spark-submit chose the master: this job starts its own local-cluster. */
    private boolean ownLocalCluster() {
        return o.master.isEmpty() && submitted.isEmpty();
    }

    boolean localMaster() {
        return master().startsWith("local");
    }

    private JavaSparkContext context(String name) {
        // new SparkConf() holds spark-submit's settings (spark.* system properties) when submitted
        SparkConf conf = new SparkConf().setAppName("dl4jc " + job + " " + name);
        if (ownLocalCluster()) {
            String env = System.getenv("SPARK_HOME");
            if (env == null) {
                throw new IllegalStateException("The local-cluster master needs SPARK_HOME (any directory; jars/ and conf/ are created "
                        + "there, executor logs go to its work/): ./dl4jc sets it to dl4j-compress-cli/target/spark-home");
            }
            File home = new File(env).getAbsoluteFile();
            SparkSettings.localCluster(conf, o.executors, o.executorMemoryMb, home, absoluteClasspath())
                    .set("spark.default.parallelism", Integer.toString(o.executors));
            conf.set("spark.executor.extraJavaOptions", SparkSettings.executorJavaOptions(
                    "-Dorg.bytedeco.javacpp.maxbytes=2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        } else {
            conf.setMaster(master());
            if (master().startsWith("local")) {
                SparkSettings.loopback(conf);
            } else if (!conf.contains("spark.executor.extraJavaOptions")) {
                conf.set("spark.executor.extraJavaOptions", SparkSettings.executorJavaOptions(""));
            }
        }
        return new JavaSparkContext(conf);
    }

    /** The driver's classpath with absolute entries (executors run in another working directory). */
    static String absoluteClasspath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            out.add(e.endsWith("*") ? new File(e.substring(0, e.length() - 1)).getAbsolutePath() + File.separator + "*"
                    : new File(e).getAbsolutePath());
        }
        return String.join(File.pathSeparator, out);
    }

    Map<String, Object> run(Mode mode, MultiLayerConfiguration conf, boolean ssl, double zeroThreshold) throws Exception {
        FashionMnist data = o.data.load();
        DataSet train = limit(data.train(), o.trainSize);
        DataSet test = limit(data.test(), o.testSize);
        String name = switch (mode) {
            case AVERAGING -> "averaging";
            case THRESHOLD -> "threshold";
            case TERNGRAD_GLOBAL -> "terngradGlobal";
            case TERNGRAD_PER_LAYER -> "terngradPerLayer";
        };
        log.info("{} / {}: {} on {} ({} train, {} test examples, {} epochs)", job, name, master(), data.source(),
                train.numExamples(), test.numExamples(), o.epochs.epochs());
        JavaSparkContext sc = context(name);
        try {
            waitForExecutors(sc);
            ExecutorClasspathCheck.verify(sc, conf);
            TrainingMaster<?, ?> tm = switch (mode) {
                case AVERAGING -> averaging();
                case THRESHOLD -> shared(sc.getConf()).build(sc.getConf());
                case TERNGRAD_GLOBAL -> shared(sc.getConf()).ternGrad(2.5, o.seed.seed()).build(sc.getConf());
                case TERNGRAD_PER_LAYER -> shared(sc.getConf()).ternGradPerLayer(2.5, o.seed.seed()).build(sc.getConf());
            };
            EpochCheckpoint checkpoint = o.checkpointDir == null ? null : new EpochCheckpoint(o.checkpointDir, job + "-" + name);
            if (o.resume && checkpoint == null) {
                throw new IllegalArgumentException("--resume needs --checkpoint-dir (where the interrupted run saved its epochs)");
            }
            EpochCheckpoint.State resumed = o.resume ? checkpoint.load() : null;
            if (o.resume && resumed == null) {
                log.warn("{} / {}: --resume but no checkpoint in {}; starting from scratch", job, name, o.checkpointDir);
            } else if (resumed != null) {
                if (resumed.network().numParams() != new MultiLayerNetwork(conf).numParams()) {
                    throw new IllegalArgumentException(checkpoint.zip() + " has " + resumed.network().numParams()
                            + " parameters, this job's network another count: not this job's checkpoint");
                }
                log.info("{} / {}: resuming after epoch {} from {}", job, name, resumed.epochsDone(), checkpoint.zip());
            }
            SparkDl4jMultiLayer spark = resumed == null ? new SparkDl4jMultiLayer(sc, conf, tm)
                    : new SparkDl4jMultiLayer(sc, resumed.network(), tm);
            if (ssl && mode == Mode.AVERAGING) {
                double t = zeroThreshold;
                spark.setListeners(ExecutorListener.of(() -> ZeroingListener.builder().threshold(t).keepZero(true).build()));
            }
            int partitions = Math.max(1, sc.defaultParallelism());
            JavaRDD<DataSet> rdd = Batches.of(sc, train, o.batch, partitions); // not cached: SharedTrainingMaster sets its own storage level
            rdd.count();
            long bytes0 = LoopbackBytes.transmitted();
            Map<String, long[]> interfaces0 = new LinkedHashMap<>();
            o.countInterfaces.forEach(i -> interfaces0.put(i, LoopbackBytes.counters(i)));
            int firstEpoch = resumed == null ? 0 : resumed.epochsDone();
            List<Double> accuracyByEpoch = resumed == null ? new ArrayList<>() : new ArrayList<>(resumed.accuracyByEpoch());
            List<Double> fitSecondsByEpoch = resumed == null ? new ArrayList<>() : new ArrayList<>(resumed.fitSecondsByEpoch());
            long fitNanos = fitSecondsByEpoch.isEmpty() ? 0 : Math.round(fitSecondsByEpoch.get(fitSecondsByEpoch.size() - 1) * 1e9);
            EpochWatchdog watchdog = new EpochWatchdog(o.epochTimeout);
            long driverCpuNanos = 0; // this JVM's CPU time during the fits (all threads)
            for (int e = firstEpoch; e < o.epochs.epochs(); e++) {
                long cpu0 = processCpuNanos();
                long t = System.nanoTime();
                watchdog.start(job + " / " + name, e + 1, checkpoint == null ? "No checkpoint (--checkpoint-dir not given)."
                        : e == 0 ? "No epoch finished: nothing to resume." : "Resume with --resume from " + checkpoint.zip()
                        + " (after epoch " + e + ").");
                spark.fit(rdd);
                watchdog.done();
                fitNanos += System.nanoTime() - t;
                driverCpuNanos += processCpuNanos() - cpu0;
                fitSecondsByEpoch.add(fitNanos / 1e9);
                // the driver's model after this epoch, evaluated locally (not counted in the fit time)
                double epochAccuracy = spark.getNetwork().evaluate(new ListDataSetIterator<>(test.batchBy(256))).accuracy();
                accuracyByEpoch.add(epochAccuracy);
                if (checkpoint != null) {
                    checkpoint.save(spark.getNetwork(), e + 1, test.numExamples(), fitSecondsByEpoch, accuracyByEpoch);
                }
                long elapsed = Math.round(fitNanos / 1e9);
                log.info("{} / {}: epoch {}/{} done, test accuracy {}, {} s fitting, ETA {} s", job, name, e + 1, o.epochs.epochs(),
                        String.format("%.4f", epochAccuracy), elapsed, Math.round(fitNanos / 1e9 / (e + 1) * (o.epochs.epochs() - e - 1)));
            }
            watchdog.close();
            double seconds = fitNanos / 1e9;
            long bytes1 = LoopbackBytes.transmitted();
            Map<String, Map<String, Long>> interfaceBytes = new LinkedHashMap<>();
            interfaces0.forEach((i, before) -> {
                long[] after = LoopbackBytes.counters(i);
                interfaceBytes.put(i, Map.of("received", after[0] - before[0], "transmitted", after[1] - before[1]));
            });
            double accuracy = spark.evaluate(Batches.forEvaluation(sc, test, partitions)).accuracy();
            MultiLayerNetwork net = spark.getNetwork();

            Map<String, Object> run = new LinkedHashMap<>();
            run.put("job", job);
            run.put("mode", name);
            run.put("accuracy", accuracy);
            run.put("seconds", seconds);
            run.put("accuracyByEpoch", accuracyByEpoch);
            run.put("fitSecondsByEpoch", fitSecondsByEpoch); // cumulative fit time after each epoch
            run.put("driverCpuSecondsInFits", driverCpuNanos / 1e9); // of the epochs this run fitted
            if (!interfaceBytes.isEmpty()) {
                run.put("interfaceBytesDuringFits", interfaceBytes);
            }
            if (mode == Mode.AVERAGING) {
                run.put("averagingFrequency", o.averagingFrequency);
            }
            run.put("bytesSent", localMaster() && bytes0 >= 0 ? bytes1 - bytes0 : null);
            run.put("epochs", o.epochs.epochs());
            if (checkpoint != null) {
                run.put("checkpoint", checkpoint.zip().getPath());
                run.put("resumedAfterEpoch", resumed == null ? null : resumed.epochsDone());
            }
            run.put("testExamples", test.numExamples());
            run.put("trainExamples", train.numExamples());
            run.put("batchPerWorker", o.batch);
            if (tm instanceof PerLayerTernGradTrainingMaster perLayer) {
                // every executor minibatch is one message; all of them reached the driver
                long messages = perLayer.messagesReceivedByDriver();
                run.put("ternGradMessages", messages);
                run.put("messagesSentByExecutors", perLayer.messagesSentByExecutors());
                run.put("messagesRefusedByDriver", perLayer.messagesRefusedByDriver());
                // per executor JVM: counts, and wall seconds in fit / sending / applying / opening envelopes
                Map<String, Map<String, Object>> traffic = PerLayerTernGradTrainingMaster.executorTraffic(sc, partitions);
                Map<String, Long> refusedByExecutors = new LinkedHashMap<>();
                traffic.forEach((id, t) -> refusedByExecutors.put(id, (Long) t.get("refused")));
                run.put("messagesRefusedByExecutors", refusedByExecutors);
                run.put("executorTraffic", traffic);
                run.put("ternGradPayloadBytes", messages * TernaryMessage.sizeInBytes(
                        SegmentLayout.perParameter(net).count(), net.numParams()));
            }
            run.put("trainingMaster", tm.getClass().getSimpleName() + (mode == Mode.AVERAGING ? "" : " via SafeSharedTrainingMaster"));
            if (ssl) {
                ZeroingListener.builder().threshold(zeroThreshold).build().iterationDone(net, 0, 0);
                PruneResult<MultiLayerNetwork> pruned = StructuredPruner.builder().build().prune(net);
                MultiLayerNetwork p = pruned.network();
                double prunedAccuracy = p.evaluate(new ListDataSetIterator<>(test.batchBy(256))).accuracy();
                File dir = new File(o.out.dir(), "spark");
                dir.mkdirs();
                File zip = new File(dir, job + "-" + name + "-pruned.zip");
                ModelSerializer.writeModel(p, zip, true);
                run.put("prunedAccuracy", prunedAccuracy);
                run.put("paramsBefore", pruned.report().paramsBefore());
                run.put("paramsAfter", pruned.report().paramsAfter());
                run.put("macsBefore", new CostModel().of(net, LeNet.INPUT).getMacs());
                run.put("macsAfter", new CostModel().of(p, LeNet.INPUT).getMacs());
                run.put("model", zip.getPath());
            }
            log.info("{} / {}: {}", job, name, run);
            return run;
        } finally {
            sc.stop();
        }
    }

    /**
     * The SSL procedure on Spark ({@code spark-ssl --modes procedure}): a plain LeNet trained {@code --epochs} epochs
     * with parameter averaging, then {@link SslCompression} to {@code macFraction} of its MACs with its training phases
     * (control, Group Lasso, fine-tuning) on the executors, one averaging round at a time ({@link SparkEpochTrainer}:
     * the budget controller and the zeroing run on the driver after each round), pruning, the stop rule and the
     * evaluations on the driver.
     */
    Map<String, Object> runProcedure(MultiLayerConfiguration conf, double macFraction, double maxDrop, int sslEpochs,
                                     int finetuneEpochs) throws Exception {
        FashionMnist data = o.data.load();
        DataSet train = limit(data.train(), o.trainSize);
        DataSet test = limit(data.test(), o.testSize);
        log.info("{} / procedure: {} on {} ({} train, {} test examples, {} baseline epochs, target {} of the MACs)", job,
                master(), data.source(), train.numExamples(), test.numExamples(), o.epochs.epochs(), macFraction);
        JavaSparkContext sc = context("procedure");
        try {
            waitForExecutors(sc);
            ExecutorClasspathCheck.verify(sc, conf);
            int partitions = Math.max(1, sc.defaultParallelism());
            long t0 = System.nanoTime();
            SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, conf, averaging());
            JavaRDD<DataSet> rdd = Batches.of(sc, train, o.batch, partitions);
            for (int e = 0; e < o.epochs.epochs(); e++) {
                spark.fit(rdd);
                log.info("{} / procedure: baseline epoch {}/{} done", job, e + 1, o.epochs.epochs());
            }
            double baselineSeconds = (System.nanoTime() - t0) / 1e9;
            SparkEpochTrainer trainer = new SparkEpochTrainer(sc, partitions, o.averagingFrequency, o.seed.seed());
            long t1 = System.nanoTime();
            CompressionResult<MultiLayerNetwork> r = SslCompression.builder().targetMacFraction(macFraction)
                    .maxAccuracyDrop(maxDrop).inputTypes(LeNet.INPUT).sslEpochs(sslEpochs).finetuneEpochs(finetuneEpochs)
                    .seed(o.seed.seed()).trainer(trainer)
                    .measureOverhead(false).lowerTraining(false)   // both time local training
                    .build()
                    .compress(spark.getNetwork(), new ListDataSetIterator<>(train.batchBy(o.batch), 1), null,
                            new ListDataSetIterator<>(test.batchBy(256), 1));
            double procedureSeconds = (System.nanoTime() - t1) / 1e9;
            File dir = new File(o.out.dir(), "spark");
            dir.mkdirs();
            File zip = new File(dir, job + "-procedure.zip");
            AnyNetwork.of(r.network()).save(zip);
            CompressionReport report = r.report();
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("job", job);
            run.put("mode", "procedure");
            run.put("status", report.status);
            run.put("accuracy", report.result.testAccuracy);
            run.put("baselineAccuracy", report.baseline.testAccuracy);
            run.put("controlAccuracy", report.control == null ? null : report.control.testAccuracy);
            run.put("targetMacFraction", macFraction);
            run.put("maxDrop", maxDrop);
            run.put("macsBefore", report.baseline.macs);
            run.put("macsAfter", report.result.macs);
            run.put("paramsBefore", report.baseline.params);
            run.put("paramsAfter", report.result.params);
            run.put("phases", report.completed);
            run.put("averagingRounds", trainer.rounds());
            run.put("averagingFrequency", o.averagingFrequency);
            run.put("baselineSeconds", baselineSeconds);
            run.put("seconds", procedureSeconds);
            run.put("epochs", o.epochs.epochs());
            run.put("sslEpochs", sslEpochs);
            run.put("finetuneEpochs", finetuneEpochs);
            run.put("trainExamples", train.numExamples());
            run.put("testExamples", test.numExamples());
            run.put("batchPerWorker", o.batch);
            run.put("trainingMaster", "ParameterAveragingTrainingMaster, one fit per averaging round (SparkEpochTrainer)");
            run.put("model", zip.getPath());
            log.info("{} / procedure: {}", job, run);
            return run;
        } finally {
            sc.stop();
        }
    }

    /** Parameter averaging every {@code --averaging-frequency} minibatches, Direct RDD approach (no shared file system needed). */
    private ParameterAveragingTrainingMaster averaging() {
        return new ParameterAveragingTrainingMaster.Builder(o.batch).batchSizePerWorker(o.batch)
                .averagingFrequency(o.averagingFrequency).workerPrefetchNumBatches(2).rngSeed(o.seed.seed())
                .rddTrainingApproach(RDDTrainingApproach.Direct).build();
    }

    /**
     * Controller (driver) address for DL4J's Aeron transport: --controller, else 127.0.0.1 for local masters, else
     * {@code spark.driver.host} — the address the executors already use to reach the driver. DL4J's own discovery
     * (SPARK_PUBLIC_DNS, network mask) fails on a standalone master when neither is set.
     */
    private SafeSharedTrainingMaster.Builder shared(SparkConf conf) {
        String controller = o.controller != null ? o.controller : localMaster() ? "127.0.0.1"
                : o.networkMask == null ? conf.get("spark.driver.host", null) : null;
        return SafeSharedTrainingMaster.builder(o.batch).controllerAddress(controller).networkMask(o.networkMask).rngSeed(o.seed.seed());
    }

    private void waitForExecutors(JavaSparkContext sc) throws InterruptedException {
        if (!ownLocalCluster()) {
            return;
        }
        long deadline = System.currentTimeMillis() + 180_000;
        while (sc.sc().getExecutorIds().size() < o.executors && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        if (sc.sc().getExecutorIds().size() < o.executors) {
            throw new IllegalStateException("only " + sc.sc().getExecutorIds().size() + " of " + o.executors
                    + " executors registered within 180 s");
        }
    }

    private static DataSet limit(DataSet d, int n) {
        return n <= 0 || n >= d.numExamples() ? d : (DataSet) d.getRange(0, n);
    }

    /** Test accuracy of the driver's model after each epoch, one line per mode. */
    private void writeChart(List<Map<String, Object>> runs, File png) throws Exception {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Map<String, Object> run : runs) {
            @SuppressWarnings("unchecked")
            List<Double> byEpoch = (List<Double>) run.get("accuracyByEpoch");
            if (byEpoch == null) {
                continue;
            }
            List<double[]> points = new ArrayList<>();
            for (int e = 0; e < byEpoch.size(); e++) {
                points.add(new double[] {e + 1, 100 * byEpoch.get(e)});
            }
            series.put(run.get("mode") + String.format(" (%.0f s fit)", (Double) run.get("seconds")), points);
        }
        Charts.line(png, job + " on " + master() + ": test accuracy after each epoch", "epoch", "test accuracy, %", series);
    }

    /** Writes {@code out/spark.json}, keeping runs of other jobs from an existing file with the same master. */
    File write(List<Map<String, Object>> runs, String command) throws Exception {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        File file = new File(o.out.dir(), "spark.json");
        List<Object> all = new ArrayList<>();
        Map<String, Object> commands = new LinkedHashMap<>();
        if (file.isFile()) {
            JsonNode old = om.readTree(file);
            if (old.path("master").asText().equals(master())) {
                for (JsonNode r : old.path("runs")) {
                    if (!r.path("job").asText().equals(job)) {
                        all.add(om.treeToValue(r, Map.class));
                    }
                }
                old.path("commands").fields().forEachRemaining(e -> {
                    if (!e.getKey().equals(job)) {
                        commands.put(e.getKey(), e.getValue().asText());
                    }
                });
            }
        }
        all.addAll(runs);
        commands.put(job, command);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("master", master());
        json.put("executors", ownLocalCluster() ? o.executors : null);
        json.put("runs", all);
        json.put("commands", commands);
        json.put("bytesSentMeasures", "TX bytes of the loopback interface (/proc/net/dev) during the fits: all driver-executor "
                + "traffic of a local-cluster job (Spark RPC, broadcasts, DL4J Aeron UDP) plus anything else the host sent over lo "
                + "meanwhile; null for non-local masters");
        om.writeValue(file, json);
        writeChart(runs, new File(o.out.dir(), job + ".png"));
        return file;
    }

    /** CPU time of this JVM (all threads) in ns, or 0 where the platform does not report it. */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

}
