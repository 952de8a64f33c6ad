package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why Spark evaluation gets its own minibatch size: DL4J's {@code IteratorDataSetIterator}, which Spark evaluation uses
 * to re-batch each partition, loses examples on some partition layouts; minibatches of exactly the evaluation size
 * pass through it whole.
 */
class BatchesTest {

    @Test
    void dl4jRebatchingDropsATailWhichIsWhyEvaluationBatchesMatchItsSize() {
        // a partition of 256-example minibatches ending in one of 136: DL4J yields 128 of those 136 and an empty batch
        List<Integer> dl4j = rebatchedSizes(dataSet(2440).batchBy(256));
        assertEquals(2432, dl4j.stream().mapToInt(Integer::intValue).sum(), "DL4J fixed? then drop this workaround");
        assertTrue(dl4j.contains(0), dl4j.toString());

        List<Integer> ours = rebatchedSizes(dataSet(2440).batchBy(Batches.EVALUATION_BATCH));
        assertEquals(2440, ours.stream().mapToInt(Integer::intValue).sum(), ours.toString());
        assertFalse(ours.contains(0), ours.toString());
    }

    private static List<Integer> rebatchedSizes(List<DataSet> partition) {
        IteratorDataSetIterator it = new IteratorDataSetIterator(partition.iterator(), Batches.EVALUATION_BATCH);
        List<Integer> sizes = new ArrayList<>();
        while (it.hasNext()) {
            sizes.add(it.next().numExamples());
        }
        return sizes;
    }

    private static DataSet dataSet(int n) {
        return new DataSet(Nd4j.rand(DataType.FLOAT, n, 4), Nd4j.rand(DataType.FLOAT, n, 2));
    }
}
