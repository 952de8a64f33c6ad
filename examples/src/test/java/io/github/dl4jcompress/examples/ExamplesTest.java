package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.arbiter.CandidateRecord;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.prune.PruneResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each example runs end to end on tiny data and does what its Javadoc says. */
class ExamplesTest {

    @Test
    void sslQuickStartPrunesToASmallerNetworkWithTheSameOutputs() {
        PruneResult<MultiLayerNetwork> small = SslQuickStart.run(ToyImages.iterator(256, 16, 32, 1), 16, 3);
        MultiLayerNetwork pruned = small.network();
        assertTrue(pruned.numParams() > 0);
        INDArray x = ToyImages.make(8, 16, 9).getFeatures();
        assertEquals(8, pruned.output(x).rows());
        assertTrue(small.report() != null);
    }

    @Test
    void aSavedModelIsCompressedToItsBudgetAndItsZipLeftAsItWas(@TempDir Path dir) throws Exception {
        File zip = dir.resolve("trained.zip").toFile();
        CompressSavedModel.trainAndSave(ToyImages.iterator(512, 16, 32, 1), 16, 4, zip);
        byte[] before = Files.readAllBytes(zip.toPath());
        File out = dir.resolve("compressed.zip").toFile();
        CompressionResult<MultiLayerNetwork> r = CompressSavedModel.run(zip, ToyImages.iterator(512, 16, 32, 1),
                ToyImages.iterator(256, 16, 64, 2), InputType.convolutionalFlat(16, 16, 1), 0.5, out);
        assertArrayEquals(before, Files.readAllBytes(zip.toPath()), "the input zip changed");
        assertEquals("met", r.report().status);
        assertTrue(r.report().result.macs <= 0.5 * 1.05 * r.report().baseline.macs, r.report().result.macs + " of " + r.report().baseline.macs);
        MultiLayerNetwork saved = ModelSerializer.restoreMultiLayerNetwork(out, true);
        assertEquals(r.network().params(), saved.params());
        assertTrue(saved.numParams() < ModelSerializer.restoreMultiLayerNetwork(zip, false).numParams());
    }

    @Test
    void trueNorthCheckReportsFloatAndDeployedAccuracy() {
        double[] acc = TrueNorthDeploymentCheck.run(ToyImages.make(512, 12, 1), ToyImages.make(128, 12, 2), 144, 3);
        assertTrue(acc[0] > 0.5, "float accuracy " + acc[0]);
        assertTrue(acc[1] > 0.25, "deployed accuracy " + acc[1] + " at or below chance");
    }

    @Test
    void ternGradWorkersLearnInOneFitCall() {
        double accuracy = TernGradParallelTraining.run(ToyImages.make(512, 12, 1), ToyImages.make(128, 12, 2), 12, 2, 3);
        assertTrue(accuracy > 0.8, "test accuracy " + accuracy + " after TernGrad training (chance: 0.25)");
    }

    @Test
    void sparkCompressesWithTheProceduresPhasesOnTheExecutors() {
        CompressionResult<MultiLayerNetwork> r = SparkSslTraining.run(ToyImages.make(1024, 12, 1), ToyImages.make(128, 12, 2), 12, 4);
        assertTrue(r.report().completed.containsAll(List.of("control", "sparsify-1", "prune-1", "finetune", "final")),
                r.report().completed.toString());
        assertTrue(r.network().evaluate(ToyImages.iterator(ToyImages.make(128, 12, 3), 64)).accuracy() > 0.8);
        assertTrue(r.report().result.macs < r.report().baseline.macs, "nothing was removed: " + r.report().status);
    }

    @Test
    void arbiterSearchRecordsEveryCandidateAndAParetoFront() {
        List<CandidateRecord> records = ArbiterSparsitySearch.run(ToyImages.make(512, 12, 1), ToyImages.make(128, 12, 2), 12, 2, 3_000);
        assertEquals(2, records.size());
        assertTrue(records.stream().anyMatch(r -> r.pareto));
        records.forEach(r -> assertTrue(r.macs > 0 && r.paramsCount <= r.paramsBeforePruning, r.toString()));
        assertTrue(records.stream().anyMatch(r -> r.paramsCount < r.paramsBeforePruning), "no candidate was pruned: " + records);
    }

    @Test
    void toyImagesAreDeterministicAndLabelled() {
        assertEquals(ToyImages.make(16, 8, 5).getFeatures(), ToyImages.make(16, 8, 5).getFeatures());
        assertEquals(Nd4j.ones(16).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                ToyImages.make(16, 8, 5).getLabels().sum(1).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
    }
}
