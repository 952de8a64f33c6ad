package io.github.dl4jcompress.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/** Kills its executor JVM (Runtime.halt) at the given iteration, once per marker file: simulates a lost executor. */
final class HaltOnceListener extends BaseTrainingListener {

    private final File marker;
    private final int atIteration;

    HaltOnceListener(File marker, int atIteration) {
        this.marker = marker;
        this.atIteration = atIteration;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (iteration >= atIteration) {
            try {
                if (marker.createNewFile()) {
                    Runtime.getRuntime().halt(3);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
