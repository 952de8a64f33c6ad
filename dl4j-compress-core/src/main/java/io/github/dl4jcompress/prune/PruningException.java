package io.github.dl4jcompress.prune;

/**
 * Thrown when a network cannot be pruned safely (unsupported updater state, failed verification,
 * internal inconsistency). The original network is never modified when this is thrown.
 */
public class PruningException extends RuntimeException {

    public PruningException(String message) {
        super(message);
    }

    public PruningException(String message, Throwable cause) {
        super(message, cause);
    }
}
