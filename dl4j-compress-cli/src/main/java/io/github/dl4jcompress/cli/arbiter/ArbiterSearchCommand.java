package io.github.dl4jcompress.cli.arbiter;

import io.github.dl4jcompress.cli.options.DataOption;
import io.github.dl4jcompress.cli.options.EpochsOption;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import io.github.dl4jcompress.cli.options.SeedOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.concurrent.Callable;

/** {@code dl4jc arbiter-search}: Arbiter random search over Group Lasso strengths, Pareto front, auto-λ comparison. */
@Command(name = "arbiter-search", mixinStandardHelpOptions = true,
        description = "Random search (Arbiter) over LeNet's Group Lasso strengths and learning rate; accuracy vs MACs with the Pareto front; "
                + "one auto-lambda run at the same MAC budget for comparison.")
public final class ArbiterSearchCommand implements Callable<Integer> {

    @Option(names = "--candidates", description = "number of random candidates (default ${DEFAULT-VALUE})", defaultValue = "8")
    int candidates;


    @Option(names = "--train-limit", description = "training examples used (0 = all; default ${DEFAULT-VALUE})", defaultValue = "4000")
    int trainLimit;

    @Option(names = "--test-limit", description = "test examples used (0 = all; default ${DEFAULT-VALUE})", defaultValue = "0")
    int testLimit;

    @Option(names = "--budget", description = "MAC budget as a fraction of the dense LeNet's MACs (default ${DEFAULT-VALUE})", defaultValue = "0.2")
    double budget;



    @Option(names = "--save-candidates", description = "directory where Arbiter saves each trained candidate (model.bin, score) — not saved by default")
    File saveDir;

    @Option(names = "--no-auto-lambda", description = "skip the auto-lambda comparison run")
    boolean noAuto;

    @Option(names = "--reuse-search", description = "read the candidates from <out>/arbiter-search.json of an earlier run instead of searching again; redo only the auto-lambda run")
    boolean reuseSearch;

    @Option(names = "--auto-max-step", description = "auto-lambda: largest change of ln(lambda) per update (default ${DEFAULT-VALUE})", defaultValue = "0.05")
    double autoMaxStep;

    @Option(names = "--auto-candidate-threshold", description = "auto-lambda: groups below this fraction of their layer's largest norm may be zeroed, "
            + "smallest first, as far as the MAC trajectory allows (default ${DEFAULT-VALUE})", defaultValue = "0.03")
    double autoCandidateThreshold;

    @Option(names = "--auto-tolerance", description = "auto-lambda: accepted band [(1 - tolerance) x budget, budget] for the final MACs (default ${DEFAULT-VALUE})",
            defaultValue = "0.1")
    double autoTolerance;

    @Mixin
    EpochsOption epochsOption = new EpochsOption(3);

    @Mixin
    SeedOption seedOption = new SeedOption(12345);

    @Mixin
    DataOption dataOption;

    @Mixin
    OutputDirOption outOption;

    @Override
    public Integer call() throws Exception {
        if (candidates < 1) {
            throw new IllegalArgumentException("--candidates must be >= 1, got " + candidates);
        }
        if (!(budget > 0 && budget <= 1)) {
            throw new IllegalArgumentException("--budget is a fraction of the dense MACs in (0, 1], got " + budget);
        }
        // the pruner's per-call report would flood the log (the auto-λ controller prunes a copy every few iterations)
        System.setProperty("org.slf4j.simpleLogger.log.io.github.dl4jcompress.prune.StructuredPruner", "warn");
        ArbiterSearchJob.Settings s = new ArbiterSearchJob.Settings();
        s.candidates = candidates;
        s.epochs = epochsOption.epochs();
        s.trainLimit = trainLimit;
        s.testLimit = testLimit;
        s.budgetFraction = budget;
        s.outputDir = outOption.dir();
        s.saveDir = saveDir;
        s.autoLambda = !noAuto;
        s.seed = seedOption.seed();
        s.reuseSearch = reuseSearch;
        s.autoMaxStep = autoMaxStep;
        s.autoCandidateThreshold = autoCandidateThreshold;
        s.autoTolerance = autoTolerance;
        new ArbiterSearchJob(s, dataOption.load()).run();
        return 0;
    }
}
