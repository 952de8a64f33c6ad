package io.github.dl4jcompress.cli.options;

import picocli.CommandLine.Option;

/** {@code --epochs N}: training epochs (at least 1); its default is the command's. */
public final class EpochsOption {

    @Option(names = "--epochs", paramLabel = "N", description = "training epochs (default ${DEFAULT-VALUE})")
    int epochs;

    /** @param commandDefault the command's default number of epochs */
    public EpochsOption(int commandDefault) {
        this.epochs = commandDefault;
    }

    /** The epochs given; fails with the option's name on a value below 1. */
    public int epochs() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        return epochs;
    }
}
