package io.github.dl4jcompress.examples;

import java.io.File;
import java.io.IOException;

import io.github.dl4jcompress.listeners.compress.CompressionReport;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Compress a model you already trained and saved: load its zip, ask the SSL procedure for a fraction of its MACs with
 * at most a given accuracy drop, save the smaller network. The procedure trains a control, steers Group Lasso to the
 * budget, prunes, fine-tunes and backs off if the drop is too large; its report says whether the budget was met.
 * (A ComputationGraph zip works the same way with {@code ModelSerializer.restoreComputationGraph}.)
 */
public final class CompressSavedModel {
    private CompressSavedModel() {
    }

    /** Compresses the MultiLayerNetwork saved in {@code modelZip} to {@code macFraction} of its MACs; writes {@code out}. */
    public static CompressionResult<MultiLayerNetwork> run(File modelZip, DataSetIterator train, DataSetIterator test,
                                                           InputType input, double macFraction, File out) throws IOException {
        MultiLayerNetwork trained = ModelSerializer.restoreMultiLayerNetwork(modelZip, true);   // with updater state
        CompressionResult<MultiLayerNetwork> result = SslCompression.builder()
                .targetMacFraction(macFraction)     // or a parameter fraction / a measured latency: budget(...)
                .maxAccuracyDrop(0.02)              // validation accuracy, against the better of baseline and control
                .inputTypes(input)
                .sslEpochs(4).finetuneEpochs(2).seed(7)
                .build()
                .compress(trained, train, null, test);   // validation split off train; `trained` is left as it was
        ModelSerializer.writeModel(result.network(), out, true);
        CompressionReport r = result.report();
        System.out.printf("%s: MACs %d -> %d, test accuracy %.3f -> %.3f%n",
                r.status, r.baseline.macs, r.result.macs, r.baseline.testAccuracy, r.result.testAccuracy);
        return result;
    }

    /** A small CNN trained on toy images and saved to {@code zip}: the "model you already have". */
    public static void trainAndSave(DataSetIterator train, int side, int epochs, File zip) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(5e-3))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(16).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ToyImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(side, side, 1))
                .build());
        net.init();
        net.fit(train, epochs);
        ModelSerializer.writeModel(net, zip, true);
    }

    public static void main(String[] args) throws IOException {
        File zip = File.createTempFile("trained", ".zip");
        trainAndSave(ToyImages.iterator(512, 16, 32, 1), 16, 5, zip);
        run(zip, ToyImages.iterator(512, 16, 32, 1), ToyImages.iterator(256, 16, 64, 2),
                InputType.convolutionalFlat(16, 16, 1), 0.5, new File(zip.getParent(), "compressed.zip"));
    }
}
