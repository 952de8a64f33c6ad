package io.github.dl4jcompress.examples.speed;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.List;

/** Scratch profiler: where DL4J inference time goes, per layer. Prints microseconds. */
public final class InferenceProfile {

    public static void main(String[] args) throws Exception {
        for (String path : args) {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new File(path), false);
            System.out.println("== " + path);
            for (int b : new int[]{1, 64}) {
                INDArray x = Nd4j.rand(DataType.FLOAT, b, 784);
                for (WorkspaceMode m : new WorkspaceMode[]{WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
                    net.getLayerWiseConfigurations().setInferenceWorkspaceMode(m);
                    double t = time(() -> net.output(x, false));
                    System.out.printf("batch %d ws %s whole output(): %.1f us%n", b, m, t);
                }
                List<INDArray> acts = net.feedForward(x, false);
                for (int i = 0; i < net.getnLayers(); i++) {
                    Layer l = net.getLayer(i);
                    INDArray in = acts.get(i);
                    if (net.getLayerWiseConfigurations().getInputPreProcess(i) != null) {
                        INDArray raw = in;
                        var pp = net.getLayerWiseConfigurations().getInputPreProcess(i);
                        double tp = time(() -> pp.preProcess(raw, b, LayerWorkspaceMgr.noWorkspaces()));
                        System.out.printf("   preproc %d %s: %.1f us%n", i, pp.getClass().getSimpleName(), tp);
                        in = pp.preProcess(raw, b, LayerWorkspaceMgr.noWorkspaces());
                    }
                    INDArray fin = in;
                    double t = time(() -> {
                        l.setInput(fin, LayerWorkspaceMgr.noWorkspaces());
                        l.activate(false, LayerWorkspaceMgr.noWorkspaces());
                    });
                    System.out.printf("   layer %d %-10s %-20s in %s: %.1f us%n", i, l.conf().getLayer().getLayerName(),
                            l.getClass().getSimpleName(), java.util.Arrays.toString(fin.shape()), t);
                    if (l instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
                        INDArray w = l.getParam("W");
                        long mb = fin.size(0), c = fin.size(1), h = fin.size(2), ww = fin.size(3);
                        int kh = (int) w.size(2), kw = (int) w.size(3);
                        int oh = (int) (h - kh + 1), ow = (int) (ww - kw + 1);
                        INDArray col = Nd4j.createUninitialized(DataType.FLOAT, new long[]{mb, oh, ow, c, kh, kw}, 'c');
                        INDArray col2 = col.permute(0, 3, 4, 5, 1, 2);
                        double ti = time(() -> Convolution.im2col(fin, kh, kw, 1, 1, 0, 0, 1, 1, false, col2));
                        INDArray i2d = col.reshape('c', mb * oh * ow, c * kh * kw);
                        INDArray w2 = w.reshape('c', w.size(0), c * kh * kw).transpose().dup('f');
                        double tm = time(() -> i2d.mmul(w2));
                        INDArray z = i2d.mmul(w2);
                        double tperm = time(() -> z.reshape('c', mb, oh, ow, w.size(0)).permute(0, 3, 1, 2).dup('c'));
                        double tcol = time(() -> Nd4j.createUninitialized(DataType.FLOAT, new long[]{mb, oh, ow, c, kh, kw}, 'c'));
                        System.out.printf("      im2col %.1f us, gemm [%d x %d]x[%d x %d] %.1f us, permute+dup %.1f us, alloc %.1f%n",
                                ti, i2d.size(0), i2d.size(1), w2.size(0), w2.size(1), tm, tperm, tcol);
                        INDArray bias = l.getParam("b");
                        double tb = time(() -> z.addiRowVector(bias.reshape(bias.length())));
                        double tr = time(() -> org.nd4j.linalg.ops.transforms.Transforms.relu(z, false));
                        System.out.printf("      bias add %.1f us relu %.1f us%n", tb, tr);
                    }
                }
            }
        }
    }

    static double time(Runnable r) {
        for (int i = 0; i < 200; i++) {
            r.run();
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            int n = 0;
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 200_000_000L) {
                r.run();
                n++;
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e3 / n);
        }
        return best;
    }
}
