package io.github.dl4jcompress.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** The wiring every layer configuration's {@code instantiate} does to its new runtime layer, as DL4J's own layers do. */
final class RuntimeLayers {

    private RuntimeLayers() {
    }

    /** {@code layer} with listeners, index, parameter view and table (initialized if asked) and configuration set. */
    static <L extends Layer> L wire(L layer, NeuralNetConfiguration conf, ParamInitializer initializer,
                                    Collection<TrainingListener> listeners, int index, INDArray paramsView,
                                    boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
