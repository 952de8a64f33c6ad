package io.github.dl4jcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;



import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;


/** Issue 16, item 9: {@code dl4jc report} refuses a malformed or non-fitting {@code --input} with a clear message. */
class ReportCommandTest {

    private String stdout;
    private String stderr;

    private int dl4jc(String... args) {
        CliRun run = CliRun.of(args);
        stdout = run.stdout();
        stderr = run.stderr();
        return run.code();
    }

    private static File model(File dir) throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("out").nOut(2).build())
                .setInputType(InputType.convolutional(12, 12, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, f, false);
        return f;
    }

    @Test
    void malformedInputIsRefusedWithoutAStackTrace(@TempDir File dir) throws Exception {
        File f = model(dir);
        for (String bad : new String[] {"axbxc", "1x12", "0x12x12", "1x-3x12"}) {
            assertEquals(2, dl4jc("report", f.getPath(), "--input", bad), bad + ": " + stderr);
            assertTrue(stderr.contains("--input") && stderr.contains(bad) && !stderr.contains("Exception"), stderr);
        }
    }

    @Test
    void inputThatDoesNotFitTheNetworkIsRefusedNamingTheLayer(@TempDir File dir) throws Exception {
        File f = model(dir);
        assertEquals(2, dl4jc("report", f.getPath(), "--input", "1x10x10"), stdout + stderr);
        assertTrue(stderr.contains("layer 1 'fc'") && stderr.contains("nIn 400"), stderr);
        assertTrue(stdout.isEmpty(), stdout);
        assertEquals(0, dl4jc("report", f.getPath(), "--input", "1x12x12"), stderr);
        assertTrue(stdout.contains("conv1") && stdout.contains("fc"), stdout);
    }
}
