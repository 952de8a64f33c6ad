package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.layers.Layer;

/** Thrown when a structured-sparsity tool is asked to handle a layer type whose weights it cannot group. */
public class UnsupportedLayerException extends IllegalArgumentException {

    public UnsupportedLayerException(String layerName, Layer layer) {
        super("Layer '" + layerName + "' of type " + (layer == null ? "null" : layer.getClass().getSimpleName())
                + " is not supported: structured sparsity handles ConvolutionLayer, Convolution1DLayer, DenseLayer and OutputLayer weights");
    }
}
