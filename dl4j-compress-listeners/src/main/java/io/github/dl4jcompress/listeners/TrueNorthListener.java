package io.github.dl4jcompress.listeners;

import io.github.dl4jcompress.truenorth.SynapseMapping;
import io.github.dl4jcompress.truenorth.TrueNorthSimulator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports, every {@code frequency} completed epochs of a {@link MultiLayerNetwork}, how deployable it is on TrueNorth:
 * the mean mapping variance {@code p(1 − p)} of its weights ({@code p = |w| / max|W|} per layer; what
 * {@link io.github.dl4jcompress.regularization.BinaryPush} drives to 0) and the accuracy of a
 * {@link TrueNorthSimulator} at the chosen copies {@code k} and spikes {@code s} on a given {@link DataSet} (which also
 * serves as the calibration set of the hidden-layer rate scales). Each snapshot is logged (SLF4J, INFO) and kept
 * ({@link #history()}). The network must be one the simulator accepts (dense or convolution layers, ReLU hidden,
 * an output layer last); otherwise the first snapshot throws {@link IllegalArgumentException}.
 */
public class TrueNorthListener extends BaseTrainingListener {

    private static final Logger log = LoggerFactory.getLogger(TrueNorthListener.class);

    private final int frequency;
    private final int copies;
    private final int spikes;
    private final long seed;
    private final DataSet data;
    private final List<TrueNorthRecord> history = new ArrayList<>();
    private int epochsSeen;

    /**
     * @param frequency report every this many epochs (≥ 1)
     * @param copies    synapse copies k (≥ 1) of the simulated deployment
     * @param spikes    spikes per frame s (≥ 1)
     * @param seed      simulator seed (the same at every snapshot)
     * @param data      non-empty labelled data for the simulated accuracy and the calibration
     */
    public TrueNorthListener(int frequency, int copies, int spikes, long seed, DataSet data) {
        if (frequency < 1) {
            throw new IllegalArgumentException("TrueNorthListener: frequency must be >= 1 epoch, got " + frequency);
        }
        if (copies < 1 || spikes < 1) {
            throw new IllegalArgumentException("TrueNorthListener: copies and spikes must be >= 1, got k=" + copies + ", s=" + spikes);
        }
        if (data == null || data.getFeatures() == null || data.getLabels() == null || data.numExamples() == 0) {
            throw new IllegalArgumentException("TrueNorthListener: needs a non-empty labelled DataSet");
        }
        this.frequency = frequency;
        this.copies = copies;
        this.spikes = spikes;
        this.seed = seed;
        this.data = data;
    }

    @Override
    public void onEpochEnd(Model model) {
        epochsSeen++;
        if (epochsSeen % frequency == 0) {
            record(model);
        }
    }

    /** Takes a snapshot of {@code model} now, keeps and returns it. */
    public TrueNorthRecord record(Model model) {
        if (!(model instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("TrueNorthListener: needs a MultiLayerNetwork, got "
                    + (model == null ? "null" : model.getClass().getSimpleName()));
        }
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        Map<String, Double> perLayer = new LinkedHashMap<>();
        double weighted = 0;
        long count = 0;
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (!layers[i].paramTable().containsKey("W")) {
                continue;
            }
            INDArray w = layers[i].getParam("W").dup();
            double v = SynapseMapping.meanMappingVariance(w);
            String name = layers[i].conf().getLayer().getLayerName();
            perLayer.put(name == null ? "layer" + i : name, v);
            weighted += v * w.length();
            count += w.length();
        }
        double accuracy = TrueNorthSimulator.builder().copies(copies).spikes(spikes).seed(seed)
                .build(net, data.getFeatures()).accuracy(data);
        TrueNorthRecord r = new TrueNorthRecord(epochsSeen, copies, spikes, count == 0 ? 0 : weighted / count, accuracy, perLayer);
        history.add(r);
        log.info("TrueNorth {}", r);
        return r;
    }

    /** The snapshots so far, oldest first (unmodifiable). */
    public List<TrueNorthRecord> history() {
        return Collections.unmodifiableList(history);
    }
}
