package io.github.dl4jcompress.cli.options;

import picocli.CommandLine.Option;

/** {@code --seed N}: the seed of a job's initialisation, shuffling and sampling; its default is the command's. */
public final class SeedOption {

    @Option(names = "--seed", paramLabel = "N", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    /** @param commandDefault the command's default seed (kept as before so that documented runs repeat) */
    public SeedOption(long commandDefault) {
        this.seed = commandDefault;
    }

    public long seed() {
        return seed;
    }
}
