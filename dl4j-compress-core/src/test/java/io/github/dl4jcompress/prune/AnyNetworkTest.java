package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The adapter's training-side operations behave alike for both kinds and never touch the wrapped network. */
class AnyNetworkTest {

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Nesterovs(0.1, 0.9));
    }

    private static AnyNetwork chain() {
        MultiLayerNetwork n = new MultiLayerNetwork(base().list()
                .layer(new DenseLayer.Builder().name("h").nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        n.init();
        return AnyNetwork.of(n);
    }

    private static AnyNetwork graph() {
        ComputationGraph g = new ComputationGraph(base().graphBuilder().addInputs("x")
                .addLayer("h", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "x")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").setInputTypes(InputType.feedForward(4)).build());
        g.init();
        return AnyNetwork.of(g);
    }

    private static List<MultiDataSet> batches() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 12, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 12, 3);
        for (int i = 0; i < 12; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        DataSet d = new DataSet(x, y);
        return List.of(d.getRange(0, 6).toMultiDataSet(), d.getRange(6, 12).toMultiDataSet());
    }

    @Test
    void parametersCopyHasEqualParametersNoUpdaterStateAndIsIndependent() {
        for (AnyNetwork n : List.of(chain(), graph())) {
            n.fitEpoch(batches());                                    // the original now has momentum
            AnyNetwork c = n.parametersCopy();
            assertEquals(n.isGraph(), c.isGraph());
            assertEquals(n.model().params(), c.model().params());
            assertNotEquals(0.0, n.updaterState().amaxNumber().doubleValue(), "the original keeps its momentum");
            INDArray state = c.updaterState();                        // DL4J creates a fresh (zero) one on request
            assertTrue(state == null || state.amaxNumber().doubleValue() == 0.0, "no momentum carried into the copy");
            c.model().params().assign(0);
            assertNotEquals(0.0, n.model().params().sumNumber().doubleValue(), "the copy shares no buffer");
        }
    }

    @Test
    void bothKindsTrainEvaluateAndRebuildAlike() {
        AnyNetwork c = chain();
        AnyNetwork g = graph();
        g.model().setParams(c.model().params().dup());          // same layers, same parameter order
        for (AnyNetwork n : List.of(c, g)) {
            n.fitEpoch(batches());
            assertEquals(2, n.iterationCount());
            assertEquals(1, n.epochCount());
        }
        assertEquals(c.model().params(), g.model().params(), "one epoch over the same batches");
        assertEquals(c.accuracy(batches()), g.accuracy(batches()), 0.0);
        assertEquals(c.output(batches().get(0).getFeatures())[0], g.output(batches().get(0).getFeatures())[0]);
        assertEquals(0.1, c.learningRate(), 0.0);

        for (AnyNetwork n : List.of(c, g)) {
            INDArray params = n.model().params().dup();
            INDArray state = n.updaterState().dup();
            AnyNetwork regularized = n.fresh(conf -> conf.apply(StructuredSparsity.builder().filters(0.01).build()));
            assertEquals(0, regularized.iterationCount(), "fresh: counters reset");
            assertEquals(0.0, regularized.updaterState().amaxNumber().doubleValue(), 0.0, "fresh: zero updater state");
            assertEquals(params, regularized.model().params());
            assertNotSame(n.model().params(), regularized.model().params());
            assertTrue(((BaseLayer) regularized.layers()[0].conf().getLayer()).getRegularization().stream().anyMatch(r -> r instanceof GroupLasso));
            assertTrue(((BaseLayer) n.layers()[0].conf().getLayer()).getRegularization().isEmpty(), "the original configuration is untouched");

            AnyNetwork same = n.withConfiguration(conf -> { });
            assertEquals(state, same.updaterState(), "withConfiguration keeps the updater state");
            assertEquals(n.iterationCount(), same.iterationCount(), "and the counters");
            assertEquals(params, n.model().params(), "the wrapped network is never changed");
        }
    }

    @Test
    void saveIsAtomicWithTheUsersUmaskAndRoundTrips(@TempDir Path dir) throws Exception {
        for (AnyNetwork n : List.of(chain(), graph())) {
            n.fitEpoch(batches());
            File f = dir.resolve(n.kind() + ".zip").toFile();
            n.save(f);
            Path plain = Files.createFile(dir.resolve(n.kind() + ".plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f.toPath()));
            AnyNetwork back = AnyNetwork.load(f, n.isGraph());
            assertEquals(n.model().params(), back.model().params());
            assertEquals(n.updaterState(), back.updaterState());
            try (var files = Files.list(dir)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
            }
        }
    }
}
