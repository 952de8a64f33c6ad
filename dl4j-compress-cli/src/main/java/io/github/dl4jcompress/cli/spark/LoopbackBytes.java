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
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/dev"));
            for (String line : lines) {
                String t = line.trim();
                if (t.startsWith("lo:")) {
                    String[] f = t.substring(3).trim().split("\\s+");
                    return Long.parseLong(f[8]); // receive: 8 fields, then transmit bytes
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
