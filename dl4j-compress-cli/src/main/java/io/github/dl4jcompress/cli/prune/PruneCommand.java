package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.options.SeedOption;
import io.github.dl4jcompress.cost.NetworkCost;
import io.github.dl4jcompress.prune.PruningException;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc prune MODEL.zip -o OUT.zip [--threshold T] [--input CxHxW]}: removes all-zero filters /
 * channels from a saved MultiLayerNetwork or ComputationGraph (the pruner logs its report: one INFO line per layer
 * with counts, the removed indices at DEBUG), prints the output check and MACs, and writes the
 * smaller model. With threshold 0 the outputs of original and pruned model are compared on random
 * inputs and nothing is written unless they agree. Exit codes: 0 done, 1 pruning or verification
 * failed, 2 unusable input (missing / truncated / foreign file, bad option value).
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Remove all-zero structured groups from a saved model and write the smaller model.")
public final class PruneCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "model zip (MultiLayerNetwork or ComputationGraph)")
    File model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.zip", description = "where to write the pruned model")
    File output;

    @Option(names = "--threshold", defaultValue = "0",
            description = "group L2 norm at or below which a group counts as zero (default ${DEFAULT-VALUE}: exact zeros, outputs preserved)")
    double threshold;

    @Option(names = "--input", defaultValue = "1x28x28", description = "input shape CxHxW for verification and MACs (default ${DEFAULT-VALUE})")
    String input;

    @Option(names = "--tolerance", defaultValue = "1e-4",
            description = "max relative output difference accepted at threshold 0 (default ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--batch", defaultValue = "4", description = "random verification inputs (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lower", defaultValue = "NEVER", description = "swap convolutions for lowered-GEMM ones: "
            + "NEVER, ALWAYS, IF_FASTER, SHAPES_IF_FASTER (timed on the random inputs; default ${DEFAULT-VALUE})")
    io.github.dl4jcompress.prune.LoweringMode lower;

    /** Seed of the random verification inputs. */
    @CommandLine.Mixin
    SeedOption seedOption = new SeedOption(12345);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(out);
        } catch (UnusableInputException e) {
            err.println("dl4jc prune: " + e.getMessage());
            return 2;
        } catch (PruningException e) {
            err.println("dl4jc prune: pruning failed, nothing written: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("dl4jc prune: could not write " + output + ", nothing written: " + e);
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private void checkOptions() throws UnusableInputException {
        if (Double.isNaN(threshold) || Double.isInfinite(threshold) || threshold < 0) {
            throw new UnusableInputException("--threshold must be a finite number >= 0, got " + threshold);
        }
        if (Double.isNaN(tolerance) || tolerance < 0) {
            throw new UnusableInputException("--tolerance must be >= 0, got " + tolerance);
        }
        if (batch < 1) {
            throw new UnusableInputException("--batch must be >= 1, got " + batch);
        }
        File dir = output.getAbsoluteFile().getParentFile();
        if (dir == null || !dir.isDirectory() || !dir.canWrite()) {
            throw new UnusableInputException("output directory " + dir + " does not exist or is not writable");
        }
        if (output.isDirectory()) {
            throw new UnusableInputException("output " + output + " is a directory");
        }
        if (output.getAbsoluteFile().toPath().normalize().equals(model.getAbsoluteFile().toPath().normalize())) {
            throw new UnusableInputException("output must differ from the input model " + model);
        }
    }

    private int run(PrintWriter out) throws UnusableInputException, IOException {
        checkOptions();
        InputShape shape = InputShape.parseOption("--input", input);
        AnyNetwork original = ModelFiles.load(model);
        INDArray x = ModelInputs.random(original, shape, batch, seedOption.seed());
        INDArray[] inputs = new INDArray[original.numInputs()];
        Arrays.fill(inputs, x);
        StructuredPruner.Builder builder = StructuredPruner.builder().threshold(threshold);
        if (threshold == 0.0) {
            builder.verifyOn(tolerance, inputs);
        }
        builder.lowerConvolutions(lower, inputs);
        AnyNetwork.Pruned pruned = original.prune(builder.build());   // the pruner logs its report, one line per layer
        double diff = OutputDiff.relativeMaxAbs(original.output(x), pruned.network().output(x));
        out.printf("outputs on %d random %s inputs: max relative difference %.3g (%s)%n", batch, shape, diff,
                threshold == 0.0 ? "verified <= " + tolerance : "not verified: threshold > 0 may change outputs");
        printCost(out, original, pruned.network(), shape);
        ModelFiles.saveAtomically(pruned.network().model(), output);
        out.printf("wrote %s (%s, %d -> %d parameters)%n", output, original.kind(), original.numParams(),
                pruned.network().numParams());
        return 0;
    }

    private void printCost(PrintWriter out, AnyNetwork before, AnyNetwork after, InputShape shape) {
        try {
            NetworkCost b = before.cost(new CostModel(), shape.inputType());
            NetworkCost a = after.cost(new CostModel(), shape.inputType());
            out.printf("MACs per example %d -> %d (%.1f%%), parameters %d -> %d (%.1f%%)%n", b.getMacs(), a.getMacs(),
                    100.0 * a.getMacs() / Math.max(1, b.getMacs()), b.getParams(), a.getParams(),
                    100.0 * a.getParams() / Math.max(1, b.getParams()));
        } catch (RuntimeException e) {
            out.println("MACs not computed for input " + shape + ": " + e.getMessage());
        }
    }
}
