package io.github.dl4jcompress.cli.spark;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.github.dl4jcompress.cli.ssl.LeNet;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-epoch checkpoint a killed Spark driver resumes from: round trip, refusal of a zip that does not match its
 * progress file, and {@link EpochCheckpoint#verify} telling the saved model from a changed or truncated one.
 */
class EpochCheckpointTest {

    private static MultiLayerNetwork lenet() {
        MultiLayerNetwork net = new MultiLayerNetwork(LeNet.configuration(3, new Sgd(0.02)));
        net.init();
        return net;
    }

    private static DataSet test(int n) {
        Nd4j.getRandom().setSeed(5);
        DataSet d = new DataSet(Nd4j.rand(n, 784), Nd4j.zeros(n, 10));
        for (int i = 0; i < n; i++) {
            d.getLabels().putScalar(i, i % 10, 1.0);
        }
        return d;
    }

    private static double accuracy(MultiLayerNetwork net, DataSet t) {
        return net.evaluate(new ListDataSetIterator<>(t.batchBy(256))).accuracy();
    }

    @Test
    void roundTripResumesTheSavedEpochAndItsProgress(@TempDir Path dir) throws Exception {
        EpochCheckpoint c = new EpochCheckpoint(dir.toFile(), "job-mode");
        assertNull(c.load(), "no checkpoint yet");
        MultiLayerNetwork net = lenet();
        DataSet t = test(40);
        c.save(net, 2, 40, List.of(10.0, 21.5), List.of(0.1, accuracy(net, t)));
        EpochCheckpoint.State s = c.load();
        assertEquals(2, s.epochsDone());
        assertEquals(List.of(10.0, 21.5), s.fitSecondsByEpoch());
        assertEquals(net.params(), s.network().params());
        assertEquals(net.getLayerWiseConfigurations().toJson(), s.network().getLayerWiseConfigurations().toJson());
        Map<String, Object> v = EpochCheckpoint.verify(new File(dir.toFile(), "job-mode.json"), net.numParams(), t);
        assertEquals(true, v.get("valid"), v.toString());
    }

    @Test
    void aZipFromAnotherEpochThanItsProgressIsRefused(@TempDir Path dir) throws Exception {
        EpochCheckpoint c = new EpochCheckpoint(dir.toFile(), "m");
        MultiLayerNetwork net = lenet();
        c.save(net, 1, 40, List.of(1.0), List.of(0.5));
        // killed between the two writes of the next epoch: the zip moved on, the progress did not
        net.setEpochCount(2);
        ModelSerializer.writeModel(net, c.zip(), true);
        IllegalStateException e = assertThrows(IllegalStateException.class, c::load);
        assertTrue(e.getMessage().contains("after 2 epochs") && e.getMessage().contains("records 1"), e.getMessage());
    }

    @Test
    void verifyRefusesChangedTruncatedOrForeignModels(@TempDir Path dir) throws Exception {
        File progress = new File(dir.toFile(), "m.json");
        EpochCheckpoint c = new EpochCheckpoint(dir.toFile(), "m");
        MultiLayerNetwork net = lenet();
        DataSet t = test(60);
        c.save(net, 1, 60, List.of(1.0), List.of(accuracy(net, t)));
        assertEquals(true, EpochCheckpoint.verify(progress, net.numParams(), t).get("valid"));
        assertEquals(false, EpochCheckpoint.verify(progress, net.numParams() + 1, t).get("valid"), "parameter count");

        // a half-applied update: some parameters moved after the accuracy was recorded
        MultiLayerNetwork moved = lenet();
        moved.params().muli(-3);
        moved.setEpochCount(1);
        ModelSerializer.writeModel(moved, c.zip(), true);
        Map<String, Object> v = EpochCheckpoint.verify(progress, net.numParams(), t);
        assertFalse((Boolean) v.get("valid"));
        assertTrue(v.get("problem").toString().startsWith("parameters differ"), v.toString());

        byte[] whole = Files.readAllBytes(c.zip().toPath());
        Files.write(c.zip().toPath(), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertEquals(false, EpochCheckpoint.verify(progress, net.numParams(), t).get("valid"), "truncated zip");
    }
}
