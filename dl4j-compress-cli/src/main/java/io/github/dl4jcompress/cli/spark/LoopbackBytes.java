package io.github.dl4jcompress.cli.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Transmitted bytes of the loopback interface, from {@code /proc/net/dev} (Linux). With a local-cluster master all
 * driver↔executor traffic (Spark RPC, broadcasts, results, and DL4J's Aeron UDP messages) crosses {@code lo}, so the
 * difference over a fit is the job's network volume — plus whatever other processes on the host send over
 * {@code lo} meanwhile (an upper bound, not an exact count).
 */
final class LoopbackBytes {

    private LoopbackBytes() {
    }

    /** TX bytes of {@code lo}, or -1 if unavailable. */
    static long transmitted() {
        return counters("lo")[1];
    }

    /**
     * {@code {received, transmitted}} bytes of interface {@code name} in this JVM's network namespace (e.g. the
     * root-side veth of a namespace host: received = sent by the host), {@code {-1, -1}} if unavailable.
     */
    static long[] counters(String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/dev"));
            for (String line : lines) {
                String t = line.trim();
                if (t.startsWith(name + ":")) {
                    String[] f = t.substring(name.length() + 1).trim().split("\\s+");
                    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[8])}; // 8 receive fields, then transmit
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
        return new long[] {-1, -1};
    }
}
