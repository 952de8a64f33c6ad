package io.github.dl4jcompress.cli.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cluster.sh} leaves nothing behind — no host namespace, veth, bridge or process — after {@code down}
 * (twice: idempotent), after Ctrl-C on {@code hold}, and after a failure during bring-up. Uses {@code --no-spark}
 * (one placeholder process per host namespace stands for its Spark worker JVM; the same kill path removes both)
 * and its own names ({@code NAME=dlct}, 10.78.0.0/24), so that it never touches a real cluster. Skipped, with the
 * reason, where the test does not run as root or network namespaces are unavailable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterTeardownTest {

    private static final File SCRIPT = new File("cluster.sh"); // surefire runs in the module directory
    private static final String NAME = "dlct";
    private static final File STATE = new File("target/cluster-test/state-" + NAME);

    @BeforeAll
    static void namespacesAvailable() throws Exception {
        assumeTrue(SCRIPT.isFile(), "cluster.sh not found in " + new File(".").getAbsolutePath());
        assumeTrue("root".equals(System.getProperty("user.name")), "cluster.sh needs root (network namespaces)");
        Result probe = run(List.of("ip", "netns", "add", NAME + "-probe"), Map.of());
        assumeTrue(probe.exit == 0, "network namespaces unavailable: " + probe.output);
        run(List.of("ip", "netns", "del", NAME + "-probe"), Map.of());
    }

    @AfterEach
    void cleanUp() throws Exception {
        script(List.of("down"), Map.of());
    }

    @Test
    void downRemovesEverythingAndIsIdempotent() throws Exception {
        Result up = script(List.of("up", "--hosts", "2", "--rate", "100mbit", "--no-spark"), Map.of());
        assertEquals(0, up.exit, up.output);
        assertEquals(List.of(NAME + "-h1", NAME + "-h2"), namespaces());
        assertTrue(links().contains(NAME + "br"), links().toString());
        assertTrue(qdisc(NAME + "v1").contains("tbf") && qdisc(NAME + "v1").contains("100Mbit"), qdisc(NAME + "v1"));
        List<Long> pids = recordedPids();
        assertEquals(2, pids.size());
        assertTrue(pids.stream().allMatch(ClusterTeardownTest::alive));

        Result down = script(List.of("down"), Map.of());
        assertEquals(0, down.exit, down.output);
        assertNothingLeft(pids);
        Result again = script(List.of("down"), Map.of());
        assertEquals(0, again.exit, again.output);
        assertNothingLeft(pids);
    }

    @Test
    void ctrlCOnHoldTearsDown() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.getPath(), "hold", "--hosts", "2", "--no-spark")
                .redirectErrorStream(true).redirectOutput(new File("target/cluster-test-hold.log"));
        pb.environment().putAll(ENV);
        Process hold = pb.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (namespaces().size() < 2 || recordedPids().size() < 2) {
            assertTrue(hold.isAlive() && System.currentTimeMillis() < deadline, "hold did not come up: " + log());
            Thread.sleep(100);
        }
        List<Long> pids = recordedPids();
        run(List.of("kill", "-INT", Long.toString(hold.pid())), Map.of());
        assertTrue(hold.waitFor(30, TimeUnit.SECONDS), "hold did not exit on SIGINT");
        assertNothingLeft(pids);
    }

    @Test
    void failureDuringBringUpTearsDown() throws Exception {
        Result up = script(List.of("up", "--hosts", "3", "--no-spark"), Map.of("CLUSTER_FAIL_AT", "started"));
        assertTrue(up.exit != 0, up.output);
        assertTrue(up.output.contains("failure injected") && up.output.contains("tearing down"), up.output);
        assertNothingLeft(List.of());
    }

    /**
     * DL4J's Aeron media driver leaves a {@code /dev/shm/aeron-*} directory per JVM; {@code down} removes those its
     * own JVMs mapped and nothing else: here a process in a host namespace maps one fake directory (removed), and
     * this test JVM, outside the cluster, maps another (kept).
     */
    @Test
    void downRemovesTheAeronDirectoriesOfItsOwnProcessesOnly() throws Exception {
        assumeTrue(run(List.of("python3", "--version"), Map.of()).exit == 0, "python3 (to map a file in a namespace) missing");
        String tag = "aeron-" + NAME + "-test-" + ProcessHandle.current().pid();
        File own = new File("/dev/shm/" + tag + "-own");
        File other = new File("/dev/shm/" + tag + "-other");
        try {
            for (File d : List.of(own, other)) {
                assertTrue(d.mkdirs() || d.isDirectory(), d.toString());
                Files.write(new File(d, "cnc.dat").toPath(), new byte[4096]);
            }
            assertEquals(0, script(List.of("up", "--hosts", "1", "--no-spark"), Map.of()).exit);
            Process mapper = new ProcessBuilder("ip", "netns", "exec", NAME + "-h1", "python3", "-c",
                    "import mmap,time; f=open('" + own + "/cnc.dat','r+b'); m=mmap.mmap(f.fileno(),4096); time.sleep(300)")
                    .redirectErrorStream(true).start();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(new File(other, "cnc.dat").toPath(),
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.MappedByteBuffer mine = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 4096);
                long deadline = System.currentTimeMillis() + 20_000;
                while (!mapsFile(mapper.pid(), own)) { // ip netns exec execs python3 in place: same pid
                    assertTrue(mapper.isAlive() && System.currentTimeMillis() < deadline, "the mapper did not start");
                    Thread.sleep(100);
                }
                Result down = script(List.of("down"), Map.of());
                assertEquals(0, down.exit, down.output);
                assertFalse(own.exists(), "the cluster process's Aeron directory was left: " + down.output);
                assertTrue(other.isDirectory(), "down removed a directory another process maps");
                mine.put(0, (byte) 1);
            } finally {
                mapper.destroyForcibly();
            }
        } finally {
            for (File d : List.of(own, other)) {
                new File(d, "cnc.dat").delete();
                d.delete();
            }
        }
    }

    private static boolean mapsFile(long pid, File dir) {
        try {
            return Files.readString(new File("/proc/" + pid + "/maps").toPath()).contains(dir.getName());
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertNothingLeft(List<Long> pids) throws Exception {
        assertEquals(List.of(), namespaces(), "host namespaces left");
        assertFalse(links().stream().anyMatch(l -> l.startsWith(NAME + "br") || l.startsWith(NAME + "v")),
                "links left: " + links());
        for (long pid : pids) {
            assertFalse(alive(pid), "process " + pid + " left");
        }
    }

    private static List<String> namespaces() throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list"), Map.of()).output.split("\n")) {
            String ns = line.split(" ")[0];
            if (ns.matches(NAME + "-h[0-9]+")) {
                out.add(ns);
            }
        }
        out.sort(String::compareTo);
        return out;
    }

    private static List<String> links() throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "-o", "link", "show"), Map.of()).output.split("\n")) {
            String[] f = line.split(": ");
            if (f.length > 1) {
                out.add(f[1].split("@")[0]);
            }
        }
        return out;
    }

    private static String qdisc(String dev) throws Exception {
        return run(List.of("tc", "qdisc", "show", "dev", dev), Map.of()).output;
    }

    private static List<Long> recordedPids() throws IOException {
        File f = new File(STATE, "pids");
        List<Long> out = new ArrayList<>();
        if (f.isFile()) {
            for (String line : Files.readAllLines(f.toPath())) {
                if (!line.isBlank()) {
                    out.add(Long.parseLong(line.trim()));
                }
            }
        }
        return out;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String log() throws IOException {
        return Files.readString(new File("target/cluster-test-hold.log").toPath());
    }

    private static Result script(List<String> args, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.getPath()));
        cmd.addAll(args);
        return run(cmd, env);
    }

    private static Result run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(ENV);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd + " did not finish");
        return new Result(p.exitValue(), output);
    }

    private static final Map<String, String> ENV = Map.of("NAME", NAME, "NET", "78", "WORK",
            new File("target/cluster-test").getAbsolutePath());

    private static final class Result {
        final int exit;
        final String output;

        Result(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }
    }
}
