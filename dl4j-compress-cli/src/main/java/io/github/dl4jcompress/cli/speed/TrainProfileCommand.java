package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.layers.Lowering;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.github.dl4jcompress.cli.options.OutputDirOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dl4jc profile-train}: where the time of one LeNet training iteration goes, for DL4J's layers and for the
 * {@link Lowering lowered} network. Interleaved timings ({@link LayerTimer}) of: {@code fit} (a whole iteration),
 * {@code gradient} ({@code computeGradientAndScore}: forward + backward, no updater), and each layer's training forward
 * and forward+backward on its real input, inside a workspace. {@code updater+listeners = fit - gradient};
 * {@code framework = gradient - sum(layers)} (preprocessors, workspaces, loss bookkeeping). Writes
 * {@code results/train-profile-<arch>.json}.
 */
@Command(name = "profile-train", mixinStandardHelpOptions = true,
        description = "Per-layer time profile of a LeNet training iteration, DL4J layers vs lowered.")
public final class TrainProfileCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TrainProfileCommand.class);
    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    private static final String WS_ID = "DL4JC_PROFILE_LAYER";

    @Option(names = "--batch", defaultValue = "64")
    int batch;

    @Option(names = "--arch", defaultValue = "lenet", description = "lenet, lenet-ssl, lenet-sslShapes or resnet20 (width 16)")
    String arch;

    @Option(names = "--impls", split = ",", defaultValue = "dl4j,lowered",
            description = "implementations to profile: dl4j (DL4J's layers), lowered (Lowering.lower), comma-separated")
    List<String> impls;

    @Option(names = "--rounds", defaultValue = "5")
    int rounds;

    @Option(names = "--seconds", defaultValue = "0.4", description = "time budget per task per round")
    double seconds;

    @Mixin
    OutputDirOption outOption;

    @Override
    public Integer call() throws Exception {
        for (String impl : impls) {
            if (!impl.equals("dl4j") && !impl.equals("lowered")) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--impls: unknown implementation '" + impl + "' (dl4j or lowered)");
            }
        }
        if (arch.equals("resnet20")) {
            return profileGraph();
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        MultiLayerNetwork dl4j;
        if (arch.equals("lenet")) {
            dl4j = new MultiLayerNetwork(LeNet.configuration(1, 0.01));
            dl4j.init();
        } else {
            dl4j = BenchModels.pruned(arch, 1);
        }
        MultiLayerNetwork lowered = Lowering.lower(dl4j);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("batch", batch);
        result.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        result.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        List<String> names = new ArrayList<>();
        List<Runnable> tasks = new ArrayList<>();
        for (String impl : impls) {
            MultiLayerNetwork net = impl.equals("dl4j") ? dl4j : lowered;
            DataSet ds = new DataSet(x, y);
            names.add(impl + "/fit");
            tasks.add(() -> net.fit(ds));
            names.add(impl + "/gradient");
            tasks.add(() -> {
                net.setInput(x);
                net.setLabels(y);
                net.computeGradientAndScore();
            });
            List<INDArray> acts = net.feedForward(x, true);
            for (int i = 0; i < net.getnLayers(); i++) {
                String layerName = net.getLayer(i).conf().getLayer().getLayerName();
                names.add(impl + "/" + layerName + "/forward");
                tasks.add(layerTask(net, i, acts.get(i), y, false));
                names.add(impl + "/" + layerName + "/forward+backward");
                tasks.add(layerTask(net, i, acts.get(i), y, true));
            }
        }
        return report(result, names, tasks, null);
    }

    /** ResNet-20 (width 16): fit, gradient, and each layer vertex; totals per layer type. */
    private Integer profileGraph() throws Exception {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        ComputationGraph dl4j = new ComputationGraph(io.github.dl4jcompress.cli.models.ResNet20.configuration(1, 16, 0.01));
        dl4j.init();
        ComputationGraph lowered = Lowering.lower(dl4j);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("arch", arch);
        result.put("batch", batch);
        result.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<String> names = new ArrayList<>();
        List<Runnable> tasks = new ArrayList<>();
        Map<String, String> typeOf = new LinkedHashMap<>();
        for (String impl : impls) {
            ComputationGraph net = impl.equals("dl4j") ? dl4j : lowered;
            names.add(impl + "/fit");
            tasks.add(() -> net.fit(new INDArray[]{x}, new INDArray[]{y}));
            Map<String, INDArray> acts = net.feedForward(new INDArray[]{x}, true, false);
            for (String v : net.getConfiguration().getTopologicalOrderStr()) {
                Object vc = net.getConfiguration().getVertices().get(v);
                if (!(vc instanceof LayerVertex lv)) {
                    continue;
                }
                String src = net.getConfiguration().getVertexInputs().get(v).get(0);
                Layer layer = net.getLayer(v);
                names.add(impl + "/" + v + "/forward+backward");
                typeOf.put(impl + "/" + v + "/forward+backward", impl + "/" + lv.getLayerConf().getLayer().getClass().getSimpleName());
                tasks.add(layerTask(layer, lv.getPreProcessor(), acts.get(src), y, true));
            }
        }
        return report(result, names, tasks, typeOf);
    }

    private Integer report(Map<String, Object> result, List<String> names, List<Runnable> tasks, Map<String, String> typeOf)
            throws java.io.IOException {
        log.info("profile-train: {} tasks x {} rounds x {} s (~{} s)", tasks.size(), rounds, seconds,
                Math.round(tasks.size() * (rounds + 3) * seconds));
        double[][] t = LayerTimer.interleaved(tasks, rounds, seconds);
        if (typeOf != null) {
            Map<String, Double> byType = new java.util.TreeMap<>();
            for (int i = 0; i < names.size(); i++) {
                String type = typeOf.get(names.get(i));
                if (type != null) {
                    byType.merge(type, t[1][i], Double::sum);
                }
            }
            byType.forEach((k, v) -> log.info(String.format("%-40s cpu %9.0f us (sum over layers)", k, v)));
            result.put("cpuMicrosByLayerType", byType);
        }
        Map<String, Object> micros = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            micros.put(names.get(i), Map.of("wallMicros", Math.round(t[0][i]), "cpuMicros", Math.round(t[1][i])));
            log.info(String.format("%-36s wall %9.0f us   cpu %9.0f us", names.get(i), t[0][i], t[1][i]));
        }
        result.put("timings", micros);
        result.put("callingThreadCpuShare", t[2][0]);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outOption.dir(), "train-profile-" + arch + ".json"), result);
        return 0;
    }

    /** Layer {@code i} forward in training mode (and backward with a fixed epsilon / the labels) on its real input. */
    private static Runnable layerTask(MultiLayerNetwork net, int i, INDArray act, INDArray labels, boolean backward) {
        return layerTask(net.getLayer(i), net.getLayerWiseConfigurations().getInputPreProcess(i), act, labels, backward);
    }

    private static Runnable layerTask(Layer layer, InputPreProcessor pre, INDArray act, INDArray labels, boolean backward) {
        INDArray in = (pre == null ? act : pre.preProcess(act, (int) act.size(0), LayerWorkspaceMgr.noWorkspaces())).detach();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WS_ID, WS).build();
        INDArray eps;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            layer.setInput(in, LayerWorkspaceMgr.noWorkspaces());
            eps = Nd4j.rand(DataType.FLOAT, layer.activate(true, LayerWorkspaceMgr.noWorkspaces()).shape()).subi(0.5);
        }
        return () -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, WS_ID)) {
                layer.setInput(in, mgr);
                if (layer instanceof IOutputLayer) {
                    ((IOutputLayer) layer).setLabels(labels);
                }
                layer.activate(true, mgr);
                if (backward) {
                    layer.backpropGradient(layer instanceof IOutputLayer ? null : eps, mgr);
                }
            }
        };
    }
}
