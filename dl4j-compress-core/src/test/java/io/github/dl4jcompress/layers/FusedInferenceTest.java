package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jcompress.layers.LoweredConvolutionFromScratchTest.relDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole-network Java forward pass against DL4J's output(), on trained (non-trivial BN statistics) networks. */
class FusedInferenceTest {

    private static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 4);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        return y;
    }

    /** Both GEMM routes of {@link FusedInference}: the SIMD kernel, and Java loops + ND4J's BLAS (no Vector API). */
    private static void assertSameOutputs(MultiLayerNetwork net, INDArray... inputs) {
        assertTrue(SmallGemm.simd() != null, "tests run with --add-modules jdk.incubator.vector");
        assertSameOutputs(FusedInference.of(net), net, inputs);
        assertSameOutputs(FusedInference.of(net, null), net, inputs);
    }

    private static void assertSameOutputs(FusedInference fused, MultiLayerNetwork net, INDArray... inputs) {
        for (INDArray x : inputs) {
            INDArray expected = net.output(x);
            INDArray got = fused.output(x);
            assertArrayEquals(expected.shape(), got.shape());
            double d = relDiff(expected, got);
            assertTrue(d < 1e-5, "batch " + x.size(0) + ": relative difference " + d);
        }
    }

    @Test
    void lenetWithDl4jAndLoweredShapeSparseConvolutionsEqualsDl4j() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Nesterovs(0.05, 0.9)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new LoweredConvolution.Builder(3, 3).nOut(5).activation(Activation.TANH).keptPositions(0, 3, 4, 8, 11, 20, 35).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(16, 16, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(Nd4j.rand(DataType.FLOAT, 8, 256), labels(8));
        assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 1, 256), Nd4j.rand(DataType.FLOAT, 5, 256), Nd4j.rand(DataType.FLOAT, 1, 256));
    }

    @Test
    void lenetSizedNetworkUsesNativeGemmsAndEqualsDl4j() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.01, 0.9)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(Lowering.lower(conf));
        net.init();
        net.fit(Nd4j.rand(DataType.FLOAT, 4, 784), labels(4));
        // without the SIMD kernel, conv2 at batch 1 (50 x 500 x 64 = 1.6M multiply-adds) goes to ND4J's BLAS
        assertTrue(50L * 500 * 64 >= FusedInference.NATIVE_GEMM_MIN_MACS);
        assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 1, 784), Nd4j.rand(DataType.FLOAT, 3, 784), Nd4j.rand(DataType.FLOAT, 1, 784));
    }

    @Test
    void vggStyleWithBatchNormSameModeAndGlobalPoolingEqualsDl4j() {
        for (boolean lowered : new boolean[]{false, true}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.05, 0.9))
                    .convolutionMode(ConvolutionMode.Same).list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().build())
                    .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                    .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).activation(Activation.RELU).build())
                    .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutional(9, 9, 2)).build();
            MultiLayerNetwork net = new MultiLayerNetwork(lowered ? Lowering.lower(conf) : conf);
            net.init();
            for (int i = 0; i < 3; i++) {
                net.fit(Nd4j.rand(DataType.FLOAT, 6, 2, 9, 9), labels(6));
            }
            assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 1, 2, 9, 9), Nd4j.rand(DataType.FLOAT, 3, 2, 9, 9));
        }
    }

    @Test
    void unsupportedLayersAreRefusedByNameAndIndex() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new LocalResponseNormalization.Builder().name("lrn").build())
                .layer(new OutputLayer.Builder().nOut(2).build())
                .setInputType(InputType.convolutional(5, 5, 1)).build());
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedInference.of(net));
        assertTrue(e.getMessage().contains("'lrn'") && e.getMessage().contains("index 1"), e.getMessage());
    }
}
