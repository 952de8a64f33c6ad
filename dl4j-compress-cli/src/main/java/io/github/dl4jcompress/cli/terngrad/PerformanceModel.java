package io.github.dl4jcompress.cli.terngrad;

/**
 * TernGrad's performance model (after Wen et al., NIPS 2017, §5): one synchronous iteration takes
 * {@code T = T_c + T_comm (+ T_codec for TernGrad)}; the predicted speedup of TernGrad over fp32 is
 * {@code T_fp32 / T_TernGrad} at the same number of workers {@code W ≥ 2}, mini-batch and link.
 *
 * <p>Notation: {@code N} parameters, {@code L} segments, {@code M₃₂ = 4N} (fp32 gradient),
 * {@code M_t = 20 + 8L + ⌈N/4⌉} (TernGrad message), {@code B} bandwidth (bytes/s), {@code α} latency per message,
 * {@code e}, {@code d} encode/decode seconds per fp32 byte ({@link CodecCost}).
 *
 * <p><b>Parameter server</b> (one server; its link is the bottleneck; push, then pull):
 * <pre>
 *   fp32:      T_comm = 2·W·M₃₂/B + 2α
 *   TernGrad:  T_comm = 2·W·M_t/B + 2α
 *              T_codec = e·M₃₂ (worker encodes) + W·d·M₃₂ (server decodes W messages)
 *                        + e·M₃₂ (server re-ternarizes the mean) + d·M₃₂ (worker decodes it)
 * </pre>
 * Re-ternarizing the aggregate on the server, so that the pull also carries {@code M_t}, is this model's choice.
 *
 * <p><b>All-to-all</b> (every worker's own link):
 * <pre>
 *   fp32 (ring all-reduce):     T_comm = 2·(W−1)·(α + M₃₂/(W·B))
 *   TernGrad (ring all-gather): T_comm = (W−1)·(α + M_t/B)
 *                               T_codec = e·M₃₂ + W·d·M₃₂  (encode own, decode all W messages)
 * </pre>
 * Sums of ternary vectors are not ternary, so TernGrad cannot reduce in place along the ring and must gather all
 * {@code W} messages: its traffic grows with {@code W} while the all-reduce's stays ≈ {@code 2·M₃₂}; the
 * communication ratio is {@code 2·M₃₂/(W·M_t) ≈ 32/W}, so TernGrad all-to-all only pays off below ≈ 32 workers.
 * Computation and communication are not overlapped.
 *
 * <p><b>Measured components</b> ({@link #measuredComponentsSeconds}; the form that matched the namespace cluster, where
 * the ideal formulas above were off 1.3–5.6x): on one machine whose {@code C} cores run the {@code W} executors and
 * the driver, with {@code T_cpu} the executor CPU seconds per iteration, {@code U}, {@code D} the bytes a host link
 * carries up and down per iteration (measured: Spark's broadcasts, task results and framing included), and
 * {@code S} Spark's cost of one synchronization round (one Spark job: scheduling, broadcast, aggregation), paid
 * every {@code f} iterations (parameter averaging every {@code f}; shared training: one fit per epoch):
 * <pre>
 *   T = T_cpu·max(1, (W+1)/C) + max(U, D)/B + α + S/f
 * </pre>
 * The first term is the wall time of the computation when {@code W+1} busy JVMs share {@code C} cores; a link is
 * full duplex (tbf shapes each direction), hence {@code max(U, D)}.
 *
 * <p><b>Shared cores</b> ({@link #sharedCoresSeconds}, session 21): the first term above counts contention twice at
 * 4 hosts, because the measured CPU seconds per iteration already grow under contention (and not every JVM is busy
 * all the time). Conservation of CPU work instead: every iteration the machine must do the {@code W} executors' and
 * the driver's measured CPU work ({@code T_drv} = the driver JVM's CPU seconds during the fits per iteration) on
 * {@code C} cores, and no host can be faster than its own CPU work:
 * <pre>
 *   T = max(T_cpu, (W·T_cpu + T_drv)/C) + max(U, D)/B + α + S/f
 * </pre>
 *
 * <p><b>Start-up and foreign load</b> ({@link #sharedCoresWithStartupSeconds}, session 22): every job's first fit
 * also waits, once per executor, for things that are not CPU work of the iterations: Spark launching its first task,
 * the model's arrival, DL4J's transport set-up and the driver's introduction of the executor to the mesh (shared
 * training). {@code J} seconds per executor, so {@code J·W} per job, {@code /I} per iteration ({@code I} iterations
 * per host in the job); the CPU that start-up burns is already in {@code T_cpu} (measured over the executor's whole
 * life). Cores that other processes take ({@code L}, in cores on average) are not ours: {@code C} becomes
 * {@code C − L}:
 * <pre>
 *   T = max(T_cpu, (W·T_cpu + T_drv)/(C − L)) + max(U, D)/B + α + S/f + J·W/I
 * </pre>
 */
public final class PerformanceModel {

    private PerformanceModel() {
    }

    /** Seconds of one fp32 iteration. */
    public static double fp32Seconds(Workload w, Exchange exchange, Link link, int workers) {
        return w.computeSeconds() + communicationSeconds(w.fp32Bytes(), exchange, false, link, workers);
    }

    /** Seconds of one TernGrad iteration, codec included. */
    public static double ternGradSeconds(Workload w, Exchange exchange, Link link, int workers, CodecCost codec) {
        return w.computeSeconds() + communicationSeconds(w.ternaryBytes(), exchange, true, link, workers)
                + codecSeconds(w, exchange, workers, codec);
    }

