package io.github.dl4jcompress.examples.speed;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * Interleaved timing on a shared machine: each round runs every candidate for a fixed time budget, one after the
 * other, so all candidates see the same load; the result per candidate is the median over rounds of the mean time per
 * call. Layer forward passes run in inference mode inside a workspace, as in DL4J's {@code output()}.
 */
final class LayerTimer {

    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    private static final String WS_ID = "DL4JC_BENCH_LAYER";

    private LayerTimer() {
    }

    /** Median microseconds per call of each task. */
    static double[] interleaved(List<Runnable> tasks, int rounds, double roundSeconds) {
        double[][] samples = new double[tasks.size()][rounds];
        for (int r = -1; r < rounds; r++) {
            for (int i = 0; i < tasks.size(); i++) {
                long n = 0;
                long t0 = System.nanoTime();
                long budget = (long) (roundSeconds * (r < 0 ? 3 : 1) * 1e9);
                long minCalls = r < 0 ? 3 : 1;
                do {
                    tasks.get(i).run();
                    n++;
                } while (n < minCalls || System.nanoTime() - t0 < budget);
                if (r >= 0) {
                    samples[i][r] = (System.nanoTime() - t0) / 1e3 / n;
                }
            }
        }
        double[] out = new double[tasks.size()];
        for (int i = 0; i < out.length; i++) {
            double[] s = samples[i].clone();
            Arrays.sort(s);
            out[i] = s[s.length / 2];
        }
        return out;
    }

    /** A task running layer {@code i} of {@code net} forward on its real input for {@code x} (after its preprocessor). */
    static Runnable layerTask(MultiLayerNetwork net, int i, INDArray x) {
        INDArray act = net.feedForwardToLayer(i, x, false).get(i).detach();
        InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
        INDArray in = pre == null ? act : pre.preProcess(act, (int) act.size(0), LayerWorkspaceMgr.noWorkspaces()).detach();
        Layer layer = net.getLayer(i);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WS_ID, WS).build();
        return () -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, WS_ID)) {
                layer.setInput(in, mgr);
                layer.activate(false, mgr);
            }
        };
    }
}
