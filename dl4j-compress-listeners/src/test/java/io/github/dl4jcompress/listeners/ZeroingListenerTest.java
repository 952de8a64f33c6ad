package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cost.LayerCost;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZeroingListenerTest {

    static final InputType INPUT = InputType.convolutionalFlat(10, 10, 1);

    static MultiLayerNetwork net(double filterStrength) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Nesterovs(0.05, 0.9)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(6).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder().name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(2, 2).name("conv2").nOut(8).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(10).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
        StructuredSparsity.builder().filters(filterStrength).layers("conv1", "conv2", "fc").build().applyTo(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Two classes: bright top half vs bright bottom half, plus noise. */
    static DataSet data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 100).muli(0.3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 2);
        for (int i = 0; i < n; i++) {
            int c = i % 2;
            x.get(NDArrayIndex.point(i), NDArrayIndex.interval(c * 50, c * 50 + 50)).addi(0.7);
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void groupLassoWithZeroingDrivesWholeFiltersToExactZeroAndTheCostModelAgreesWithAHandCount() {
        MultiLayerNetwork net = net(0.02);
        ZeroingListener zeroing = ZeroingListener.builder().threshold(0.05).keepZero(true).build();
        net.setListeners(zeroing);
        DataSet ds = data(32, 1);
        for (int i = 0; i < 150; i++) {
            net.fit(ds);
        }
        INDArray conv2 = net.getLayer(2).getParam("W").dup(); // [8, 6, 2, 2]
        int zeroFilters = 0;
        for (int f = 0; f < 8; f++) {
            if (conv2.get(NDArrayIndex.point(f), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).amaxNumber().doubleValue() == 0.0) {
                zeroFilters++;
            }
        }
        assertTrue(zeroFilters >= 2, "Group Lasso + zeroing should remove several conv2 filters, removed " + zeroFilters);
        assertTrue(zeroFilters < 8, "the network must keep some filters");
        assertTrue(zeroing.getZeroedWeights() >= zeroFilters * 24L);
        // effective MACs of conv2 by hand: 3x3 output positions x kept filters x 24 columns (no zero columns expected)
        LayerCost c2 = new CostModel().of(net, INPUT).layer("conv2").get();
        assertEquals(8 - zeroFilters, c2.getKeptFilters());
        long keptColumns = c2.getEffectiveMacs() / (9L * (8 - zeroFilters));
        assertEquals(9L * (8 - zeroFilters) * keptColumns, c2.getEffectiveMacs());
        assertTrue(keptColumns <= 24);
        // the network still separates the two classes
        DataSet test = data(40, 2);
        org.nd4j.evaluation.classification.Evaluation eval = new org.nd4j.evaluation.classification.Evaluation(2);
        eval.eval(test.getLabels(), net.output(test.getFeatures()));
        assertTrue(eval.accuracy() > 0.9, "accuracy " + eval.accuracy());
    }

    @Test
    void keptZeroGroupsStayZeroAndUnregularizedLayersAreLeftAlone() {
        MultiLayerNetwork net = net(0.0);
        INDArray w = net.getLayer(0).getParam("W").dup();
        w.get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).muli(1e-6);
        net.getLayer(0).setParam("W", w);
        INDArray outBefore = net.getLayer(4).getParam("W").dup();
        ZeroingListener zeroing = ZeroingListener.builder().threshold(1e-3).keepZero(true).kinds(GroupKind.FILTER).build();
        zeroing.iterationDone(net, 0, 0); // as after an update: the tiny filter is set to exact zero and masked
        net.setListeners(zeroing);
        DataSet ds = data(16, 3);
        assertEquals(0.0, net.getLayer(0).getParam("W").dup().get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                .amaxNumber().doubleValue(), 0.0);
        for (int i = 0; i < 5; i++) {
            net.fit(ds);
        }
        assertEquals(0.0, net.getLayer(0).getParam("W").dup().get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                .amaxNumber().doubleValue(), 0.0, "a kept zero filter regrew");
        assertTrue(net.getLayer(0).getParam("W").amaxNumber().doubleValue() > 0);
        assertTrue(outBefore.neq(net.getLayer(4).getParam("W")).any(), "the output layer trains normally");
    }

    @Test
    void sparsityListenerRecordsCountsAndWritesCsvJsonAndPng(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = net(0.0);
        INDArray w = net.getLayer(2).getParam("W").dup();
        w.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        w.get(NDArrayIndex.point(5), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        net.getLayer(2).setParam("W", w);
        net.setListeners(ZeroingListener.builder().threshold(0.0).keepZero(true).kinds(GroupKind.FILTER).build(),
                SparsityListener.builder().frequency(2).inputTypes(INPUT).outputDir(dir, "hist").build());
        SparsityListener sparsity = (SparsityListener) net.getListeners().toArray()[1];
        DataSet ds = data(8, 4);
        for (int i = 0; i < 4; i++) {
            net.fit(ds);
        }
        sparsity.finish();
        List<SparsityRecord> h = sparsity.getHistory();
        SparsityRecord last = h.get(h.size() - 1);
        assertEquals("out", last.layer);
        SparsityRecord conv2 = h.stream().filter(r -> r.layer.equals("conv2")).reduce((a, b) -> b).get();
        assertEquals(2, conv2.zeroFilters);
        assertEquals(8, conv2.filters);
        assertEquals(6.0 / 8.0, conv2.effectiveMacRatio, 1e-12);
        assertEquals(24, conv2.shapes);
        List<String> csv = Files.readAllLines(new File(dir, "hist.csv").toPath());
        assertEquals(h.size() + 1, csv.size());
        assertTrue(new File(dir, "hist.json").length() > 100);
        assertTrue(new File(dir, "hist.png").length() > 1000);
    }
}
