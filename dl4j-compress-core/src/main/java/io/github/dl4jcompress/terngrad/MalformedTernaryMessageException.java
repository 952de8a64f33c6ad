package io.github.dl4jcompress.terngrad;

/**
 * Thrown by {@link TernaryMessageDecoder} when bytes are not a well-formed {@link TernaryMessage}: wrong
 * magic or version, impossible layer count or lengths, truncated or oversized buffer, negative or
 * non-finite scalers, or an invalid 2-bit code. Nothing has been written to any target when it is thrown.
 */
public class MalformedTernaryMessageException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public MalformedTernaryMessageException(String message) {
        super(message);
    }
}
