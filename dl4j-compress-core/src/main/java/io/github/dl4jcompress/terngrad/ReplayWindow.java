package io.github.dl4jcompress.terngrad;

import java.util.HashMap;
import java.util.Map;

/**
 * Replay protection for authenticated messages: per sender, the highest sequence number accepted, {@code top}, and a
 * bitmap of the {@value #WIDTH} numbers below it (the sliding window of IPsec/DTLS). Sequence {@code q} is accepted
 * once if {@code q > top} or {@code top − WIDTH < q ≤ top} and not seen; anything older is refused. Only call it for
 * messages whose MAC was verified, so that only real senders take memory. Thread-safe.
 */
public final class ReplayWindow {

    /** How far behind the newest message a late (reordered) one is still accepted. */
    public static final int WIDTH = 64;

    private final Map<Long, long[]> senders = new HashMap<>(); // sender -> {top, bitmap}; bit k = top − k seen

    /** True (and remembered) if {@code (sender, sequence)} was not accepted before and is inside the window. */
    public synchronized boolean accept(long sender, long sequence) {
        if (sequence < 0) {
            return false;
        }
        long[] s = senders.get(sender);
        if (s == null) {
            senders.put(sender, new long[] {sequence, 1L});
            return true;
        }
        long top = s[0];
        if (sequence > top) {
            long shift = sequence - top;
            s[1] = shift >= WIDTH ? 1L : (s[1] << shift) | 1L;
            s[0] = sequence;
            return true;
        }
        long back = top - sequence;
        if (back >= WIDTH) {
            return false;
        }
        long bit = 1L << back;
        if ((s[1] & bit) != 0) {
            return false;
        }
        s[1] |= bit;
        return true;
    }

    /** Senders seen so far. */
    public synchronized int senders() {
        return senders.size();
    }
}
