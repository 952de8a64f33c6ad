package io.github.dl4jcompress.cli.prune;

/**
 * A command-line input that cannot be used (missing or unreadable file, not a model, bad option value).
 * Commands report its message on stderr and exit with code 2 without writing any output.
 */
public final class UnusableInputException extends Exception {

    public UnusableInputException(String message) {
        super(message);
    }

    public UnusableInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
