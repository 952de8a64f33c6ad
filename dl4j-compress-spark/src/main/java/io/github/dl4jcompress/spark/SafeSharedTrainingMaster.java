package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.terngrad.ZeroResidualPostProcessor;
import org.apache.spark.SparkConf;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a DL4J {@link SharedTrainingMaster} (asynchronous threshold-encoded gradient sharing over Aeron UDP) with
 * guards against the failure modes seen with DL4J 1.0.0-M2/M2.1 on Spark:
 * <ol>
 *   <li>port: {@code unicastPort(p)} is ignored by DL4J (every JVM binds 49876; two executors on one host then
 *       silently lose updates) — a {@link JvmFreePortSupplier} gives every JVM its own free port;</li>
 *   <li>Aeron refuses to start unless {@code aeron.publication.unblock.timeout} exceeds DL4J's 30 s liveness
 *       timeout — set in this (driver) JVM by {@link Builder#build(SparkConf)}, and checked in {@code spark.executor.extraJavaOptions}
 *       for non-local masters (see {@link SparkSettings#executorJavaOptions(String)});</li>
 *   <li>{@code workersPerNode > 1} deadlocks in {@code EncodedGradientsAccumulator.synchronize} — always 1 (a
 *       larger request is logged and overridden);</li>
 *   <li>more than one task slot per executor JVM hung the job — {@code spark.executor.cores} (or {@code local[n]})
 *       must be 1;</li>
 *   <li>one iteration per RDD element — the RDD must hold minibatches of {@code batchSizePerWorker} examples
 *       (see {@link Batches}); training uses {@code RDDTrainingApproach.Direct} (no export to a file system).</li>
 * </ol>
 * TernGrad (global scaler): {@link Builder#ternGrad(double, long)} installs {@link ExecutorSeededTernGrad} with
 * {@link ZeroResidualPostProcessor} through DL4J's {@code thresholdAlgorithm(..)}/{@code residualPostProcessor(..)}
 * hooks; per-layer scalers: {@link Builder#ternGradPerLayer(double, long)} builds a
 * {@link PerLayerTernGradTrainingMaster}.
 */
public final class SafeSharedTrainingMaster {

    private static final Logger log = LoggerFactory.getLogger(SafeSharedTrainingMaster.class);

    private SafeSharedTrainingMaster() {
    }

    /** @param batchSizePerWorker examples per RDD element (the RDD must be pre-batched to this size) */
    public static Builder builder(int batchSizePerWorker) {
        return new Builder(batchSizePerWorker);
    }

    /** Builder; every setting has a safe default. */
    public static final class Builder {
        private final int batchSize;
        private String controllerAddress;
        private String networkMask;
        private int basePort;
        private ThresholdAlgorithm thresholdAlgorithm = new AdaptiveThresholdAlgorithm(1e-3);
        private ResidualPostProcessor residualPostProcessor;
        private boolean residualSet;
        private long rngSeed = 12345;
        private boolean collectTrainingStats;
        private PerLayerTernGradSettings perLayer;

        private Builder(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("SafeSharedTrainingMaster: batchSizePerWorker must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
        }

        /** IP of the driver as seen by the executors (default: DL4J's discovery — SPARK_PUBLIC_DNS, mask, DL4J_VOID_IP). */
        public Builder controllerAddress(String ip) {
            this.controllerAddress = ip;
            return this;
        }

        /** Network mask (e.g. {@code 10.0.0.0/16}) DL4J uses to pick each node's own IP. */
        public Builder networkMask(String mask) {
            this.networkMask = mask;
            return this;
        }

        /** First UDP port to try in every JVM (0, the default: any free ephemeral port). */
        public Builder basePort(int port) {
            new JvmFreePortSupplier(port);
            this.basePort = port;
            return this;
        }

        /** DL4J's threshold algorithm hook (default {@code AdaptiveThresholdAlgorithm(1e-3)}). */
        public Builder thresholdAlgorithm(ThresholdAlgorithm algorithm) {
            if (algorithm == null) {
                throw new IllegalArgumentException("SafeSharedTrainingMaster: thresholdAlgorithm is null");
            }
            this.thresholdAlgorithm = algorithm;
            this.perLayer = null;
            return this;
        }

        /** DL4J's residual post-processor hook (default: DL4J's, {@code ResidualClippingPostProcessor(5, 5)}). */
        public Builder residualPostProcessor(ResidualPostProcessor processor) {
            this.residualPostProcessor = processor;
            this.residualSet = true;
            return this;
        }

        /** Global-scaler TernGrad: {@link ExecutorSeededTernGrad} and {@link ZeroResidualPostProcessor}. */
        public Builder ternGrad(double clipFactor, long seed) {
            return thresholdAlgorithm(new ExecutorSeededTernGrad(clipFactor, seed))
                    .residualPostProcessor(new ZeroResidualPostProcessor());
        }

        /**
         * Per-layer TernGrad (one scaler per parameter array): the master built is a
         * {@link PerLayerTernGradTrainingMaster}, whose executors send {@code TernaryMessage}s over DL4J's transport.
         * Replaces any threshold algorithm set before; {@link #thresholdAlgorithm} or {@link #ternGrad} afterwards
         * switch back to DL4J's sharing.
         */
        public Builder ternGradPerLayer(double clipFactor, long seed) {
            this.perLayer = new PerLayerTernGradSettings(clipFactor, seed);
            return this;
        }

        /** Ignored above 1 (DL4J deadlocks): logged and forced to 1. */
        public Builder workersPerNode(int workers) {
            if (workers != 1) {
                log.warn("SafeSharedTrainingMaster: workersPerNode={} requested; forced to 1 "
                        + "(workersPerNode > 1 deadlocks in EncodedGradientsAccumulator.synchronize in DL4J 1.0.0-M2)", workers);
            }
            return this;
        }

        public Builder rngSeed(long seed) {
            this.rngSeed = seed;
            return this;
        }

        public Builder collectTrainingStats(boolean collect) {
            this.collectTrainingStats = collect;
            return this;
        }

        /**
         * Checks {@code conf} (one task slot per executor JVM; executor Aeron timeout for non-local masters), sets
         * the Aeron unblock timeout in this JVM if it is missing or too small, and builds the master.
         *
         * @throws IllegalStateException naming the setting and its value if {@code conf} is unsafe
         */
        public SharedTrainingMaster build(SparkConf conf) {
            check(conf);
            ensureAeronSettingsInThisJvm();
            VoidConfiguration vc = VoidConfiguration.builder()
                    .portSupplier(new JvmFreePortSupplier(basePort))
                    .controllerAddress(controllerAddress != null ? controllerAddress : System.getenv("SPARK_PUBLIC_DNS"))
                    .networkMask(networkMask)
                    .build();
            if (perLayer != null) {
                warnIfKeyTravelsInClear(conf);
                return new PerLayerTernGradTrainingMaster(vc, batchSize, collectTrainingStats, perLayer.withFreshKey());
            }
            SharedTrainingMaster.Builder b = new SharedTrainingMaster.Builder(vc, thresholdAlgorithm, batchSize)
                    .batchSizePerWorker(batchSize)
                    .workersPerNode(1)
                    .rddTrainingApproach(RDDTrainingApproach.Direct)
                    .rngSeed(rngSeed)
                    .collectTrainingStats(collectTrainingStats);
            if (residualSet) {
                b.residualPostProcessor(residualPostProcessor);
            }
            return b.build();
        }
    }

    /** Per-layer TernGrad's MAC key rides Spark's task closures: readable on the wire unless Spark encrypts. */
    static void warnIfKeyTravelsInClear(SparkConf conf) {
        String master = conf.get("spark.master", "local");
        if (master.startsWith("local")) {
            return;
        }
        if (!conf.getBoolean("spark.authenticate", false) || !conf.getBoolean("spark.network.crypto.enabled", false)) {
            log.warn("Per-layer TernGrad authenticates its messages with a per-job key that reaches the executors in "
                    + "Spark's task closures; with spark.authenticate={} and spark.network.crypto.enabled={} anyone "
                    + "who can read the network can read the key. Set both to true.",
                    conf.get("spark.authenticate", "false"), conf.get("spark.network.crypto.enabled", "false"));
        }
    }

    static void check(SparkConf conf) {
        if (conf == null) {
            throw new IllegalArgumentException("SafeSharedTrainingMaster: SparkConf is null");
        }
        String master = conf.get("spark.master", "");
        if (master.matches("local\\[(\\d+|\\*)(,\\d+)?]") && !master.startsWith("local[1]") && !master.startsWith("local[1,")) {
            throw new IllegalStateException("SafeSharedTrainingMaster: spark.master=" + master
                    + " runs several tasks in one JVM; DL4J's shared training hung with more than one task slot per JVM. "
                    + "Use local[1], or local-cluster[n,1,mb] for several executors");
        }
        String cores = conf.get("spark.executor.cores", "1");
        if (!master.startsWith("local[") && !"1".equals(cores.trim())) {
            throw new IllegalStateException("SafeSharedTrainingMaster: spark.executor.cores=" + cores
                    + "; use 1 (several task slots per executor JVM hung DL4J's shared training)");
        }
        if (master.startsWith("local-cluster[")) {
            String[] parts = master.substring("local-cluster[".length(), master.length() - 1).split(",");
            if (parts.length == 3 && !"1".equals(parts[1].trim())) {
                throw new IllegalStateException("SafeSharedTrainingMaster: spark.master=" + master
                        + " gives each executor " + parts[1].trim() + " cores; use local-cluster[n,1,mb]");
            }
        }
        if (!master.startsWith("local[")) {
            String opts = conf.get("spark.executor.extraJavaOptions", "");
            Long t = timeoutIn(opts);
            if (t == null || t <= SparkSettings.DL4J_AERON_LIVENESS_NS) {
                throw new IllegalStateException("SafeSharedTrainingMaster: spark.executor.extraJavaOptions must set -D"
                        + SparkSettings.AERON_UNBLOCK_PROPERTY + " above " + SparkSettings.DL4J_AERON_LIVENESS_NS
                        + " ns (Aeron refuses to start otherwise); found " + (t == null ? "none" : t)
                        + ". Use SparkSettings.executorJavaOptions(..)");
            }
        }
    }

    static Long timeoutIn(String javaOptions) {
        String key = "-D" + SparkSettings.AERON_UNBLOCK_PROPERTY + "=";
        int i = javaOptions.lastIndexOf(key);
        if (i < 0) {
            return null;
        }
        String rest = javaOptions.substring(i + key.length()).split("\\s+")[0];
        try {
            return Long.parseLong(rest);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("SafeSharedTrainingMaster: " + key + rest + " is not a number of nanoseconds");
        }
    }

    static void ensureAeronSettingsInThisJvm() {
        String v = System.getProperty(SparkSettings.AERON_UNBLOCK_PROPERTY);
        long current = -1;
        try {
            current = v == null ? -1 : Long.parseLong(v.trim());
        } catch (NumberFormatException ignored) {
            // replaced below
        }
        if (current <= SparkSettings.DL4J_AERON_LIVENESS_NS) {
            System.setProperty(SparkSettings.AERON_UNBLOCK_PROPERTY, Long.toString(SparkSettings.AERON_UNBLOCK_TIMEOUT));
            log.info("Set -D{}={} in the driver JVM (was {}): Aeron requires it above DL4J's 30 s liveness timeout",
                    SparkSettings.AERON_UNBLOCK_PROPERTY, SparkSettings.AERON_UNBLOCK_TIMEOUT, v);
        }
        if (System.getProperty(SparkSettings.AERON_DELETE_ON_SHUTDOWN_PROPERTY) == null) {
            System.setProperty(SparkSettings.AERON_DELETE_ON_SHUTDOWN_PROPERTY, "true");
        }
    }
}
