package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The benchmark's networks, built deterministically from a seed so the benchmark reproduces on a clean clone:
 * <ul>
 *   <li>{@code lenet-ssl}: the main job's LeNet (20/50 filters, 500 units) with the groups zeroed that SSL zeroed in
 *   the default {@code ssl-lenet} run (kept 6/20, 21/50 filters, 276/500 units; results/ssl-lenet.json);</li>
 *   <li>{@code lenet-sslShapes}: the same with the sslShapes variant's counts (2/20, 19/50, 275/500);</li>
 *   <li>{@code vgg}: a VGG-style CIFAR net, conv3x3 64-64-pool-128-128-pool-256-256-pool, dense 256, softmax 10 on
 *   32x32x3, with a random half of every conv layer's filters zeroed.</li>
 * </ul>
 * Which groups are zeroed (not how many) is random with the seed; it does not change the pruned shapes.
 */
public final class BenchModels {

    public static final List<String> NAMES = List.of("lenet-ssl", "lenet-sslShapes", "vgg");

    private BenchModels() {
    }

    /** Input type of a model. */
    public static InputType inputType(String model) {
        return model.startsWith("lenet") ? LeNet.INPUT : InputType.convolutional(32, 32, 3);
    }

    /** Batch size of the input on which the lowering decision is timed: 64, or 16 for the VGG net (keeps it short). */
    public static int timingBatch(String model) {
        return model.equals("vgg") ? 16 : 64;
    }

    /** A random input batch of the model's input shape. */
    public static INDArray input(String model, int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return model.startsWith("lenet") ? Nd4j.rand(DataType.FLOAT, batch, 784)
                : Nd4j.rand(DataType.FLOAT, batch, 3, 32, 32);
    }

    /** The dense network. */
    public static MultiLayerNetwork dense(String model, long seed) {
        MultiLayerConfiguration conf;
        switch (model) {
            case "lenet-ssl":
            case "lenet-sslShapes":
                conf = LeNet.configuration(seed, 0.01);
                break;
            case "vgg":
                conf = vgg(seed);
                break;
            default:
                throw new IllegalArgumentException("unknown benchmark model '" + model + "', expected one of " + NAMES);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Kept filters/units per prunable layer (by layer index), null entries keep everything. */
    static int[] keptCounts(String model) {
        switch (model) {
            case "lenet-ssl":
                return new int[]{6, -1, 21, -1, 276, -1};
            case "lenet-sslShapes":
                return new int[]{2, -1, 19, -1, 275, -1};
            default:
                return new int[]{32, 32, -1, 64, 64, -1, 128, 128, -1, -1, -1};
        }
    }

    /** A copy of the dense network with the model's groups zeroed (filters of conv, units of dense layers). */
    public static MultiLayerNetwork zeroed(String model, MultiLayerNetwork dense, long seed) {
        MultiLayerNetwork net = dense.clone();
        int[] kept = keptCounts(model);
        Random r = new Random(seed);
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0) {
                continue;
            }
            INDArray w = net.getLayer(i).getParam("W");
            INDArray b = net.getLayer(i).getParam("b");
            boolean conv = w.rank() == 4;
            int outputs = (int) (conv ? w.size(0) : w.size(1));
            List<Integer> order = new ArrayList<>();
            for (int o = 0; o < outputs; o++) {
                order.add(o);
            }
            Collections.shuffle(order, r);
            INDArray wd = w.dup(conv ? 'c' : 'f');
            INDArray bd = b.dup();
            for (int o : order.subList(kept[i], outputs)) {
                if (conv) {
                    wd.get(org.nd4j.linalg.indexing.NDArrayIndex.point(o)).assign(0);
                } else {
                    wd.getColumn(o).assign(0);
                }
                bd.putScalar(o, 0.0);
            }
            net.getLayer(i).setParam("W", wd);
            net.getLayer(i).setParam("b", bd);
        }
        return net;
    }

    /** Pruned (DL4J layers only) and, if {@code lowering != NEVER}, with convolutions lowered as the mode says. */
    public static PruneResult<MultiLayerNetwork> prune(MultiLayerNetwork zeroed, LoweringMode lowering, INDArray timingInput) {
        StructuredPruner.Builder b = StructuredPruner.builder().verifyOn(1e-5, timingInput);
        if (lowering != LoweringMode.NEVER) {
            b.lowerConvolutions(lowering, timingInput);
        }
        return b.build().prune(zeroed);
    }

    /** The main job's pruned LeNet {@code model} (lenet-ssl or lenet-sslShapes) with DL4J's layers, as benchmarks train it. */
    public static MultiLayerNetwork pruned(String model, long seed) {
        MultiLayerNetwork dense = dense(model, seed);
        return prune(zeroed(model, dense, seed), LoweringMode.NEVER, input(model, 8, seed)).network();
    }

    private static MultiLayerConfiguration vgg(long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Nesterovs(0.01, 0.9)).weightInit(WeightInit.RELU).dataType(DataType.FLOAT)
                .convolutionMode(ConvolutionMode.Same).list();
        int[][] blocks = {{64, 64}, {128, 128}, {256, 256}};
        int i = 1;
        for (int[] block : blocks) {
            for (int filters : block) {
                b.layer(new ConvolutionLayer.Builder(3, 3).name("conv" + i++).nOut(filters).activation(Activation.RELU).build());
            }
            b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool" + (i / 2)).kernelSize(2, 2).stride(2, 2).build());
        }
        return b.layer(new DenseLayer.Builder().name("fc").nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(32, 32, 3)).build();
    }
}
