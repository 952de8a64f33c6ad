package io.github.dl4jcompress.cli.arbiter;

import io.github.dl4jcompress.arbiter.CandidateRecord;
import io.github.dl4jcompress.arbiter.CompressionObjective;
import io.github.dl4jcompress.arbiter.CompressionScoreFunction;
import io.github.dl4jcompress.arbiter.CompressionSearch;
import io.github.dl4jcompress.arbiter.CompressionTaskListener;
import io.github.dl4jcompress.arbiter.IteratorDataProvider;
import io.github.dl4jcompress.arbiter.StrengthSpace;
import io.github.dl4jcompress.arbiter.StructuredSparsityLayerSpace;
import io.github.dl4jcompress.cost.CostModel;
import io.github.dl4jcompress.cli.data.FashionMnist;
import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.listeners.AdjustableSchedule;
import io.github.dl4jcompress.listeners.MacBudgetController;
import io.github.dl4jcompress.listeners.ProgressListener;
import io.github.dl4jcompress.listeners.compress.SslCompression;
import io.github.dl4jcompress.regularization.StructuredSparsity;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.NesterovsSpace;
import org.deeplearning4j.arbiter.layers.fixed.FixedLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.math.MathOp;
import org.deeplearning4j.arbiter.optimize.parameter.math.Op;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.PropertyAccessor;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code dl4jc arbiter-search}: an Arbiter random search over the Group Lasso strengths and the learning rate of the
 * main job's LeNet, each candidate trained from scratch and compressed by {@code SslCompression} (its strengths as the
 * procedure's settings), scored (accuracy subject to a MAC budget); then one auto-λ run ({@link MacBudgetController})
 * at the same budget.
 * Writes {@code arbiter-search.json} (one row per candidate, Pareto marked), {@code arbiter-search-summary.json}
 * (settings, best candidate, auto-λ run), {@code arbiter-search.png} (accuracy vs MACs, front highlighted) and
 * {@code arbiter-search-autolambda.png} (the auto-λ run's pruned MACs, zeroing floor and strength over iterations).
 */
public final class ArbiterSearchJob {

    private static final Logger log = LoggerFactory.getLogger(ArbiterSearchJob.class);

    /** Settings of one run. */
    public static final class Settings {
        // set from the arbiter-search options (their defaults live there, once)
        public long seed;
        public int candidates;
        public int epochs;
        public int trainLimit;
        public int testLimit;
        public double budgetFraction;
        public boolean autoLambda;
        public double autoMaxStep;
        public double autoCandidateThreshold;
        public double autoTolerance;
        public boolean reuseSearch;
        public File outputDir;
        public File saveDir;
        // fixed by the job
        public int batch = 64;
        public double convMin = 0.02;
        public double convMax = 0.4;
        public double denseMin = 0.002;
        public double denseMax = 0.05;
        public double lrMin = 0.005;
        public double lrMax = 0.03;
        public double conv1Scale = 0.4;
        public int finetuneEpochs = 2;
        public double maxDrop = 0.005;
        public double autoConv = 0.05;
        public double autoDense = 0.005;
        public double autoLr = 0.01;
        public int autoFrequency = 5;
    }

    private final Settings s;
    private final FashionMnist data;
    private final DataSet train;
    private final DataSet test;

    public ArbiterSearchJob(Settings settings, FashionMnist data) {
        this.s = settings;
        this.data = data;
        DataSet t = data.train();
        this.train = s.trainLimit > 0 && s.trainLimit < t.numExamples() ? (DataSet) t.getRange(0, s.trainLimit) : t;
        DataSet v = data.test();
        this.test = s.testLimit > 0 && s.testLimit < v.numExamples() ? (DataSet) v.getRange(0, s.testLimit) : v;
    }

    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        MultiLayerNetwork dense = new MultiLayerNetwork(LeNet.configuration(s.seed, 0.01));
        dense.init();
        long denseMacs = new CostModel().of(dense, LeNet.INPUT).getMacs();
        long denseParams = dense.numParams();
        long budget = Math.round(s.budgetFraction * denseMacs);
        log.info("Data: {} — {} train / {} test examples; dense LeNet {} MACs, budget {} MACs ({}%)", data.source(), train.numExamples(),
                test.numExamples(), denseMacs, budget, 100 * s.budgetFraction);

        ContinuousParameterSpace conv = StrengthSpace.logUniform(s.convMin, s.convMax);
        ContinuousParameterSpace denseStrength = StrengthSpace.logUniform(s.denseMin, s.denseMax);
        ContinuousParameterSpace lr = StrengthSpace.logUniform(s.lrMin, s.lrMax);
        MultiLayerSpace space = lenetSpace(conv, denseStrength, lr);
        Map<String, ParameterSpace<?>> named = new LinkedHashMap<>();
        named.put("convStrength", conv);
        named.put("denseStrength", denseStrength);
        named.put("learningRate", lr);

        CompressionScoreFunction score = new CompressionScoreFunction(CompressionObjective.macBudget(budget), 0.0, LeNet.INPUT);
        int batchesPerEpoch = new ShuffledBatches(train, s.batch, s.seed, true).batchesPerEpoch();
        CompressionTaskListener taskListener = new CompressionTaskListener(score, named, s.candidates);
        // each candidate: baseline trained 'epochs' epochs, then SslCompression (its kinds and strength as groups and λ0)
        Supplier<SslCompression.Builder> procedure = () -> SslCompression.builder().sslEpochs(s.epochs).finetuneEpochs(s.finetuneEpochs)
                .maxAccuracyDrop(s.maxDrop).latencyBatch(s.batch).seed(s.seed);
        DataSet tr = train;
        DataSet te = test;
        long seed = s.seed;
        int batch = s.batch;
        IteratorDataProvider provider = new IteratorDataProvider(() -> new ShuffledBatches(tr, batch, seed, true), () -> new ShuffledBatches(te, 500, 0, false));
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.PUBLIC_ONLY);
        File json = new File(s.outputDir, "arbiter-search.json");
        File summaryJson = new File(s.outputDir, "arbiter-search-summary.json");
        List<CandidateRecord> records;
        double searchSeconds;
        if (s.reuseSearch) {
            // the candidates of an earlier run with the same settings; only the auto-λ run is redone
            records = new ArrayList<>(List.of(mapper.readValue(json, CandidateRecord[].class)));
            Map<?, ?> old = summaryJson.exists() ? mapper.readValue(summaryJson, Map.class) : Map.of();
            searchSeconds = old.get("searchSeconds") instanceof Number ? ((Number) old.get("searchSeconds")).doubleValue() : Double.NaN;
            log.info("Reusing {} candidates from {}", records.size(), json);
        } else {
            long searchStart = System.nanoTime();
            records = new CompressionSearch(space, provider, score, taskListener, procedure, s.candidates, s.seed, s.saveDir).run();
            searchSeconds = (System.nanoTime() - searchStart) / 1e9;
        }
        for (CandidateRecord r : records) {
            r.params.remove("macsRatio");
            r.macsRatio = (double) r.macs / denseMacs;
        }
        CandidateRecord best = records.stream().max(Comparator.comparingDouble(r -> r.objective)).orElseThrow();
        log.info("Best candidate by objective: {}", best);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dataset", data.source());
        summary.put("examples", Map.of("train", train.numExamples(), "test", test.numExamples()));
        summary.put("settings", s);
        summary.put("denseMacs", denseMacs);
        summary.put("denseParams", denseParams);
        summary.put("budgetMacs", budget);
        summary.put("objective", score.getObjective().toString());
        summary.put("searchSeconds", searchSeconds);
        summary.put("bestCandidate", best);
        summary.put("feasibleCandidates", records.stream().filter(r -> r.macs <= budget).count());
        Map<String, Object> auto = null;
        if (s.autoLambda) {
            auto = autoLambda(score, budget, denseMacs, batchesPerEpoch);
            summary.put("autoLambda", auto);
        }
        summary.put("notes", List.of(
                "Every candidate is LeNet trained from scratch for 'epochs' epochs (Nesterov momentum 0.9, learning rate searched), then "
                        + "compressed by SslCompression (sslEpochs = epochs, finetuneEpochs, maxDrop; groups = the candidate's kinds, initial "
                        + "lambda = its largest strength, MAC target = budgetMacs / dense MACs) and evaluated: accuracy on the test examples, "
                        + "macs/paramsCount of the procedure's result as DL4J runs it",
                "convStrength: conv2 filters+channels and conv1 filters x conv1Scale; denseStrength: fc1 units+inputs and the output layer's inputs",
                "objective: accuracy if macs <= budgetMacs else -macs/budgetMacs (CompressionObjective.macBudget)",
                "autoLambda: same network/data/epochs, fixed learning rate, MacBudgetController steering all strengths to reach "
                        + "budgetFraction MACs by epoch max(1, epochs-1) (geometric trajectory, capped step) with budgeted zeroing: groups below "
                        + "autoCandidateThreshold x their layer's largest norm are zeroed smallest first, only while the exactly pruned MAC fraction stays >= "
                        + "(1 - autoTolerance) x the trajectory; lambda is steered on the MAC fraction if all such candidates were zeroed; then pruned and scored the same way",
                "OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)")));
        summary.put("totalSeconds", (System.nanoTime() - t0) / 1e9);

        s.outputDir.mkdirs();
        mapper.writeValue(json, records);
        mapper.writeValue(summaryJson, summary);
        File png = new File(s.outputDir, "arbiter-search.png");
        chart(png, records, auto, budget, denseMacs);
        log.info("Wrote {}, {} and {}", json, summaryJson, png);
        if (auto != null) {
            File trajPng = new File(s.outputDir, "arbiter-search-autolambda.png");
            trajectoryChart(trajPng, auto);
            log.info("Wrote {}", trajPng);
        }
        System.out.println(table(records, best, auto, denseMacs, budget));
        return summary;
    }

    /** The main job's LeNet as an Arbiter space: Group Lasso strengths and learning rate searched. */
    MultiLayerSpace lenetSpace(ContinuousParameterSpace conv, ContinuousParameterSpace dense, ContinuousParameterSpace lr) {
        return new MultiLayerSpace.Builder()
                .seed(s.seed)
                .weightInit(WeightInit.RELU)
                // plain Nesterov momentum: Arbiter's AdamSpace would set beta1/beta2/epsilon to the learning rate
                .updater(new NesterovsSpace(lr, new FixedValue<>(0.9)))
                .addLayer(StructuredSparsityLayerSpace.wrap(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(20).activation(Activation.RELU).build())
                        .filters(new MathOp<>(conv, Op.MUL, s.conv1Scale)).build())
                .addLayer(new FixedLayerSpace<>(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build()))
                .addLayer(StructuredSparsityLayerSpace.wrap(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(50).activation(Activation.RELU).build())
                        .filters(conv).channels(conv).build())
                .addLayer(new FixedLayerSpace<>(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build()))
                .addLayer(StructuredSparsityLayerSpace.wrap(new DenseLayer.Builder().name("fc1").nOut(500).activation(Activation.RELU).build())
                        .filters(dense).channels(dense).build())
                .addLayer(StructuredSparsityLayerSpace.wrap(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10)
                        .activation(Activation.SOFTMAX).build()).channels(dense).build())
                .setInputType(LeNet.INPUT)
                .numEpochs(s.epochs)
                .build();
    }

    /** One run with the strengths steered by {@link MacBudgetController} toward the budget, scored like the candidates. */
    private Map<String, Object> autoLambda(CompressionScoreFunction score, long budget, long denseMacs, int batchesPerEpoch) {
        long t = System.nanoTime();
        MultiLayerConfiguration conf = LeNet.configuration(s.seed, s.autoLr);
        StructuredSparsity.builder().layers("conv1").filters(new AdjustableSchedule(s.conv1Scale * s.autoConv)).build().applyTo(conf);
        StructuredSparsity.builder().layers("conv2").filters(new AdjustableSchedule(s.autoConv)).channels(new AdjustableSchedule(s.autoConv)).build().applyTo(conf);
        StructuredSparsity.builder().layers("fc1").filters(new AdjustableSchedule(s.autoDense)).channels(new AdjustableSchedule(s.autoDense)).build().applyTo(conf);
        StructuredSparsity.builder().layers("out").channels(new AdjustableSchedule(s.autoDense)).build().applyTo(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        int byEpoch = Math.max(1, s.epochs - 1);
        // the controller does the zeroing itself (budgeted), so no ZeroingListener here
        MacBudgetController controller = MacBudgetController.builder().target(s.budgetFraction).byEpoch(byEpoch, batchesPerEpoch)
                .frequency(s.autoFrequency).maxStep(s.autoMaxStep).budgetedZeroing(s.autoCandidateThreshold).tolerance(s.autoTolerance)
                .inputTypes(LeNet.INPUT).build();
        net.setListeners(controller, new ProgressListener("auto-lambda", s.epochs, batchesPerEpoch, s.batch, 50));
        log.info("Auto-λ run: target {} of dense MACs by epoch {} (band [{}, 1] x target), initial conv λ {}, dense λ {}, learning rate {}",
                s.budgetFraction, byEpoch, 1 - s.autoTolerance, s.autoConv, s.autoDense, s.autoLr);
        net.fit(new ShuffledBatches(train, s.batch, s.seed, true), s.epochs);
        score.score(net, new ShuffledBatches(test, 500, 0, false));
        CandidateRecord r = score.takeRecord(net);
        List<MacBudgetController.Step> h = controller.getHistory();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accuracy", r.accuracy);
        out.put("macs", r.macs);
        out.put("macsRatio", (double) r.macs / denseMacs);
        out.put("paramsCount", r.paramsCount);
        out.put("effectiveMacs", r.effectiveMacs);
        out.put("objective", r.objective);
        out.put("withinBudget", r.macs <= budget);
        out.put("targetBand", List.of((1 - s.autoTolerance) * s.budgetFraction, s.budgetFraction));
        out.put("inTargetBand", (double) r.macs / denseMacs >= (1 - s.autoTolerance) * s.budgetFraction && r.macs <= budget);
        out.put("zeroedGroups", controller.getBudgetedZeroing().getZeroedGroups());
        out.put("learningRate", s.autoLr);
        out.put("initialConvStrength", s.autoConv);
        out.put("initialDenseStrength", s.autoDense);
        out.put("finalStrengthScale", h.isEmpty() ? 1.0 : h.get(h.size() - 1).strengthScale / (s.conv1Scale * s.autoConv));
        List<double[]> traj = new ArrayList<>();
        for (MacBudgetController.Step st : h) {
            traj.add(new double[]{st.iteration, st.exactMacRatio, st.floor, st.macRatio, st.target, st.candidates, st.zeroed,
                    st.strengthScale / (s.conv1Scale * s.autoConv)});
        }
        out.put("trajectoryColumns", List.of("iteration", "prunedMacRatio", "floorMacRatio", "pendingMacRatio", "aimMacRatio", "candidates",
                "zeroed", "strengthScale"));
        out.put("trajectory", traj);
        out.put("seconds", (System.nanoTime() - t) / 1e9);
        log.info("Auto-λ: accuracy {}, MACs {} ({}% of dense), final strength scale {}", r.accuracy, r.macs, 100.0 * r.macs / denseMacs,
                out.get("finalStrengthScale"));
        return out;
    }

    static void chart(File png, List<CandidateRecord> records, Map<String, Object> auto, long budget, long denseMacs) throws IOException {
        XYSeries all = new XYSeries("candidates", false, true);
        XYSeries front = new XYSeries("Pareto front", true, true);
        for (CandidateRecord r : records) {
            double x = 100.0 * r.macs / denseMacs;
            all.add(x, 100 * r.accuracy);
            if (r.pareto) {
                front.add(x, 100 * r.accuracy);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(all);
        data.addSeries(front);
        if (auto != null) {
            XYSeries a = new XYSeries("auto-λ run", false, true);
            a.add(100 * ((Number) auto.get("macsRatio")).doubleValue(), 100 * ((Number) auto.get("accuracy")).doubleValue());
            data.addSeries(a);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Arbiter search: LeNet, Group Lasso strengths + learning rate", "MACs, % of dense LeNet",
                "test accuracy, %", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesLinesVisible(0, false);
        renderer.setSeriesShapesVisible(0, true);
        renderer.setSeriesPaint(0, new Color(120, 120, 120));
        renderer.setSeriesLinesVisible(1, true);
        renderer.setSeriesShapesVisible(1, true);
        renderer.setSeriesPaint(1, new Color(200, 30, 30));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        renderer.setSeriesLinesVisible(2, false);
        renderer.setSeriesShapesVisible(2, true);
        renderer.setSeriesPaint(2, new Color(30, 90, 200));
        plot.setRenderer(renderer);
        ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ValueMarker marker = new ValueMarker(100.0 * budget / denseMacs);
        marker.setPaint(new Color(30, 150, 30));
        marker.setLabel("MAC budget");
        plot.addDomainMarker(marker);
        ChartUtils.saveChartAsPNG(png, chart, 900, 600);
    }

    /** The auto-λ controller over training: pruned MACs, the zeroing floor, the pending fraction, the strength scale. */
    @SuppressWarnings("unchecked")
    static void trajectoryChart(File png, Map<String, Object> auto) throws IOException {
        List<double[]> traj = (List<double[]>) auto.get("trajectory");
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        String[] names = {"pruned MACs % (exact zeros)", "zeroing floor % ((1-tol) x trajectory)", "MACs % if all candidates were zeroed"};
        int[] cols = {1, 2, 3};
        for (int i = 0; i < names.length; i++) {
            List<double[]> pts = new ArrayList<>();
            for (double[] row : traj) {
                pts.add(new double[]{row[0], 100 * row[cols[i]]});
            }
            series.put(names[i], pts);
        }
        List<double[]> lambda = new ArrayList<>();
        for (double[] row : traj) {
            lambda.add(new double[]{row[0], 10 * row[7]});
        }
        series.put("strength scale x10", lambda);
        io.github.dl4jcompress.listeners.Charts.line(png, "Auto-λ with budgeted zeroing (LeNet, target " + 100 * ((List<Double>) auto.get("targetBand")).get(1)
                + "% MACs)", "iteration", "%  (strength: scale x 10)", series);
    }

    static String table(List<CandidateRecord> records, CandidateRecord best, Map<String, Object> auto, long denseMacs, long budget) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n%-10s %12s %12s %10s %9s %10s %9s %9s %7s%n", "candidate", "conv λ", "dense λ", "lr", "MACs %", "params",
                "accuracy", "objective", "Pareto"));
        for (CandidateRecord r : records) {
            sb.append(String.format("%-10d %12.4g %12.4g %10.4g %8.1f%% %10d %8.2f%% %9.4f %7s%n", r.candidate, (Double) r.params.get("convStrength"),
                    (Double) r.params.get("denseStrength"), (Double) r.params.get("learningRate"), 100.0 * r.macs / denseMacs, r.paramsCount,
                    100 * r.accuracy, r.objective, r.pareto ? "yes" : ""));
        }
        sb.append(String.format("%nbudget %d MACs (%.1f%% of dense %d): best searched candidate %d — accuracy %.2f%%, MACs %.1f%%%s%n", budget,
                100.0 * budget / denseMacs, denseMacs, best.candidate, 100 * best.accuracy, 100.0 * best.macs / denseMacs,
                best.macs <= budget ? "" : " (over budget: no candidate met it)"));
        if (auto != null) {
            sb.append(String.format("auto-λ run: accuracy %.2f%%, MACs %.1f%%%s%n", 100 * ((Number) auto.get("accuracy")).doubleValue(),
                    100 * ((Number) auto.get("macsRatio")).doubleValue(), Boolean.TRUE.equals(auto.get("withinBudget")) ? "" : " (over budget)"));
        }
        return sb.toString();
    }
}
