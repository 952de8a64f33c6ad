package io.github.dl4jcompress.cli.options;

import io.github.dl4jcompress.cli.data.FashionMnist;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;

/** {@code --data DIR}: the full Fashion-MNIST IDX files; without it, the bundled 10k/5k subset. */
public final class DataOption {

    @Option(names = "--data", paramLabel = "DIR",
            description = "directory with the full Fashion-MNIST IDX files (default: the bundled 10k/5k subset)")
    File dir;

    /** The directory given, or null for the bundled subset. */
    public File dir() {
        return dir;
    }

    /** The data set the option names. */
    public FashionMnist load() throws IOException {
        return dir == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(dir);
    }

    /** The option as typed on a command line, or "" for the default (for the command echoed into results). */
    public String echo() {
        return dir == null ? "" : " --data " + dir;
    }
}
