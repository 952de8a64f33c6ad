package io.github.dl4jcompress.arbiter;

import io.github.dl4jcompress.listeners.compress.SslCompression;
import org.deeplearning4j.arbiter.ComputationGraphSpace;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.saver.local.FileModelSaver;

import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * A random search with Arbiter over a {@link MultiLayerSpace} or {@link ComputationGraphSpace} containing
 * {@link StructuredSparsityLayerSpace}s: Arbiter's {@link LocalOptimizationRunner} with {@link CompressionTaskCreator},
 * whose task trains each candidate's baseline and compresses it with {@link SslCompression} (the candidate's group
 * kinds, strength and zero threshold as the procedure's settings), scored from the procedure's report by the
 * {@link CompressionScoreFunction}'s objective; our {@link CompressionTaskListener} keeps the records; optionally
 * Arbiter's {@link FileModelSaver} saves each candidate's compressed network under {@code saveDir/<index>/}.
 *
 * @see #run()
 */
public final class CompressionSearch {

    private final ParameterSpace<?> space;
    private final DataProvider data;
    private final CompressionScoreFunction scoreFunction;
    private final CompressionTaskListener taskListener;
    private final Supplier<SslCompression.Builder> procedure;
    private final int candidates;
    private final long seed;
    private final File saveDir;
    private List<ResultReference> results;

    /**
     * @param space        the search space (must have at least one free hyperparameter)
     * @param procedure    a new {@link SslCompression} builder per candidate with the common settings (see
     *                     {@link CompressionTaskCreator})
     * @param candidates   how many random candidates (≥ 1)
     * @param saveDir      where Arbiter saves the candidates, or null
     */
    public CompressionSearch(ParameterSpace<?> space, DataProvider data, CompressionScoreFunction scoreFunction, CompressionTaskListener taskListener,
                             Supplier<SslCompression.Builder> procedure, int candidates, long seed, File saveDir) {
        if (space == null) {
            throw new IllegalArgumentException("CompressionSearch: search space must not be null");
        }
        if (!(space instanceof MultiLayerSpace || space instanceof ComputationGraphSpace)) {
            throw new IllegalArgumentException("CompressionSearch: the space must be a MultiLayerSpace or ComputationGraphSpace, got " + space.getClass().getSimpleName());
        }
        if (space.numParameters() == 0) {
            throw new IllegalArgumentException("CompressionSearch: the search space is empty (no free hyperparameter); add e.g. a "
                    + "StructuredSparsityLayerSpace with StrengthSpace.logUniform(...) strengths");
        }
        if (candidates < 1) {
            throw new IllegalArgumentException("CompressionSearch: candidates must be >= 1, got " + candidates);
        }
        if (data == null || scoreFunction == null || taskListener == null || procedure == null) {
            throw new IllegalArgumentException("CompressionSearch: data, scoreFunction, taskListener and procedure must not be null");
        }
        this.space = space;
        this.data = data;
        this.scoreFunction = scoreFunction;
        this.taskListener = taskListener;
        this.procedure = procedure;
        this.candidates = candidates;
        this.seed = seed;
        this.saveDir = saveDir;
    }

    /** Runs the search (one candidate at a time) and returns the records, Pareto front marked, in candidate order. */
    public List<CandidateRecord> run() {
        CandidateGenerator generator = new RandomSearchGenerator(space, null);
        OptimizationConfiguration.Builder b = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .dataProvider(data)
                .scoreFunction(scoreFunction)
                .terminationConditions(new MaxCandidatesCondition(candidates))
                .rngSeed(seed);
        if (saveDir != null) {
            saveDir.mkdirs();
            b.modelSaver(new FileModelSaver(saveDir));
        }
        OptimizationConfiguration conf = b.build();
        IOptimizationRunner runner = new LocalOptimizationRunner(1, conf, new CompressionTaskCreator(procedure, taskListener));
        runner.execute();
        results = runner.getResults() == null ? List.of() : new ArrayList<>(runner.getResults());
        List<CandidateRecord> records = new ArrayList<>(taskListener.getRecords());
        records.sort(Comparator.comparingInt(r -> r.candidate));
        if (records.size() < candidates) {
            throw new IllegalStateException("CompressionSearch: only " + records.size() + " of " + candidates + " candidates completed; "
                    + runner.numCandidatesFailed() + " failed (see the log for their stack traces)");
        }
        ParetoFront.mark(records);
        return records;
    }

    /** Arbiter's references to the saved candidates (empty without a save directory), after {@link #run()}. */
    public List<ResultReference> getResults() {
        return results == null ? List.of() : results;
    }
}
