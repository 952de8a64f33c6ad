package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of a {@link LoweredActivation}: a plain ReLU of float input in Java, {@code y = max(x, 0)} and
 * {@code dx = eps·[x > 0]}; the input is copied once into a reused buffer (kept for the backward pass) and results are
 * written straight into their INDArrays. Other activations, data types, masks and dropout go to DL4J's
 * {@link ActivationLayer}.
 */
public class LoweredActivationLayer extends ActivationLayer {

    private final FloatKernels kernels = FloatKernels.fast();
    private transient float[] xJ, yJ;
    /** True between a training forward pass and the backward pass that uses its input copy. */
    private transient boolean cached;

    public LoweredActivationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean javaPath(INDArray in) {
        return in != null && in.dataType() == DataType.FLOAT && LoweredActivation.isPlainRelu(layerConf().getActivationFn())
                && layerConf().getIDropout() == null && maskArray == null && in.length() < Integer.MAX_VALUE;
    }

    /** The input into {@link #xJ} (buffers sized to it). */
    private void readInput() {
        int len = (int) input.length();
        if (xJ == null || xJ.length != len) {
            xJ = new float[len];
            yJ = new float[len];
        }
        DataCopy.read(input, xJ);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!javaPath(input)) {
            cached = false;
            return super.activate(training, workspaceMgr);
        }
        readInput();
        kernels.relu(xJ, yJ, xJ.length);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.shape(), 'c');
        DataCopy.write(yJ, out);
        cached = training;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!javaPath(input) || epsilon.dataType() != DataType.FLOAT) {
            cached = false;
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        if (!cached) {
            readInput();
        }
        cached = false;
        DataCopy.read(epsilon, yJ);
        kernels.reluGradient(xJ, yJ, yJ, xJ.length);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        DataCopy.write(yJ, dx);
        return new Pair<>(new DefaultGradient(), dx);
    }

    @Override
    public void clear() {
        super.clear();
        cached = false;
    }
}
