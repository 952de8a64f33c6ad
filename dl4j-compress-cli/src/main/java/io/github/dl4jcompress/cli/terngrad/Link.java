package io.github.dl4jcompress.cli.terngrad;

/**
 * A network link of {@link PerformanceModel}: bandwidth {@code B} in bytes/s (every worker's link and the server's
 * are alike) and a per-message latency {@code α} in seconds.
 */
public record Link(double bytesPerSecond, double latencySeconds) {

    public Link {
        if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond) || !(latencySeconds >= 0)) {
            throw new IllegalArgumentException("Link: bandwidth must be finite and > 0 and latency >= 0, got "
                    + bytesPerSecond + " B/s, " + latencySeconds + " s");
        }
    }

    /** A link of {@code gbps} gigabits per second ({@code B = gbps·10⁹/8} bytes/s) and no latency. */
    public static Link gbps(double gbps) {
        return new Link(gbps * 1e9 / 8, 0);
    }

    /** Same bandwidth, the given latency. */
    public Link withLatency(double seconds) {
        return new Link(bytesPerSecond, seconds);
    }
}
