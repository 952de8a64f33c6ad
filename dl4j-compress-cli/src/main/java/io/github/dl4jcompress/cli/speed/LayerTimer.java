package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.cost.Median;
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

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Median microseconds per call of each task: {@code [0][i]} wall-clock time, {@code [1][i]} CPU time of the calling
     * thread (with {@code OMP_NUM_THREADS=1} ND4J computes on the calling thread, so this is the work done, without the
     * time the thread waited for a CPU on a loaded machine); {@code [2][0]} the calling thread's share of the process CPU
     * time over the whole measurement (close to 1 confirms the work ran on the calling thread).
     */
    static double[][] interleaved(List<Runnable> tasks, int rounds, double roundSeconds) {
        double[][] wall = new double[tasks.size()][rounds];
        double[][] cpu = new double[tasks.size()][rounds];
        long threadStart = THREADS.getCurrentThreadCpuTime();
        long processStart = processCpu();
        for (int r = -1; r < rounds; r++) {
            for (int i = 0; i < tasks.size(); i++) {
                long n = 0;
                long t0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                long budget = (long) (roundSeconds * (r < 0 ? 3 : 1) * 1e9);
                long minCalls = r < 0 ? 3 : 1;
                do {
                    tasks.get(i).run();
                    n++;
                } while (n < minCalls || System.nanoTime() - t0 < budget);
                if (r >= 0) {
                    wall[i][r] = (System.nanoTime() - t0) / 1e3 / n;
                    cpu[i][r] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e3 / n;
                }
            }
        }
        double[][] out = new double[3][tasks.size()];
        out[2][0] = (double) (THREADS.getCurrentThreadCpuTime() - threadStart) / Math.max(1, processCpu() - processStart);
        for (int i = 0; i < tasks.size(); i++) {
            out[0][i] = Median.of(wall[i]);
            out[1][i] = Median.of(cpu[i]);
        }
        return out;
    }

    /** CPU time of the whole JVM process (ns), -1 if unavailable. */
    private static long processCpu() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
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
