package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.listeners.compress.CompressionBudget;
import io.github.dl4jcompress.listeners.compress.CompressionResult;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.prune.AnyConfiguration;
import io.github.dl4jcompress.prune.AnyNetwork;
import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.GroupLasso;
import io.github.dl4jcompress.regularization.NamedLayer;
import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Arbiter {@link TaskCreator} whose task runs the project's one SSL recipe, {@link SslCompression}, on each candidate
 * (a MultiLayerSpace or ComputationGraphSpace candidate):
 * <ol>
 *   <li>the candidate's Group Lasso templates ({@link StructuredSparsityLayerSpace}) are read and removed from its
 *       configuration: their kinds become the procedure's {@code groups}, their largest strength its initial λ0
 *       ({@code initialStrength}); a searched zero threshold ({@link CompressionTaskListener#ZERO_THRESHOLD}) becomes
 *       its {@code candidateThreshold};</li>
 *   <li>the network is trained plainly for the candidate's {@code numEpochs} (the baseline the procedure compresses);</li>
 *   <li>the procedure runs its phases (baseline, control, sparsify with auto-λ and budgeted zeroing, prune, fine-tune,
 *       stop rule, final) with the MAC target of a {@link CompressionObjective#macBudget MAC-budget objective} (budget /
 *       the candidate's dense MACs), Arbiter's test data as its test set;</li>
 *   <li>the score is the objective of the procedure's report (test accuracy and MACs of its result), the result network
 *       is what Arbiter's result saver stores.</li>
 * </ol>
 * Per-layer strengths are not kept: the procedure normalises every group by its size and its layer's weight scale and
 * steers one λ for all of them.
 */
public final class CompressionTaskCreator implements TaskCreator {

    private static final Logger log = LoggerFactory.getLogger(CompressionTaskCreator.class);

    private final Supplier<SslCompression.Builder> procedure;
    private final CompressionTaskListener listener;

    /**
     * @param procedure a new builder per candidate with the procedure's common settings (epochs, maximum drop, seed, a
     *                  budget unless the objective is a MAC budget, ...); the task sets groups, λ0, the candidate
     *                  threshold, the input types (the score function's) and, for a MAC-budget objective, the budget
     * @param listener  records each candidate and logs progress
     */
    public CompressionTaskCreator(Supplier<SslCompression.Builder> procedure, CompressionTaskListener listener) {
        if (procedure == null || listener == null) {
            throw new IllegalArgumentException("CompressionTaskCreator: procedure and listener must not be null");
        }
        this.procedure = procedure;
        this.listener = listener;
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        return () -> run(candidate, dataProvider.trainData(candidate.getDataParameters()), dataProvider.testData(candidate.getDataParameters()),
                scoreFunction, runner);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource, Properties properties,
                                               ScoreFunction scoreFunction, List<StatusListener> statusListeners, IOptimizationRunner runner) {
        return () -> {
            DataSource source = dataSource.getConstructor().newInstance();
            source.configure(properties);
            return run(candidate, source.trainData(), source.testData(), scoreFunction, runner);
        };
    }

    /** The kinds and the largest strength of the Group Lasso templates a candidate's configuration carries. */
    record Sparsity(Set<GroupKind> kinds, double strength) {
    }

    /** Removes the Group Lasso templates (bound or not) from the configuration's layers and returns what they asked for. */
    static Sparsity takeTemplates(AnyConfiguration conf) {
        Set<GroupKind> kinds = EnumSet.noneOf(GroupKind.class);
        double strength = 0;
        for (NamedLayer n : conf.layers()) {
            if (!(n.layer() instanceof BaseLayer) || ((BaseLayer) n.layer()).getRegularization() == null) {
                continue;
            }
            List<Regularization> kept = new ArrayList<>();
            for (Regularization r : ((BaseLayer) n.layer()).getRegularization()) {
                if (r instanceof GroupLasso) {
                    GroupLasso g = (GroupLasso) r;
                    kinds.add(g.getKind());
                    strength = Math.max(strength, g.getStrength().valueAt(0, 0));
                } else {
                    kept.add(r);
                }
            }
            ((BaseLayer) n.layer()).setRegularization(kept);
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("CompressionTaskCreator: the candidate has no Group Lasso strength > 0 on any layer "
                    + "(wrap layers with StructuredSparsityLayerSpace)");
        }
        return new Sparsity(kinds, strength);
    }

    private OptimizationResult run(Candidate candidate, Object trainData, Object testData, ScoreFunction scoreFunction,
                                   IOptimizationRunner runner) throws Exception {
        long start = System.currentTimeMillis();
        if (!(scoreFunction instanceof CompressionScoreFunction)) {
            throw new IllegalArgumentException("CompressionTaskCreator: the score function must be a CompressionScoreFunction, got "
                    + scoreFunction.getClass().getName());
        }
        CompressionScoreFunction score = (CompressionScoreFunction) scoreFunction;
        DataSetIterator train = iterator(trainData, "training");
        DataSetIterator test = iterator(testData, "test");
        AnyConfiguration conf;
        Integer epochs;
        Object value = candidate.getValue();
        if (value instanceof DL4JConfiguration) {
            conf = AnyConfiguration.of(((DL4JConfiguration) value).getMultiLayerConfiguration());
            epochs = ((DL4JConfiguration) value).getNumEpochs();
        } else if (value instanceof GraphConfiguration) {
            conf = AnyConfiguration.of(((GraphConfiguration) value).getConfiguration());
            epochs = ((GraphConfiguration) value).getNumEpochs();
        } else {
            throw new IllegalArgumentException("CompressionTaskCreator: a candidate of a MultiLayerSpace or ComputationGraphSpace is expected, got "
                    + (value == null ? "null" : value.getClass().getName()));
        }
        if (epochs == null || epochs < 1) {
            throw new IllegalArgumentException("CompressionTaskCreator: set numEpochs(...) on the search space (the candidate's baseline training), got "
                    + epochs);
        }
        conf = conf.copy();                          // the candidate keeps its templates (saved with it by Arbiter)
        Sparsity sparsity = takeTemplates(conf);
        AnyNetwork net = AnyNetwork.create(conf);
        Model model = listener.preProcess(net.model(), candidate);
        AnyNetwork.of(model).fit(train, epochs);
        train.reset();

        SslCompression.Builder b = procedure.get().groups(sparsity.kinds().toArray(new GroupKind[0])).initialStrength(sparsity.strength())
                .inputTypes(score.getInputTypes());
        double threshold = listener.zeroThreshold(candidate);
        if (threshold > 0) {
            b.candidateThreshold(threshold);
        }
        if (score.getObjective().getType() == CompressionObjective.Type.MAC_BUDGET) {
            long dense = net.cost(score.getInputTypes()).getMacs();
            b.budget(CompressionBudget.macFraction(Math.min(1.0, (double) score.getObjective().getBudget() / dense)));
        }
        log.info("Candidate {}: baseline trained {} epochs; procedure with groups {}, λ0 {}{}", candidate.getIndex() + 1, epochs,
                sparsity.kinds(), String.format("%.4g", sparsity.strength()), threshold > 0 ? ", candidate threshold " + threshold : "");
        CompressionResult<Model> r = b.build().compress(model, train, null, test);
        double objective = score.score(r.network(), r.report(), sparsity.kinds(), sparsity.strength());
        listener.postProcess(r.network(), candidate);

        CandidateInfo info = new CandidateInfo(candidate.getIndex(), CandidateStatus.Complete, objective, start, start, System.currentTimeMillis(),
                candidate.getFlatParameters(), null);
        OptimizationResult result = new OptimizationResult(candidate, objective, candidate.getIndex(), null, info, null);
        ResultSaver saver = runner.getConfiguration().getResultSaver();
        if (saver != null) {
            result.setResultReference(saver.saveModel(result, r.network()));
        }
        return result;
    }

    private static DataSetIterator iterator(Object data, String what) {
        if (data instanceof DataSetIterator) {
            return (DataSetIterator) data;
        }
        throw new IllegalArgumentException("CompressionTaskCreator: the data provider's " + what + " data must be a DataSetIterator, got "
                + (data == null ? "null" : data.getClass().getName()));
    }
}
