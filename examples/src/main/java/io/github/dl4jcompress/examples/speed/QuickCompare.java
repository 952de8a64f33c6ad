package io.github.dl4jcompress.examples.speed;

import io.github.dl4jcompress.prune.LoweringMode;
import io.github.dl4jcompress.prune.PruneResult;
import io.github.dl4jcompress.prune.StructuredPruner;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Arrays;

/** Scratch: whole-network output() time of baseline, pruned, pruned+lowered; interleaved rounds, medians. */
public final class QuickCompare {
    public static void main(String[] args) throws Exception {
        MultiLayerNetwork base = ModelSerializer.restoreMultiLayerNetwork(new File(args[0]), false);
        MultiLayerNetwork pruned = ModelSerializer.restoreMultiLayerNetwork(new File(args[1]), false);
        INDArray probe = Nd4j.rand(DataType.FLOAT, 64, 784);
        PruneResult<MultiLayerNetwork> r = StructuredPruner.builder().lowerConvolutions(LoweringMode.IF_FASTER, probe).build().prune(pruned);
        System.out.println(r.report().lowering());
        MultiLayerNetwork all = StructuredPruner.builder().lowerConvolutions(LoweringMode.ALWAYS).build().prune(pruned).network();
        MultiLayerNetwork baseLow = StructuredPruner.builder().lowerConvolutions(LoweringMode.ALWAYS).build().prune(base).network();
        MultiLayerNetwork[] nets = {base, baseLow, pruned, all};
        String[] names = {"base", "base+lowered", "pruned", "pruned+lowered"};
        for (int b : new int[]{1, 64}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, b, 784);
            double[][] t = new double[nets.length][7];
            for (int round = -1; round < 7; round++) {
                for (int i = 0; i < nets.length; i++) {
                    long n = 0, t0 = System.nanoTime();
                    do { nets[i].output(x, false); n++; } while (System.nanoTime() - t0 < 300_000_000L);
                    if (round >= 0) t[i][round] = (System.nanoTime() - t0) / 1e3 / n;
                }
            }
            for (int i = 0; i < nets.length; i++) {
                Arrays.sort(t[i]);
                System.out.printf("batch %d %-16s median %.1f us (min %.1f) speedup vs base %.2f%n", b, names[i], t[i][3], t[i][0], 0.0 + 0);
            }
            Arrays.stream(new int[]{1, 2, 3}).forEach(i -> System.out.printf("   %s speedup %.2fx%n", names[i], t[0][3] / t[i][3]));
        }
    }
}
