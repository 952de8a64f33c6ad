package io.github.dl4jcompress.prune;

import io.github.dl4jcompress.regularization.GroupKind;
import io.github.dl4jcompress.regularization.WeightLayout;
import io.github.dl4jcompress.layers.LoweredConvolution;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
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
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replaces plain {@code ConvolutionLayer}s of a network by {@link LoweredConvolution}s over their kept kernel
 * positions (position {@code (c,ky,kx)} kept iff the L2 norm of {@code W[:, c, ky, kx]} over all filters exceeds the
 * threshold), copying parameters ({@code W} compacted to {@code [nOut, kept]}) and updater state consistently, and
 * times DL4J's layer against the lowered one on a real layer input. Returns new networks; inputs are not modified.
 */
public final class ConvolutionLowering {

    private ConvolutionLowering() {
    }

    /** Why {@code layer} cannot be lowered, or null if it can. */
    public static String whyNotLowerable(Layer layer) {
        if (layer == null || layer.getClass() != ConvolutionLayer.class) {
            return "not a plain ConvolutionLayer";
        }
        ConvolutionLayer c = (ConvolutionLayer) layer;
        if (c.getDilation()[0] != 1 || c.getDilation()[1] != 1) {
            return "dilation " + Arrays.toString(c.getDilation());
        }
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            return "data format " + c.getCnn2dDataFormat();
        }
        if (c.getConvolutionMode() == ConvolutionMode.Causal) {
            return "causal mode";
        }
        return null;
    }

    /** Kernel positions ({@code (c*kH + ky)*kW + kx}) whose weights over all filters have L2 norm {@code > threshold}. */
    public static int[] keptPositions(INDArray weights4d, double threshold) {
        long[] s = weights4d.shape();
        // a kernel position's weights over all filters are a SHAPE group: one norm computation for regularizers and lowering
        WeightLayout layout = WeightLayout.convolution("lowered", s[0], s[1], s[2], s[3]);
        double[] norms = layout.groupNorms(weights4d.castTo(DataType.DOUBLE), GroupKind.SHAPE).toDoubleVector();
        List<Integer> kept = new ArrayList<>();
        for (int k = 0; k < norms.length; k++) {
            if (norms[k] > threshold) {
                kept.add(k);
            }
        }
        if (kept.isEmpty()) {
            kept.add(0);
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A new MultiLayerNetwork with the named layers lowered to the given kept positions. */
    public static MultiLayerNetwork lower(MultiLayerNetwork net, Map<String, int[]> keptByLayerName) {
        Map<String, int[]> byId = new LinkedHashMap<>();
        Map<String, String> remaining = new LinkedHashMap<>();
        keptByLayerName.keySet().forEach(n -> remaining.put(n, n));
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            int[] kept = keptByLayerName.get(conf.getConf(i).getLayer().getLayerName());
            if (kept != null) {
                byId.put(String.valueOf(i), kept);
                remaining.remove(conf.getConf(i).getLayer().getLayerName());
            }
        }
        requireAllFound(remaining);
        return lowerById(net, byId);
    }

    /** A new ComputationGraph with the named layer vertices lowered to the given kept positions. */
    public static ComputationGraph lower(ComputationGraph net, Map<String, int[]> keptByLayerName) {
        Map<String, String> remaining = new LinkedHashMap<>();
        keptByLayerName.keySet().forEach(n -> {
            if (!(net.getConfiguration().getVertices().get(n) instanceof LayerVertex)) {
                remaining.put(n, n);
            }
        });
        requireAllFound(remaining);
        return lowerById(net, keptByLayerName);
    }

    /**
     * A new network with every lowerable convolution lowered: all kernel positions kept when {@code threshold < 0}
     * (exact, and training continues as with DL4J's layer), else the positions whose weight norm exceeds it
     * (positions dropped stay zero from then on). Parameters and updater state are carried over.
     */
    public static <N extends Model> N lowerEvery(N net, double threshold) {
        NetworkAdapter<N> adapter = NetworkAdapter.of(net);
        Map<String, int[]> byId = new LinkedHashMap<>();
        for (String id : adapter.ids(net)) {
            Layer l = adapter.layerConf(net, id);
            if (l == null || whyNotLowerable(l) != null) {
                continue;
            }
            INDArray w = adapter.runtimeLayer(net, id).getParam("W");
            byId.put(id, threshold < 0 ? java.util.stream.IntStream.range(0, (int) (w.length() / w.size(0))).toArray()
                    : keptPositions(w, threshold));
        }
        return lowerById(net, byId);
    }

    /** Lowers by node id (MLN: layer index as string; CG: vertex name). */
    static <N extends Model> N lowerById(N net, Map<String, int[]> byId) {
        Map<String, Layer> replacements = new LinkedHashMap<>();
        byId.forEach((id, kept) -> replacements.put(id, lowered(layerConf(net, id), kept)));
        return swap(net, replacements, byId);
    }

    /**
     * A new network with every dense {@link LoweredConvolution} turned back into DL4J's {@code ConvolutionLayer}
     * (same settings; {@code W[nOut, nIn*kH*kW]} is the convolution's {@code [nOut, nIn, kH, kW]} in c order),
     * parameters and updater state carried over: for code that needs DL4J's own layers.
     * Shape-sparse lowered layers are left as they are.
     */
    public static <N extends Model> N restoreEvery(N net) {
        NetworkAdapter<N> adapter = NetworkAdapter.of(net);
        Map<String, Layer> replacements = new LinkedHashMap<>();
        for (String id : adapter.ids(net)) {
            if (adapter.layerConf(net, id) instanceof LoweredConvolution l && l.isDense()) {
                replacements.put(id, l.toConvolutionLayer());
            }
        }
        return swap(net, replacements, Map.of());
    }

    /** A copy of {@code net} with node layers replaced; W of the nodes in {@code compactW} compacted to those positions. */
    private static <N extends Model> N swap(N net, Map<String, Layer> replacements, Map<String, int[]> compactW) {
        NetworkAdapter<N> adapter = NetworkAdapter.of(net);
        N out = adapter.withLayers(net, replacements);
        transfer(adapter, net, out, compactW);
        return out;
    }

    /** Runtime layer of node {@code id}. */
    static org.deeplearning4j.nn.api.Layer runtimeLayer(Model net, String id) {
        return NetworkAdapter.of(net).runtimeLayer(net, id);
    }

    /** Configuration of node {@code id}'s layer, null for non-layer vertices. */
    static Layer layerConf(Model net, String id) {
        return NetworkAdapter.of(net).layerConf(net, id);
    }

    private static void requireAllFound(Map<String, String> remaining) {
        if (!remaining.isEmpty()) {
            throw new IllegalArgumentException("no layer named " + remaining.keySet() + " in the network");
        }
    }

    private static LoweredConvolution lowered(Layer l, int[] kept) {
        String why = whyNotLowerable(l);
        if (why != null) {
            throw new IllegalArgumentException("layer '" + l.getLayerName() + "' cannot be lowered: " + why);
        }
        return LoweredConvolution.of((ConvolutionLayer) l, kept);
    }

    /** W[nOut, nIn, kH, kW] (any order) -> W[nOut, kept] c order. */
    static double[] compact(double[] wFlatC, long nOut, long total, int[] kept) {
        double[] out = new double[(int) nOut * kept.length];
        for (int f = 0; f < nOut; f++) {
            for (int i = 0; i < kept.length; i++) {
                out[f * kept.length + i] = wFlatC[(int) (f * total + kept[i])];
            }
        }
        return out;
    }

    private static <N extends Model> void transfer(NetworkAdapter<N> adapter, N from, N to, Map<String, int[]> loweredById) {
        Map<String, Trainable> oldT = adapter.trainables(from);
        Map<String, Trainable> newT = adapter.trainables(to);
        for (Map.Entry<String, Trainable> e : newT.entrySet()) {
            Trainable src = oldT.get(e.getKey());
            int[] kept = loweredById.get(e.getKey());
            for (Map.Entry<String, INDArray> p : e.getValue().paramTable(false).entrySet()) {
                INDArray old = src.paramTable(false).get(p.getKey());
                if (kept != null && p.getKey().equals("W")) {
                    double[] c = compact(old.dup('c').reshape(old.length()).toDoubleVector(), old.size(0), old.length() / old.size(0), kept);
                    p.getValue().assign(Nd4j.create(c, p.getValue().shape(), 'c').castTo(p.getValue().dataType()));
                } else {
                    p.getValue().assign(old.reshape(p.getValue().shape()));
                }
            }
        }
        // state chunks are read in the parameter's storage order; the lowered W is [nOut, kept] in c order
        ParamTransfer.copyUpdaterState(adapter, from, to, (id, key, chunk, oldParam) -> {
            int[] kept = loweredById.get(id);
            if (kept != null && key.equals("W")) {
                return compact(chunk.toFlat('c'), oldParam.size(0), oldParam.length() / oldParam.size(0), kept);
            }
            return chunk.toFlat(oldParam.ordering());
        });
    }

    /** Input of layer {@code id} (after its preprocessor) for network input {@code inputs}. */
    static INDArray layerInput(Model net, String id, INDArray[] inputs) {
        return NetworkAdapter.of(net).layerInput(net, id, inputs);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Median-of-rounds forward time (µs of the calling thread's CPU time per call: ND4J computes on the calling thread
     * with {@code OMP_NUM_THREADS=1}, and CPU time does not count waiting for a core on a loaded machine) of each of
     * two layers on the same input, interleaved round by round; inference mode, activations in a workspace (as DL4J's
     * {@code output()}).
     */
    static double[] timePair(org.deeplearning4j.nn.api.Layer a, org.deeplearning4j.nn.api.Layer b, INDArray input,
                             int rounds, double roundSeconds) {
        WorkspaceConfiguration wsConf = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
        String wsId = "DL4JC_LOWERING_TIMING";
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(wsId, wsConf).build();
        org.deeplearning4j.nn.api.Layer[] layers = {a, b};
        double[][] samples = new double[2][rounds];
        for (int r = -1; r < rounds; r++) {
            for (int which = 0; which < 2; which++) {
                org.deeplearning4j.nn.api.Layer l = layers[which];
                long n = 0;
                long t0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                // the warm-up round also lets the JIT compile the lowered layer's Java loops
                long budget = (long) (roundSeconds * (r < 0 ? 4 : 1) * 1e9);
                long minCalls = r < 0 ? 3 : 1;
                do {
                    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsConf, wsId)) {
                        l.setInput(input, mgr);
                        l.activate(false, mgr);
                    }
                    n++;
                } while (n < minCalls || System.nanoTime() - t0 < budget);
                if (r >= 0) {
                    samples[which][r] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / n;
                }
                l.clear();
            }
        }
        Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(wsId));
        return new double[]{io.github.dl4jcompress.cost.Median.of(samples[0]), io.github.dl4jcompress.cost.Median.of(samples[1])};
    }
}
