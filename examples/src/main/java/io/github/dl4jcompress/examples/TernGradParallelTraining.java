package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.terngrad.TernGradGradientsAccumulator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * TernGrad with DL4J's ParallelWrapper: the workers share 2-bit ternary gradients (one scaler per parameter array)
 * instead of DL4J's threshold-encoded ones. The accumulator is the only change to an ordinary ParallelWrapper setup.
 */
public final class TernGradParallelTraining {
    private TernGradParallelTraining() {
    }

    /** Trains a small MLP with {@code workers} TernGrad workers and returns its test accuracy. */
    public static double run(DataSet train, DataSet test, int side, int workers, int epochs) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Sgd(0.1 / workers))          // gradients are summed over the workers
                .list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward((long) side * side))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net)
                .workers(workers)
                .prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM)
                .gradientsAccumulator(TernGradGradientsAccumulator.forModel(net, workers, 7))   // the TernGrad part
                .build();
        // All epochs in ONE fit call. With gradient sharing on DL4J 1.0.0-M2.1, every fit call starts new workers;
        // worker 0 trains the original network at once and waits for the others' gradients while holding the
        // network's lock, which worker 1 needs to copy the updater state into its replica: a second fit deadlocks.
        List<DataSet> batches = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            batches.addAll(train.batchBy(32));
        }
        wrapper.fit(new ListDataSetIterator<>(batches, 1));
        wrapper.shutdown();

        Evaluation eval = net.evaluate(ToyImages.iterator(test, 64));
        System.out.printf("TernGrad, %d workers, %d epochs: test accuracy %.3f%n", workers, epochs, eval.accuracy());
        return eval.accuracy();
    }

    public static void main(String[] args) {
        run(ToyImages.make(1024, 12, 1), ToyImages.make(256, 12, 2), 12, 2, 5);
    }
}
