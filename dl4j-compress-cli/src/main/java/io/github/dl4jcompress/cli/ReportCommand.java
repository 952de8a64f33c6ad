package io.github.dl4jcompress.cli;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.NetworkCost;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.util.concurrent.Callable;

/** {@code dl4jc report MODEL.zip}: per-layer parameters, MACs and kept filters/channels/shapes of a saved model. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Per-layer cost and structured sparsity of a model saved with ModelSerializer.")
public final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "model zip (MultiLayerNetwork or ComputationGraph)")
    File model;

    @Option(names = "--input", description = "input shape CxHxW (default ${DEFAULT-VALUE})", defaultValue = "1x28x28")
    String input;

    @Option(names = "--threshold", description = "group norm at or below which a group counts as zero (default ${DEFAULT-VALUE})", defaultValue = "0")
    double threshold;

    @Override
    public Integer call() throws Exception {
        if (!model.isFile()) {
            System.err.println("No such model file: " + model);
            return 2;
        }
        String[] chw = input.toLowerCase().split("x");
        if (chw.length != 3) {
            System.err.println("--input must be CxHxW, got " + input);
            return 2;
        }
        InputType type = InputType.convolutional(Long.parseLong(chw[1]), Long.parseLong(chw[2]), Long.parseLong(chw[0]));
        CostModel cm = new CostModel(threshold);
        NetworkCost cost;
        try {
            cost = cm.of(ModelSerializer.restoreMultiLayerNetwork(model, false), type);
        } catch (Exception notMln) {
            try {
                ComputationGraph cg = ModelSerializer.restoreComputationGraph(model, false);
                cost = cm.of(cg, type);
            } catch (Exception notCg) {
                System.err.println(model + " is not a DL4J model saved with ModelSerializer: " + notMln.getMessage());
                return 2;
            }
        }
        System.out.print(cost.toTable());
        return 0;
    }
}