    /** Predicted speedup {@code T_fp32 / T_TernGrad}. */
    public static double speedup(Workload w, Exchange exchange, Link link, int workers, CodecCost codec) {
        return fp32Seconds(w, exchange, link, workers) / ternGradSeconds(w, exchange, link, workers, codec);
    }

    /**
     * {@code T_comm} for messages of {@code bytes} each; {@code ternary} selects all-gather instead of all-reduce
     * in {@link Exchange#ALL_TO_ALL} (the parameter-server formula is the same for both).
     */
    public static double communicationSeconds(long bytes, Exchange exchange, boolean ternary, Link link, int workers) {
        requireWorkers(workers);
        double b = link.bytesPerSecond();
        double a = link.latencySeconds();
        return switch (exchange) {
            case PARAMETER_SERVER -> 2.0 * workers * bytes / b + 2 * a;
            case ALL_TO_ALL -> ternary ? (workers - 1) * (a + bytes / b)
                    : 2.0 * (workers - 1) * (a + bytes / (workers * b));
        };
    }

    /** {@code T_codec} of one TernGrad iteration. */
    public static double codecSeconds(Workload w, Exchange exchange, int workers, CodecCost codec) {
        requireWorkers(workers);
        double m = w.fp32Bytes();
        double e = codec.encodeSecondsPerByte();
        double d = codec.decodeSecondsPerByte();
        return switch (exchange) {
            case PARAMETER_SERVER -> e * m + workers * d * m + e * m + d * m;
            case ALL_TO_ALL -> e * m + workers * d * m;
        };
    }

    /**
     * Seconds per iteration from measured components (see the class comment): {@code cpuSeconds} executor CPU per
     * iteration, {@code cores} shared by the {@code workers} executors and the driver, {@code upBytes}/{@code
     * downBytes} per iteration on one host link, {@code roundSeconds} Spark's overhead per synchronization round paid
     * every {@code iterationsPerRound} iterations.
     */
    public static double measuredComponentsSeconds(double cpuSeconds, int workers, int cores, double upBytes,
                                                   double downBytes, Link link, double roundSeconds,
                                                   double iterationsPerRound) {
        requireWorkers(workers);
        if (cores < 1 || iterationsPerRound <= 0) {
            throw new IllegalArgumentException("cores must be >= 1 and iterationsPerRound > 0, got " + cores + ", "
                    + iterationsPerRound);
        }
        return cpuSeconds * Math.max(1.0, (workers + 1.0) / cores) + Math.max(upBytes, downBytes) / link.bytesPerSecond()
                + link.latencySeconds() + roundSeconds / iterationsPerRound;
    }

    /**
     * Seconds per iteration with the CPU work of the {@code workers} executors ({@code hostCpuSeconds} each) and
     * the driver ({@code driverCpuSeconds}) spread over {@code cores} (see the class comment), plus the busier link
     * direction, latency and Spark's round overhead as in {@link #measuredComponentsSeconds}; no start-up, no other
     * processes ({@link #sharedCoresWithStartupSeconds} with {@code J = 0}, {@code L = 0}).
     */
    public static double sharedCoresSeconds(double hostCpuSeconds, double driverCpuSeconds, int workers, int cores,
                                            double upBytes, double downBytes, Link link, double roundSeconds,
                                            double iterationsPerRound) {
        return sharedCoresWithStartupSeconds(hostCpuSeconds, driverCpuSeconds, workers, cores, 0, upBytes, downBytes,
                link, roundSeconds, iterationsPerRound, 0, 1);
    }

    /**
     * {@link #sharedCoresSeconds} on the {@code cores − backgroundCores} cores other processes leave, plus the job's
     * start-up wait ({@code startupSeconds} = {@code J} per executor, once per job) spread over its
     * {@code iterationsPerJob} iterations per host (see the class comment).
     *
     * @throws IllegalArgumentException if fewer than 2 workers, no core left, or a negative or non-finite input
     */
    public static double sharedCoresWithStartupSeconds(double hostCpuSeconds, double driverCpuSeconds, int workers,
                                                       int cores, double backgroundCores, double upBytes,
                                                       double downBytes, Link link, double roundSeconds,
                                                       double iterationsPerRound, double startupSeconds,
                                                       double iterationsPerJob) {
        requireWorkers(workers);
        double available = cores - backgroundCores;
        if (cores < 1 || !(backgroundCores >= 0) || !(available > 0) || !(iterationsPerRound > 0)
                || !(iterationsPerJob > 0) || !(hostCpuSeconds >= 0) || !(driverCpuSeconds >= 0)
                || !(startupSeconds >= 0)) {
            throw new IllegalArgumentException("cores must be >= 1 with some left after backgroundCores (>= 0), "
                    + "iterationsPerRound and iterationsPerJob > 0, CPU and start-up seconds >= 0; got cores " + cores
                    + ", backgroundCores " + backgroundCores + ", iterationsPerRound " + iterationsPerRound
                    + ", iterationsPerJob " + iterationsPerJob + ", CPU " + hostCpuSeconds + " / " + driverCpuSeconds
                    + ", start-up " + startupSeconds);
        }
        double compute = Math.max(hostCpuSeconds, (workers * hostCpuSeconds + driverCpuSeconds) / available);
        return compute + Math.max(upBytes, downBytes) / link.bytesPerSecond() + link.latencySeconds()
                + roundSeconds / iterationsPerRound + startupSeconds * workers / iterationsPerJob;
    }

    private static void requireWorkers(int workers) {
        if (workers < 2) {
            throw new IllegalArgumentException("The performance model needs at least 2 workers, got " + workers);
        }
    }
}
