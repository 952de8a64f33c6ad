package io.github.dl4jcompress.cli.zoo;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.prune.InputShape;

import java.util.function.Function;

/**
 * One zoo model as {@code dl4jc prune-zoo} runs it: its name, the (reduced) input shape used to keep the
 * run short, and a factory building the randomly initialised network for that shape.
 *
 * @param name    zoo class name
 * @param input   input shape used
 * @param factory builds and initialises the network (no pretrained weights)
 * @param note    why this input shape
 */
public record ZooEntry(String name, InputShape input, Function<int[], AnyNetwork> factory, String note) {

    public AnyNetwork create() {
        return factory.apply(new int[] {(int) input.channels(), (int) input.height(), (int) input.width()});
    }
}
