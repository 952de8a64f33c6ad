package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernGradThresholdAlgorithm;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import io.github.dl4jcompress.terngrad.ZeroResidualPostProcessor;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bytes-per-iteration accounting: TernGrad message = 20 + 8L + ⌈N/4⌉ bytes; DL4J bitmap = 4·(⌊N/16⌋ + 5) bytes. */
class BytesPerIterationTest {

    @Test
    void lenetTernGradMessageSize() {
        MultiLayerNetwork lenet = new MultiLayerNetwork(LeNet.configuration(1, new Sgd(0.01)));
        lenet.init();
        SegmentLayout layout = SegmentLayout.perParameter(lenet);
        // conv1 20·1·5·5 + 20, conv2 50·20·5·5 + 50, fc1 800·500 + 500, out 500·10 + 10
        assertEquals(8, layout.count());
        assertEquals(520 + 25_050 + 400_500 + 5_010, layout.totalLength());
        long expected = 20 + 8 * 8 + (431_080 + 3) / 4; // = 107,854
        assertEquals(107_854, expected);
        float[] g = new float[layout.totalLength()];
        Random r = new Random(3);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        assertEquals(expected, new Ternarizer(1).encode(g, layout).toBytes().length);
        assertEquals(expected, new Workload("LeNet", layout.totalLength(), layout.count(), 0).ternaryBytes());
        assertEquals(4 * 431_080, new Workload("LeNet", layout.totalLength(), layout.count(), 0).fp32Bytes());
    }

    @Test
    void ragged() {
        // N not a multiple of 4: ⌈N/4⌉ rounds up
        assertEquals(20 + 8 * 3 + 3, TernaryMessage.sizeInBytes(3, 9));
        assertEquals(20 + 8 + 1, new Ternarizer(1).encode(new float[]{1f}, SegmentLayout.single(1)).sizeInBytes());
    }

    @Test
    @Timeout(60)
    void countingAccumulatorSeesDl4jBitmapMessagesOfTernGradGlobalMode() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.05)).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(9).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(9).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        assertEquals(93, net.numParams());
        MessageCountingAccumulator counting = MessageCountingAccumulator.forModel(net, 2, new TernGradThresholdAlgorithm(4),
                new ZeroResidualPostProcessor());
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2).prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.CUSTOM).gradientsAccumulator(counting).build();
        Nd4j.getRandom().setSeed(3);
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            DataSet d = new DataSet(Nd4j.randn(8, 6), Nd4j.zeros(8, 3));
            for (int row = 0; row < 8; row++) {
                d.getLabels().putScalar(row, row % 3, 1.0);
            }
            batches.add(d);
        }
        wrapper.fit(new ListDataSetIterator<>(batches, 1));
        wrapper.shutdown();
        assertEquals(8, counting.updatesStored());
        assertEquals(8, counting.messagesSent());
        long bitmap = 4 * (93 / 16 + 5); // 40 bytes
        assertEquals(bitmap, TernGradThresholdAlgorithm.bitmapMessageBytes(93));
        assertEquals(8 * bitmap, counting.bytesSent());
        assertEquals(bitmap, counting.bytesPerWorkerIteration(), 1e-12);
    }
}
