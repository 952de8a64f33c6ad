package io.github.dl4jcompress.spark;

import java.util.Collections;
import java.util.Iterator;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingWorker;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The Spark task of per-layer TernGrad: trains this executor's model on one partition of pre-batched
 * {@code DataSet}s (or {@code MultiDataSet}s) through {@link TernGradExecutorTrainer}, in place of DL4J's
 * {@code SharedFlatMapDataSet}/{@code SharedFlatMapMultiDataSet}, which are tied to DL4J's wrapper.
 *
 * @param <T> {@code DataSet} or {@code MultiDataSet}
 */
final class PerLayerTernGradFlatMap<T> implements FlatMapFunction<Iterator<T>, SharedTrainingResult> {

    private static final long serialVersionUID = 1L;

    private final SharedTrainingWorker worker;
    private final PerLayerTernGradSettings settings;
    private final boolean multi;

    private PerLayerTernGradFlatMap(SharedTrainingWorker worker, PerLayerTernGradSettings settings, boolean multi) {
        this.worker = worker;
        this.settings = settings;
        this.multi = multi;
    }

    static PerLayerTernGradFlatMap<DataSet> dataSets(SharedTrainingWorker worker, PerLayerTernGradSettings settings) {
        return new PerLayerTernGradFlatMap<>(worker, settings, false);
    }

    static PerLayerTernGradFlatMap<MultiDataSet> multiDataSets(SharedTrainingWorker worker,
                                                               PerLayerTernGradSettings settings) {
        return new PerLayerTernGradFlatMap<>(worker, settings, true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterator<SharedTrainingResult> call(Iterator<T> partition) {
        if (!partition.hasNext()) {
            return Collections.emptyIterator();
        }
        TernGradExecutorTrainer trainer = TernGradExecutorTrainer.forMaster(worker.getInstanceId());
        SharedTrainingResult result = multi
                ? trainer.fitMulti(worker, settings, (Iterator<MultiDataSet>) partition)
                : trainer.fit(worker, settings, (Iterator<DataSet>) partition);
        return Collections.singletonList(result).iterator();
    }
}
