package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.layers.fixed.FixedLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CompressionSearchTest {

    private static List<GroupLasso> groupLassos(org.deeplearning4j.nn.conf.layers.Layer layer) {
        List<GroupLasso> out = new ArrayList<>();
        List<Regularization> regs = ((BaseLayer) layer).getRegularization();
        for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
            if (r instanceof GroupLasso) {
                out.add((GroupLasso) r);
            }
        }
        return out;
    }

    private static MultiLayerSpace space(ContinuousParameterSpace filters, ContinuousParameterSpace channels, ParameterSpace<Double> lr) {
        return new MultiLayerSpace.Builder()
                .seed(7)
                .weightInit(WeightInit.RELU)
                .updater(new org.deeplearning4j.arbiter.conf.updater.SgdSpace(lr))
                .addLayer(StructuredSparsityLayerSpace.wrap(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(6).activation(Activation.RELU).build())
                        .filters(filters).channels(channels).build())
                .addLayer(new FixedLayerSpace<>(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2).build()))
                .addLayer(StructuredSparsityLayerSpace.wrap(new DenseLayerSpace.Builder().nOut(new IntegerParameterSpace(6, 10)).activation(Activation.RELU).build())
                        .name("fc").filters(filters).channels(channels).build())
                .addLayer(new OutputLayerSpace.Builder().nOut(3).activation(Activation.SOFTMAX).lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(TinyProblem.INPUT)
                .numEpochs(2)
                .build();
    }

    /** The procedure's common settings for the tiny searches: short phases, no timing measurements. */
    static SslCompression.Builder tinyProcedure() {
        return SslCompression.builder().sslEpochs(2).finetuneEpochs(1).maxBackoffs(0).measureOverhead(false).lowering(false)
                .lowerTraining(false).latencyRepeats(3).seed(7);
    }

    @Test
    void eachCandidateGoesThroughTheProcedureAndItsCompressedNetworkIsSaved(@TempDir Path dir) throws Exception {
        ContinuousParameterSpace filters = StrengthSpace.logUniform(1e-3, 1e-1);
        ContinuousParameterSpace channels = StrengthSpace.logUniform(1e-3, 1e-1);
        ContinuousParameterSpace lr = StrengthSpace.logUniform(0.02, 0.2);
        MultiLayerSpace space = space(filters, channels, lr);
        DataSet train = TinyProblem.data(90, 1);
        DataSet test = TinyProblem.data(30, 2);
        long budget = 1_500;
        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(budget), 0.0, TinyProblem.INPUT);
        Map<String, ParameterSpace<?>> named = new LinkedHashMap<>();
        named.put("filters", filters);
        named.put("channels", channels);
        named.put("learningRate", lr);
        CompressionTaskListener listener = new CompressionTaskListener(score, named, 3);
        File saveDir = dir.toFile();
        CompressionSearch search = new CompressionSearch(space, new IteratorDataProvider(() -> new ViewIterator(train, 30), () -> new ViewIterator(test, 30)),
                score, listener, CompressionSearchTest::tinyProcedure, 3, 42, saveDir);
        List<CandidateRecord> records = search.run();

        assertEquals(3, records.size());
        for (int i = 0; i < 3; i++) {
            CandidateRecord r = records.get(i);
            assertEquals(i, r.candidate);
            assertTrue(r.accuracy >= 0 && r.accuracy <= 1, r.toString());
            assertTrue(r.macs > 0 && r.paramsCount > 0 && r.paramsCount <= r.paramsBeforePruning, r.toString());
            double f = (Double) r.params.get("filters");
            assertTrue(f >= 1e-3 && f <= 1e-1, "sampled filters strength out of range: " + f);
            // the candidate went through the procedure's phases, with its kinds and its largest strength as settings
            assertTrue(r.phases.containsAll(List.of("baseline", "control", "sparsify-1", "prune-1", "finetune", "final")), r.phases.toString());
            assertTrue(r.status.equals("met") || r.status.startsWith("not met"), r.status);
            assertEquals(List.of("FILTER", "CHANNEL"), r.groups);
            assertEquals(Math.max(f, (Double) r.params.get("channels")), r.initialStrength, 1e-12);
            assertEquals(score.getObjective().value(r.accuracy, r.macs), r.objective, 0);
        }
        assertTrue(records.stream().anyMatch(r -> r.pareto));
        assertEquals(3, search.getResults().size());

        for (ResultReference ref : search.getResults()) {
            int index = ref.getResult().getIndex();
            CandidateRecord r = records.stream().filter(x -> x.candidate == index).findFirst().orElseThrow();
            // Arbiter's FileModelSaver wrote the procedure's result: the compressed network, without Group Lasso, r.macs MACs
            MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new File(saveDir, index + "/model.bin"), false);
            for (int l = 0; l < restored.getnLayers(); l++) {
                assertTrue(restored.getLayer(l).conf().getLayer() instanceof SubsamplingLayer
                        || groupLassos(restored.getLayerWiseConfigurations().getConf(l).getLayer()).isEmpty(), "layer " + l);
            }
            assertEquals(r.macs, new io.github.dl4jcompress.cost.CostModel().of(restored, TinyProblem.INPUT).getMacs());
            // the candidate's own configuration (the unbound templates Arbiter generated) is left as generated and survives JSON
            MultiLayerConfiguration candidateConf = ((DL4JConfiguration) ref.getResult().getCandidate().getValue()).getMultiLayerConfiguration();
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(candidateConf.toJson());
            assertEquals(groupLassos(candidateConf.getConf(0).getLayer()), groupLassos(back.getConf(0).getLayer()));
            assertEquals(2, groupLassos(back.getConf(0).getLayer()).size());
        }
    }

    @Test
    void wrapperSamplesEachSpaceAndBindsAfterBuild() {
        ContinuousParameterSpace filters = StrengthSpace.logUniform(1e-3, 1e-1);
        ContinuousParameterSpace channels = StrengthSpace.logUniform(1e-4, 1e-2);
        MultiLayerSpace space = space(filters, channels, StrengthSpace.logUniform(0.01, 0.1));
        // three free values (filters, channels, lr) + dense nOut
        assertEquals(4, space.numParameters());
        List<ParameterSpace> leaves = org.deeplearning4j.arbiter.util.LeafUtils.getUniqueObjects(space.collectLeaves());
        int i = 0;
        for (ParameterSpace p : leaves) {
            p.setIndices(p.numParameters() == 0 ? new int[0] : new int[]{i++});
        }
        double[] values = {0.5, 0.25, 0.75, 0.1};
        MultiLayerConfiguration conf = space.getValue(values).getMultiLayerConfiguration();
        List<GroupLasso> conv = groupLassos(conf.getConf(0).getLayer());
        assertEquals(2, conv.size());
        assertFalse(conv.get(0).isBound());
        assertEquals(2 * 2, RegularizerBinding.bind(conf));
        List<GroupLasso> bound = groupLassos(conf.getConf(0).getLayer());
        assertTrue(bound.get(0).isBound() && bound.get(1).isBound());
        assertEquals(1, bound.get(0).getLayout().getNIn());
        assertEquals(0, RegularizerBinding.bind(conf), "binding twice must not re-bind");
        assertEquals(filters.getValue(values), bound.get(0).getStrength().valueAt(0, 0), 1e-15);
        assertEquals(channels.getValue(values), bound.get(1).getStrength().valueAt(0, 0), 1e-15);
    }

    /** The search space itself (as Arbiter stores it) round-trips, with the wrapper around an Arbiter layer space. */
    @Test
    void searchSpaceWithTheWrapperRoundTripsThroughArbitersJson() {
        MultiLayerSpace space = new MultiLayerSpace.Builder()
                .updater(new org.deeplearning4j.arbiter.conf.updater.SgdSpace(StrengthSpace.logUniform(0.01, 0.1)))
                .addLayer(StructuredSparsityLayerSpace.wrap(new DenseLayerSpace.Builder().nOut(new IntegerParameterSpace(6, 10)).activation(Activation.RELU).build())
                        .name("fc").filters(StrengthSpace.logUniform(1e-3, 1e-1)).channels(0.01)
                        .kinds(GroupKindsSpace.of(java.util.EnumSet.of(GroupKind.FILTER), java.util.EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL))).build())
                .addLayer(new OutputLayerSpace.Builder().nOut(3).activation(Activation.SOFTMAX).lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(5))
                .build();
        String json = space.toJson();
        MultiLayerSpace back = MultiLayerSpace.fromJson(json);
        assertEquals(space.numParameters(), back.numParameters());
        assertEquals(json, back.toJson());
        assertTrue(json.contains("StructuredSparsityLayerSpace") && json.contains("LogUniformDistribution"), json);
    }

    @Test
    void kindsSpaceSelectsTheGroups() {
        GroupKindsSpace kinds = GroupKindsSpace.of(java.util.EnumSet.of(GroupKind.FILTER), java.util.EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL));
        kinds.setIndices(0);
        assertEquals(java.util.EnumSet.of(GroupKind.FILTER), kinds.getValue(new double[]{0.2}));
        assertEquals(java.util.EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL), kinds.getValue(new double[]{0.99}));
        assertEquals(java.util.EnumSet.of(GroupKind.FILTER, GroupKind.CHANNEL), kinds.getValue(new double[]{1.0}));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StructuredSparsityLayerSpace
                .wrap(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(2).build()).filters(0.01).kinds(kinds).build());
        assertTrue(e.getMessage().contains("CHANNEL") && e.getMessage().contains("conv"), e.getMessage());
    }

    @Test
    void badInputGivesClearErrors() {
        MultiLayerSpace empty = new MultiLayerSpace.Builder().updater(new Sgd(0.1))
                .addLayer(new FixedLayerSpace<>(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(3).build()))
                .addLayer(new FixedLayerSpace<>(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(2).build()))
                .build();
        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(100), 0.0, TinyProblem.INPUT);
        CompressionTaskListener listener = new CompressionTaskListener(score, null, 1);
        IteratorDataProvider data = new IteratorDataProvider(() -> null, () -> null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CompressionSearch(empty, data, score, listener, CompressionSearchTest::tinyProcedure, 1, 1, null));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CompressionObjective.macBudget(0));
        assertTrue(e.getMessage().contains("budget") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompressionObjective.macBudget(-5));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StrengthSpace.logUniform(0, 1e-2));
        assertTrue(e.getMessage().contains("min=0.0"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> StructuredSparsityLayerSpace.wrap(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(2).build()).build());
        assertTrue(s.getMessage().contains("conv1") && s.getMessage().contains("no strength space"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GroupKindsSpace(List.of()));
    }

    @Test
    void objectivesFollowTheirFormulas() {
        CompressionObjective budget = CompressionObjective.macBudget(1000);
        assertEquals(0.9, budget.value(0.9, 1000), 0);
        assertEquals(-2.0, budget.value(0.99, 2000), 0);
        assertTrue(budget.value(0.1, 999) > budget.value(0.99, 1001));
        CompressionObjective log = CompressionObjective.logMacs(0.1, 1000);
        assertEquals(0.9 - 0.1 * Math.log(0.5), log.value(0.9, 500), 1e-12);
    }
}
