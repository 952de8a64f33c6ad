package io.github.dl4jcompress.cli;

import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.cli.prune.InputShape;
import io.github.dl4jcompress.cli.prune.ModelFiles;
import io.github.dl4jcompress.cli.prune.UnusableInputException;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.File;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc report MODEL.zip}: per-layer parameters, MACs and kept filters/channels/shapes of a saved model. A
 * malformed {@code --input}, an input that does not fit the network (named layer, its nIn and the size given) or an
 * unreadable model ends with exit code 2 and one line on stderr.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Per-layer cost and structured sparsity of a model saved with ModelSerializer.")
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "model zip (MultiLayerNetwork or ComputationGraph)")
    File model;

    @Option(names = "--input", description = "input shape CxHxW (default ${DEFAULT-VALUE}), fed to every network input",
            defaultValue = "1x28x28")
    String input;

    @Option(names = "--threshold", description = "group norm at or below which a group counts as zero (default ${DEFAULT-VALUE})", defaultValue = "0")
    double threshold;

    @Override
    public Integer call() {
        try {
            spec.commandLine().getOut().print(cost().toTable());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (UnusableInputException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 2;
        }
    }

    private NetworkCost cost() throws UnusableInputException {
        InputShape shape = InputShape.parseOption("--input", input);
        AnyNetwork net = ModelFiles.load(model);
        CostModel cm = new CostModel(threshold);
        return net.cost(cm, shape.inputType());
    }
}
