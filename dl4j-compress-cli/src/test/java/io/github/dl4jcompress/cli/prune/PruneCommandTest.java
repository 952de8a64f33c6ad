package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.cli.CliRun;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;


import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dl4jc prune}: the happy paths for both network kinds and every rejected input (exit code 2, nothing written). */
class PruneCommandTest {

    @TempDir
    Path dir;

    private String stdout;
    private String stderr;

    private int dl4jc(String... args) {
        CliRun run = CliRun.of(args);
        stdout = run.stdout();
        stderr = run.stderr();
        return run.code();
    }

    /** conv(6 filters, 3x3, truncate) -> max pool -> dense(8) -> softmax(3) on 1x12x12; filters 1 and 4 zeroed. */
    static MultiLayerNetwork smallMln(boolean flatInput) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Truncate).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(flatInput ? InputType.convolutionalFlat(12, 12, 1) : InputType.convolutional(12, 12, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        zeroFilter(net.getLayer(0), 1);
        zeroFilter(net.getLayer(0), 4);
        return net;
    }

    /** Zeroes filter o of a conv layer, weights only: its constant relu(bias) output must be folded. */
    private static void zeroFilter(Layer conv, int o) {
        INDArray w = conv.getParam("W");
        long[] s = w.shape();
        for (long i = 0; i < s[1]; i++) {
            for (long y = 0; y < s[2]; y++) {
                for (long x = 0; x < s[3]; x++) {
                    w.putScalar(new long[] {o, i, y, x}, 0.0);
                }
            }
        }
        conv.getParam("b").putScalar(o, 0.25);
    }

    private File save(MultiLayerNetwork net, String name) throws IOException {
        File f = dir.resolve(name).toFile();
        ModelSerializer.writeModel(net, f, true);
        return f;
    }

    private void assertNothingWritten(File out) throws IOException {
        assertFalse(out.exists(), "no output expected, found " + out);
        assertNoTempFiles();
    }

    private void assertNoTempFiles() throws IOException {
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary file left behind");
        }
    }

    @Test
    void prunesMultiLayerNetworkAndWritesEquivalentModel() throws Exception {
        MultiLayerNetwork net = smallMln(false);
        File in = save(net, "lenet.zip");
        File out = dir.resolve("pruned.zip").toFile();

        int code = dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", "1x12x12");

        assertEquals(0, code, stderr);
        // the report is the pruner's log (one INFO line per layer), not printed a second time on stdout
        assertFalse(stdout.contains("PruneReport") || stdout.contains("filters"), stdout);
        assertTrue(stdout.contains("MACs per example") && stdout.contains("wrote"), stdout);
        File plain = dir.resolve("plain.bin").toFile();
        Files.write(plain.toPath(), new byte[1]);
        assertEquals(Files.getPosixFilePermissions(plain.toPath()), Files.getPosixFilePermissions(out.toPath()),
                "the model is written with the user's umask, like any other new file");
        MultiLayerNetwork pruned = ModelSerializer.restoreMultiLayerNetwork(out, true);
        assertEquals(4, pruned.getLayer(0).getParam("W").size(0), "two of six filters removed");
        assertTrue(pruned.numParams() < net.numParams());
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12);
        INDArray expected = net.output(x, false);
        assertTrue(expected.sub(pruned.output(x, false)).amaxNumber().doubleValue() < 1e-5);
        assertNotNull(pruned.getUpdater(false), "updater state kept for continued training");
        assertNoTempFiles();
    }

    @Test
    void lowersConvolutionsOnRequest() throws Exception {
        MultiLayerNetwork net = smallMln(false);
        File in = save(net, "lenet.zip");
        File out = dir.resolve("lowered.zip").toFile();
        assertEquals(0, dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", "1x12x12", "--lower", "ALWAYS"), stderr);
        MultiLayerNetwork pruned = ModelSerializer.restoreMultiLayerNetwork(out, true);
        assertInstanceOf(io.github.dl4jcompress.layers.LoweredConvolution.class, pruned.getLayerWiseConfigurations().getConf(0).getLayer());
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12);
        assertTrue(net.output(x, false).sub(pruned.output(x, false)).amaxNumber().doubleValue() < 1e-5);
        assertEquals(2, dl4jc("prune", in.getPath(), "-o", dir.resolve("x.zip").toString(), "--lower", "SOMETIMES"));
    }

    @Test
    void acceptsFlatInputModels() throws Exception {
        File in = save(smallMln(true), "flat.zip");
        File out = dir.resolve("pruned.zip").toFile();
        assertEquals(0, dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", "1x12x12"), stderr);
        assertEquals(4, ModelSerializer.restoreMultiLayerNetwork(out, false).getLayer(0).getParam("W").size(0));
    }

    @Test
    void prunesComputationGraphAtDefaultInputShape() throws Exception {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "c1")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").setInputTypes(InputType.convolutional(28, 28, 1)).build());
        g.init();
        zeroFilter(g.getLayer("c1"), 2);
        g.getLayer("c1").getParam("b").putScalar(2, 0.0); // same padding downstream: only an exact zero channel can go
        File in = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(g, in, false);
        File out = dir.resolve("graph-pruned.zip").toFile();

        assertEquals(0, dl4jc("prune", in.getPath(), "-o", out.getPath()), stderr);

        ComputationGraph pruned = ModelSerializer.restoreComputationGraph(out, false);
        assertEquals(4, pruned.getLayer("c1").getParam("W").size(0));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28);
        assertTrue(g.outputSingle(false, x).sub(pruned.outputSingle(false, x)).amaxNumber().doubleValue() < 1e-5);
    }

    @Test
    void positiveThresholdPrunesSmallGroupsAndSaysOutputsMayChange() throws Exception {
        MultiLayerNetwork net = smallMln(false);
        INDArray w = net.getLayer(0).getParam("W");
        for (int k = 0; k < 9; k++) {
            w.putScalar(new long[] {3, 0, k / 3, k % 3}, 1e-6); // filter 3: not zero, but below the threshold
        }
        File in = save(net, "m.zip");
        File out = dir.resolve("p.zip").toFile();
        assertEquals(0, dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", "1x12x12", "--threshold", "1e-3"), stderr);
        assertTrue(stdout.contains("not verified"), stdout);
        assertEquals(3, ModelSerializer.restoreMultiLayerNetwork(out, false).getLayer(0).getParam("W").size(0));
    }

    @Test
    void missingModelFileIsRejected() throws IOException {
        File out = dir.resolve("out.zip").toFile();
        assertEquals(2, dl4jc("prune", dir.resolve("nope.zip").toString(), "-o", out.getPath()));
        assertTrue(stderr.contains("No such model file"), stderr);
        assertNothingWritten(out);
    }

    @Test
    void truncatedZipIsRejectedAndExistingOutputUntouched() throws Exception {
        File good = save(smallMln(false), "good.zip");
        byte[] bytes = Files.readAllBytes(good.toPath());
        File truncated = dir.resolve("truncated.zip").toFile();
        Files.write(truncated.toPath(), Arrays.copyOf(bytes, bytes.length / 2));
        File out = dir.resolve("out.zip").toFile();
        Files.writeString(out.toPath(), "previous content");

        assertEquals(2, dl4jc("prune", truncated.getPath(), "-o", out.getPath(), "--input", "1x12x12"));

        assertTrue(stderr.contains("truncated or not a zip"), stderr);
        assertEquals("previous content", Files.readString(out.toPath()));
        assertNoTempFiles();
    }

    @Test
    void filesThatAreNotModelsAreRejected() throws IOException {
        File text = dir.resolve("notes.zip").toFile();
        Files.writeString(text.toPath(), "hello");
        File otherZip = dir.resolve("other.zip").toFile();
        try (ZipOutputStream z = new ZipOutputStream(new FileOutputStream(otherZip))) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("not a model".getBytes(StandardCharsets.UTF_8));
        }
        File fakeModel = dir.resolve("fake.zip").toFile();
        try (ZipOutputStream z = new ZipOutputStream(new FileOutputStream(fakeModel))) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.write("{\"something\": 1}".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("coefficients.bin"));
            z.write(new byte[] {1, 2, 3});
        }
        File out = dir.resolve("out.zip").toFile();
        for (File bad : new File[] {text, otherZip, fakeModel}) {
            assertEquals(2, dl4jc("prune", bad.getPath(), "-o", out.getPath()), bad + ": " + stderr);
            assertFalse(stderr.isBlank());
            assertNothingWritten(out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.5", "NaN", "Infinity"})
    void badThresholdsAreRejected(String threshold) throws IOException {
        File in = save(smallMln(false), "m.zip");
        File out = dir.resolve("out.zip").toFile();
        assertEquals(2, dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", "1x12x12", "--threshold", threshold));
        assertTrue(stderr.contains("--threshold"), stderr);
        assertNothingWritten(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12x12", "0x12x12", "1xaxb", "3x12x12"})
    void inputShapesTheModelCannotTakeAreRejected(String shape) throws IOException {
        File in = save(smallMln(false), "m.zip");
        File out = dir.resolve("out.zip").toFile();
        assertEquals(2, dl4jc("prune", in.getPath(), "-o", out.getPath(), "--input", shape));
        assertFalse(stderr.isBlank());
        assertNothingWritten(out);
    }

    @Test
    void missingOutputDirectoryAndSameFileAreRejected() throws IOException {
        File in = save(smallMln(false), "m.zip");
        long size = in.length();
        assertEquals(2, dl4jc("prune", in.getPath(), "-o", dir.resolve("no/such/dir/out.zip").toString()));
        assertTrue(stderr.contains("output directory"), stderr);
        assertEquals(2, dl4jc("prune", in.getPath(), "-o", in.getPath(), "--input", "1x12x12"));
        assertEquals(size, in.length(), "input model untouched");
        assertEquals(2, dl4jc("prune", in.getPath()), "-o is required");
    }
}
