package io.github.dl4jcompress.terngrad;

/**
 * A received envelope that must not be used: not an envelope at all, a failed MAC check (forged, corrupted, or
 * another job's key), or a sequence number already seen or too old (a replay). See {@link MessageVerifier}.
 */
public class RejectedMessageException extends SecurityException {

    private static final long serialVersionUID = 1L;

    /** Why an envelope was rejected. */
    public enum Reason {
        /** Too short, wrong magic or inconsistent length. */
        MALFORMED,
        /** The MAC does not match: forged, corrupted in transit, or sealed with another key. */
        BAD_MAC,
        /** Authentic, but its (sender, sequence) was already accepted or is older than the replay window. */
        REPLAYED
    }

    private final Reason reason;

    public RejectedMessageException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
