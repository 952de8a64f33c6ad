package io.github.dl4jcompress.cli.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {

    @Test
    void theBundledSubsetLoadsWithBalancedOneHotLabels() throws IOException {
        FashionMnist fm = FashionMnist.bundled();
        DataSet train = fm.train();
        assertEquals(10000, train.numExamples());
        assertEquals(5000, fm.test().numExamples());
        assertEquals(784, train.getFeatures().size(1));
        assertEquals(1.0, train.getFeatures().maxNumber().doubleValue(), 1e-6);
        assertEquals(0.0, train.getFeatures().minNumber().doubleValue(), 0);
        assertEquals(10000.0, train.getLabels().sumNumber().doubleValue(), 0);
        double[] perClass = train.getLabels().sum(0).toDoubleVector();
        for (double c : perClass) {
            assertTrue(c > 900 && c < 1100, "class count " + c);
        }
    }

    @Test
    void badFilesGiveClearErrors(@TempDir File dir) {
        IOException notIdx = assertThrows(IOException.class, () -> IdxReader.read(new ByteArrayInputStream(new byte[]{0, 0, 9, 1, 0, 0, 0, 1}), "x"));
        assertTrue(notIdx.getMessage().contains("magic"), notIdx.getMessage());
        assertThrows(IOException.class, () -> IdxReader.read(new ByteArrayInputStream(new byte[]{0, 0, 8, 1, 0, 0, 0, 5, 1, 2}), "short"));
        IOException missing = assertThrows(IOException.class, () -> FashionMnist.fromDirectory(new File(dir, "nope")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IOException empty = assertThrows(IOException.class, () -> FashionMnist.fromDirectory(dir));
        assertTrue(empty.getMessage().contains("train-images-idx3-ubyte"), empty.getMessage());
    }
}
