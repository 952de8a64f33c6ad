package io.github.dl4jcompress.cli.options;

import picocli.CommandLine.Option;

import java.io.File;

/** {@code --out DIR}: where a job writes its JSON, charts and models. */
public final class OutputDirOption {

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results",
            description = "output directory (default ${DEFAULT-VALUE})")
    File dir;

    /** The output directory, created if missing. */
    public File dir() {
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new IllegalArgumentException("--out: cannot create directory " + dir.getAbsolutePath());
        }
        return dir;
    }
}
