package io.github.dl4jcompress.examples;

import io.github.dl4jcompress.arbiter.CandidateRecord;
import io.github.dl4jcompress.arbiter.CompressionObjective;
import io.github.dl4jcompress.arbiter.CompressionScoreFunction;
import io.github.dl4jcompress.arbiter.CompressionSearch;
import io.github.dl4jcompress.arbiter.CompressionTaskListener;
import io.github.dl4jcompress.arbiter.IteratorDataProvider;
import io.github.dl4jcompress.arbiter.StrengthSpace;
import io.github.dl4jcompress.arbiter.StructuredSparsityLayerSpace;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.AdamSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An Arbiter random search over Group Lasso strengths: each candidate's baseline is trained, then compressed by the
 * SSL procedure ({@code SslCompression}: its kinds and strength as the procedure's groups and initial λ, the MAC
 * budget as its target), and scored by accuracy under the MAC budget; the records mark the accuracy-vs-MACs Pareto front.
 */
public final class ArbiterSparsitySearch {
    private ArbiterSparsitySearch() {
    }

    /** Searches {@code candidates} strength settings and returns one record per candidate. */
    public static List<CandidateRecord> run(DataSet train, DataSet test, int side, int candidates, long macBudget) {
        ContinuousParameterSpace strength = StrengthSpace.logUniform(2e-2, 1e-1);    // searched, log-uniform
        InputType input = InputType.feedForward((long) side * side);
        MultiLayerSpace space = new MultiLayerSpace.Builder()
                .seed(42)
                .updater(new AdamSpace(new FixedValue<>(5e-3)))
                .addLayer(StructuredSparsityLayerSpace.wrap(new DenseLayerSpace.Builder().nOut(32).activation(Activation.RELU).build())
                        .name("hidden").filters(strength).channels(strength).build())
                .addLayer(new OutputLayerSpace.Builder().nOut(ToyImages.CLASSES).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(input)
                .numEpochs(3)
                .build();

        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(macBudget), 0.0, input);
        Map<String, ParameterSpace<?>> named = new LinkedHashMap<>();
        named.put("strength", strength);                                            // recorded per candidate
        CompressionTaskListener records0 = new CompressionTaskListener(score, named, candidates);
        IteratorDataProvider data = new IteratorDataProvider(() -> ToyImages.iterator(train, 32), () -> ToyImages.iterator(test, 64));
        // the procedure's common settings; each candidate adds its groups, strength and the budget's MAC target
        Supplier<SslCompression.Builder> procedure = () -> SslCompression.builder().sslEpochs(3).finetuneEpochs(2)
                .maxAccuracyDrop(0.02).measureOverhead(false).seed(7);

        List<CandidateRecord> records = new CompressionSearch(space, data, score, records0, procedure, candidates, 7, null).run();
        for (CandidateRecord r : records) {
            System.out.printf("candidate %d: strength %.4f, accuracy %.3f, MACs %d%s%n", r.candidate, (Double) r.params.get("strength"),
                    r.accuracy, r.macs, r.pareto ? "  (Pareto front)" : "");
        }
        return records;
    }

    public static void main(String[] args) {
        run(ToyImages.make(512, 12, 1), ToyImages.make(256, 12, 2), 12, 4, 3_000);
    }
}
