package io.github.dl4jcompress.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

import org.apache.spark.SparkConf;

/**
 * Spark settings that DL4J-on-Spark needs on Java 17 and for loopback/local-cluster runs.
 *
 * <ul>
 *   <li>{@link #JAVA17_OPENS}: the {@code --add-opens} list Spark 3.x needs on Java 17 (driver JVM flags and
 *       {@code spark.executor.extraJavaOptions});</li>
 *   <li>{@link #AERON_UNBLOCK_TIMEOUT}: {@code -Daeron.publication.unblock.timeout} (ns) above DL4J's 30 s Aeron
 *       client liveness timeout — Aeron refuses to start otherwise;</li>
 *   <li>{@link #AERON_DELETE_ON_SHUTDOWN_PROPERTY}: DL4J's embedded Aeron media driver maps ~0.5-1 GB under
 *       {@code /dev/shm/aeron-<user>-<uuid>} and, left at Aeron's default, never deletes it: every Spark job leaked
 *       that much shared memory until {@code /dev/shm} filled and the next job died with SIGBUS. With this
 *       property the driver deletes its directory when it closes (DL4J closes it from a shutdown hook, which runs
 *       on normal exit and on SIGTERM, not on SIGKILL);</li>
 *   <li>{@link #loopback(SparkConf)}: driver host/bind address 127.0.0.1 and the executor options above;</li>
 *   <li>{@link #localCluster(SparkConf, int, int, File, String)}: Spark's {@code local-cluster[n,1,mb]} master,
 *       which starts {@code n} separate executor JVMs; it needs a Spark home containing {@code jars/} and
 *       {@code conf/} (created empty here) and the executor classpath passed explicitly.</li>
 * </ul>
 */
public final class SparkSettings {

    /** {@code --add-opens} for Spark 3.x on Java 17. */
    public static final List<String> JAVA17_OPENS = List.of(
            "java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect", "java.base/java.io",
            "java.base/java.net", "java.base/java.nio", "java.base/java.util", "java.base/java.util.concurrent",
            "java.base/java.util.concurrent.atomic", "java.base/sun.nio.ch", "java.base/sun.nio.cs",
            "java.base/sun.security.action", "java.base/sun.util.calendar");

    /** System property Aeron checks against the client liveness timeout DL4J sets (30 s). */
    public static final String AERON_UNBLOCK_PROPERTY = "aeron.publication.unblock.timeout";
    /** DL4J's Aeron client liveness timeout, ns. */
    public static final long DL4J_AERON_LIVENESS_NS = 30_000_000_000L;
    /** Our unblock timeout, ns (60 s, above {@link #DL4J_AERON_LIVENESS_NS}). */
    public static final long AERON_UNBLOCK_TIMEOUT = 60_000_000_000L;

    /** Aeron system property: the media driver deletes its directory when it closes. */
    public static final String AERON_DELETE_ON_SHUTDOWN_PROPERTY = "aeron.dir.delete.on.shutdown";

    private SparkSettings() {
    }

    /** The add-opens list as JVM flags, space separated. */
    public static String java17Flags() {
        StringBuilder sb = new StringBuilder();
        for (String p : JAVA17_OPENS) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("--add-opens=").append(p).append("=ALL-UNNAMED");
        }
        return sb.toString();
    }

    /** Executor JVM flags: add-opens, the Aeron unblock timeout and directory deletion, and the given extra flags. */
    public static String executorJavaOptions(String extra) {
        return java17Flags() + " -D" + AERON_UNBLOCK_PROPERTY + "=" + AERON_UNBLOCK_TIMEOUT
                + " -D" + AERON_DELETE_ON_SHUTDOWN_PROPERTY + "=true"
                + (extra == null || extra.isBlank() ? "" : " " + extra.trim());
    }

    /**
     * Sets the driver host and bind address to 127.0.0.1, one core per executor, and the executor JVM options
     * ({@link #executorJavaOptions(String)}); returns {@code conf}.
     */
    public static SparkConf loopback(SparkConf conf) {
        return conf.set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.executor.cores", "1")
                .set("spark.executor.extraJavaOptions", executorJavaOptions(conf.get("spark.executor.extraJavaOptions", "")))
                .setExecutorEnv("OMP_NUM_THREADS", "1")
                .setExecutorEnv("SPARK_LOCAL_IP", "127.0.0.1");
    }

    /**
     * Configures {@code local-cluster[executors,1,workerMemoryMb]} on loopback: {@link #loopback(SparkConf)}, one
     * core per executor, the executor classpath, and a minimal Spark
     * home ({@code sparkHome/jars}, {@code sparkHome/conf}, created if absent); executor heap is 2/3 of the worker memory. Spark's workers take their Spark
     * home from the {@code SPARK_HOME} environment variable (else the working directory): the caller's process must
     * have {@code SPARK_HOME=sparkHome} — checked here.
     *
     * @param classpath the executor classpath (e.g. the test or application classpath)
     */
    public static SparkConf localCluster(SparkConf conf, int executors, int workerMemoryMb, File sparkHome, String classpath) {
        if (executors < 1) {
            throw new IllegalArgumentException("localCluster: executors must be >= 1, got " + executors);
        }
        if (workerMemoryMb < 512) {
            throw new IllegalArgumentException("localCluster: workerMemoryMb must be >= 512, got " + workerMemoryMb);
        }
        prepareSparkHome(sparkHome);
        String env = System.getenv("SPARK_HOME");
        if (env == null || !new File(env).getAbsoluteFile().equals(sparkHome.getAbsoluteFile())) {
            throw new IllegalStateException("local-cluster needs the environment variable SPARK_HOME=" + sparkHome.getAbsolutePath()
                    + " in the driver process (Spark's workers read it to build the executor command); it is " + env);
        }
        return loopback(conf).setMaster("local-cluster[" + executors + ",1," + workerMemoryMb + "]")
                .set("spark.executor.memory", (workerMemoryMb * 2 / 3) + "m")
                .set("spark.executor.extraClassPath", classpath)
                .setExecutorEnv("SPARK_SCALA_VERSION", "2.12");
    }

    /** Creates {@code sparkHome/jars} and {@code sparkHome/conf} (empty) if absent. */
    public static void prepareSparkHome(File sparkHome) {
        try {
            Files.createDirectories(new File(sparkHome, "jars").toPath());
            Files.createDirectories(new File(sparkHome, "conf").toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a minimal Spark home at " + sparkHome, e);
        }
    }
}
