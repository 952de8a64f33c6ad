package io.github.dl4jcompress.cli.prune;

import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * A convolutional input shape {@code C x H x W} as given on the command line ({@code --input 3x32x32}).
 *
 * @param channels C
 * @param height H
 * @param width W
 */
public record InputShape(long channels, long height, long width) {

    public InputShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    /** Parses {@code CxHxW}; throws IllegalArgumentException with a readable message otherwise. */
    public static InputShape parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().toLowerCase().split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("input shape must be CxHxW (e.g. 1x28x28), got '" + text + "'");
        }
        try {
            return new InputShape(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input shape must be CxHxW with integers, got '" + text + "'");
        }
    }

    /** {@link #parse} for a command-line option: a bad value becomes an {@link UnusableInputException} naming it. */
    public static InputShape parseOption(String option, String text) throws UnusableInputException {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new UnusableInputException(option + ": " + e.getMessage());
        }
    }

    public InputType inputType() {
        return InputType.convolutional(height, width, channels);
    }

    /** {@code [batch, C, H, W]}. */
    public long[] nchw(long batch) {
        return new long[] {batch, channels, height, width};
    }

    /** {@code [batch, C*H*W]}: the flat layout of {@code InputType.convolutionalFlat}. */
    public long[] flat(long batch) {
        return new long[] {batch, channels * height * width};
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
