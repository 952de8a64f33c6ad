package io.github.dl4jcompress.arbiter;

import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** SSL's zeroing threshold searched as an Arbiter parameter: sampled per candidate, the candidate threshold of its procedure. */
class ZeroThresholdSpaceTest {

    private static MultiLayerSpace space(ParameterSpace<Double> threshold) {
        return new MultiLayerSpace.Builder()
                .seed(3)
                .updater(new Sgd(0.05))
                .addLayer(StructuredSparsityLayerSpace.wrap(new DenseLayerSpace.Builder().nOut(6).activation(Activation.RELU).build()).name("fc")
                        .filters(StrengthSpace.logUniform(1e-3, 1e-1)).zeroThreshold(threshold).build())
                .addLayer(new OutputLayerSpace.Builder().nOut(3).activation(Activation.SOFTMAX).lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(TinyProblem.INPUT)
                .build();
    }

    @Test
    void eachCandidateZeroesWithItsSampledThreshold() {
        ContinuousParameterSpace threshold = StrengthSpace.uniform(0.01, 0.3);
        MultiLayerSpace space = space(threshold);
        assertEquals(2, space.numParameters(), "filters strength + zero threshold");
        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(1_000), 0.0, TinyProblem.INPUT);
        CompressionTaskListener listener = new CompressionTaskListener(score,
                Map.of(CompressionTaskListener.ZERO_THRESHOLD, threshold), 4);
        RandomSearchGenerator generator = new RandomSearchGenerator(space, null);
        Set<Double> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            Candidate c = generator.getCandidate();
            double sampled = threshold.getValue(c.getFlatParameters());
            assertTrue(sampled >= 0.01 && sampled <= 0.3, "sampled " + sampled);
            assertEquals(sampled, listener.zeroThreshold(c), 0.0, "candidate " + i);
            seen.add(sampled);
        }
        assertTrue(seen.size() > 1, "the threshold is searched, not fixed: " + seen);

        String json = space.toJson();
        assertTrue(json.contains("zeroThreshold"), json);
        assertEquals(json, MultiLayerSpace.fromJson(json).toJson());
    }

    @Test
    void withoutTheSpaceTheProceduresDefaultIsUsedAndBadSamplesAreRefused() {
        MultiLayerSpace space = space(StrengthSpace.uniform(0.01, 0.3));
        Candidate c = new RandomSearchGenerator(space, null).getCandidate();
        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(1_000), 0.0, TinyProblem.INPUT);
        assertEquals(0.0, new CompressionTaskListener(score, Map.of(), 1).zeroThreshold(c), 0.0, "0: the procedure's own candidate threshold");

        ContinuousParameterSpace tooBig = new ContinuousParameterSpace(1.0, 2.0);
        MultiLayerSpace bad = space(tooBig);
        Candidate b = new RandomSearchGenerator(bad, null).getCandidate();
        CompressionTaskListener listener = new CompressionTaskListener(score, Map.of(CompressionTaskListener.ZERO_THRESHOLD, tooBig), 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> listener.zeroThreshold(b));
        assertTrue(e.getMessage().contains("zeroThreshold") && e.getMessage().contains("[0, 1)"), e.getMessage());
    }
}
