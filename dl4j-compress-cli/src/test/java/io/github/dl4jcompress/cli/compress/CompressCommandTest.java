package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.Dl4jc;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dl4jc compress}: each unusable input is one line, exit 2, nothing written; a tiny run writes zip, JSON and HTML. */
class CompressCommandTest {

    @TempDir
    static File dir;
    static File model;
    static File csv;

    /** 3 classes of 8x8 images (a bright quadrant each), label in the last column. */
    static void writeCsv(File f, int n, long seed, int features) throws Exception {
        Nd4j.getRandom().setSeed(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int p = 0; p < features; p++) {
                int r = p / 8;
                int q = p % 8;
                boolean bright = (c == 0 && r < 4 && q < 4) || (c == 1 && r >= 4 && q < 4) || (c == 2 && r < 4 && q >= 4);
                sb.append(String.format("%.3f,", Nd4j.getRandom().nextDouble() * 0.5 + (bright ? 0.6 : 0)));
            }
            sb.append(c).append('\n');
        }
        Files.writeString(f.toPath(), sb.toString());
    }

    @BeforeAll
    static void setUp() throws Exception {
        csv = new File(dir, "data.csv");
        writeCsv(csv, 300, 1, 64);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.02, 0.9))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(6).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(12).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 30, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 30, 3);
        for (int i = 0; i < 30; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        net.fit(new DataSet(x, y));
        model = new File(dir, "model.zip");
        ModelSerializer.writeModel(net, model, true);
    }

    private record Run(int code, String err, String out) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Dl4jc());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, err.toString(), out.toString());
    }

    private static void assertUnusable(String part, File out, String... args) throws Exception {
        byte[] before = Files.readAllBytes(model.toPath());
        Run r = run(args);
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(part), "expected '" + part + "' in: " + r.err());
        String base = out.getPath().replaceAll("\\.zip$", "");
        for (String f : new String[]{out.getPath(), base + ".json", base + ".html", out.getPath() + ".checkpoints"}) {
            assertFalse(new File(f).exists(), f + " was written");
        }
        assertArrayEquals(before, Files.readAllBytes(model.toPath()), "the input model changed");
    }

    @Test
    void unusableInputsExitWithCode2AndWriteNothing() throws Exception {
        File out = new File(dir, "out.zip");
        String m = model.getPath();
        String d = csv.getPath();
        File notAModel = new File(dir, "text.zip");
        Files.writeString(notAModel.toPath(), "not a zip");
        assertUnusable("not a readable model zip", out, "compress", notAModel.getPath(), "--data", d, "-o", out.getPath(), "--input", "1x8x8");
        assertUnusable("--target-macs must be in (0, 1]", out, "compress", m, "--data", d, "-o", out.getPath(), "--input", "1x8x8", "--target-macs", "1.5");
        assertUnusable("--target-macs must be in (0, 1]", out, "compress", m, "--data", d, "-o", out.getPath(), "--input", "1x8x8", "--target-macs", "0");
        assertUnusable("--target-latency-ms", out, "compress", m, "--data", d, "-o", out.getPath(), "--input", "1x8x8", "--target-latency-ms", "-3");
        assertUnusable("unreachable budget", out, "compress", m, "--data", d, "-o", out.getPath(), "--input", "1x8x8", "--target-macs", "0.0001");
        File small = new File(dir, "small.csv");
        writeCsv(small, 30, 1, 49);
        assertUnusable("does not fit the network's input", out, "compress", m, "--data", small.getPath(), "-o", out.getPath(), "--input", "1x7x7");
        assertUnusable("needs 64", out, "compress", m, "--data", small.getPath(), "-o", out.getPath(), "--input", "1x8x8");
        File badLabel = new File(dir, "bad.csv");
        Files.writeString(badLabel.toPath(), "0.1,0.2,cat\n");
        assertUnusable("is not a class label", out, "compress", m, "--data", badLabel.getPath(), "-o", out.getPath(), "--input", "1x8x8");
        assertUnusable("no such data", out, "compress", m, "--data", new File(dir, "missing").getPath(), "-o", out.getPath());
        assertUnusable("output must be a .zip", out, "compress", m, "--data", d, "-o", new File(dir, "out.bin").getPath());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTinyRunWritesModelJsonAndHtml() throws Exception {
        File out = new File(dir, "small-out.zip");
        Run r = run("compress", model.getPath(), "--data", csv.getPath(), "-o", out.getPath(), "--input", "1x8x8", "--target-macs", "0.5",
                "--max-drop", "0.5", "--ssl-epochs", "3", "--finetune-epochs", "1", "--batch", "16", "--latency-batch", "8");
        assertEquals(0, r.code(), r.err());
        assertTrue(out.isFile());
        Map<String, Object> json = new ObjectMapper().readValue(new File(dir, "small-out.json"), Map.class);
        for (String key : Arrays.asList("target", "baseline", "control", "result", "status")) {
            assertTrue(json.containsKey(key), key);
        }
        Map<String, Object> result = (Map<String, Object>) json.get("result");
        for (String key : Arrays.asList("accuracy", "macs", "macFraction", "speedup")) {
            assertTrue(result.get(key) instanceof Number, "result." + key);
        }
        assertTrue(((String) json.get("status")).startsWith("met") || ((String) json.get("status")).startsWith("not met: "));
        String html = Files.readString(new File(dir, "small-out.html").toPath());
        assertTrue(html.contains("data:image/png;base64,") && html.contains("</html>"));
    }
}
