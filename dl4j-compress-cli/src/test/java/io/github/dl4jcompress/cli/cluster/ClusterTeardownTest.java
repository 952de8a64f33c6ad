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
@Timeout(value = 90, unit = TimeUnit.SECONDS)
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
