package io.github.dl4jcompress.regularization;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

class SerializationRoundTripTest {

    private static StructuredSparsity everything() {
        return StructuredSparsity.builder()
                .filters(new ExponentialSchedule(ScheduleType.EPOCH, 1e-3, 0.9))
                .channels(2e-3).shapes(3e-3).depth(4e-3, "conv2")
                .binaryPush(5e-4).binaryPushFullScale(0.5)
                .epsilon(1e-7)
                .build();
    }

    private static List<Regularization> regs(MultiLayerConfiguration conf) {
        List<Regularization> all = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            if (conf.getConf(i).getLayer() instanceof BaseLayer) {
                all.addAll(((BaseLayer) conf.getConf(i).getLayer()).getRegularization());
            }
        }
        return all;
    }

    private static List<Regularization> regs(ComputationGraphConfiguration conf) {
        List<Regularization> all = new ArrayList<>();
        for (String name : new String[]{"conv1", "pool1", "conv2", "fc", "out"}) {
            if (((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer() instanceof BaseLayer) {
                all.addAll(((BaseLayer) ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer()).getRegularization());
            }
        }
        return all;
    }

    @Test
    void multiLayerJsonAndModelSerializerKeepEveryField(@TempDir File dir) throws Exception {
        MultiLayerConfiguration conf = TinyNets.lenetConf(new Nesterovs(0.01, 0.9));
        everything().applyTo(conf);
        List<Regularization> original = regs(conf);
        // conv1 has one input channel: no CHANNEL group (StructuredSparsity eligibility), hence 2 + ... not 3 + ...
        assertEquals(2 + 1 + 1 + 3 + 1 + 2 + 1 + 1 + 1, original.size());

        MultiLayerConfiguration json = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(original, regs(json));
        assertNotSame(original.get(0), regs(json).get(0));
        StructuredSparsity.validate(json);

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        File f = new File(dir, "mln.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(original, regs(restored.getLayerWiseConfigurations()));
        assertEquals(net.params(), restored.params());
        assertFalse(((GroupLasso) original.get(0)).getStrength().equals(new org.nd4j.linalg.schedule.FixedSchedule(1e-3)));
    }

    @Test
    void graphJsonAndModelSerializerKeepEveryField(@TempDir File dir) throws Exception {
        ComputationGraphConfiguration conf = TinyNets.lenetGraphConf(new Nesterovs(0.01, 0.9));
        everything().applyTo(conf);
        List<Regularization> original = regs(conf);
        assertEquals(13, original.size()); // conv1 (one input channel) has no CHANNEL group
        assertEquals(original, regs(ComputationGraphConfiguration.fromJson(conf.toJson())));

        ComputationGraph cg = new ComputationGraph(conf);
        cg.init();
        File f = new File(dir, "cg.zip");
        ModelSerializer.writeModel(cg, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(original, regs(restored.getConfiguration()));
        StructuredSparsity.validate(restored.getConfiguration());
    }
}
