package io.github.dl4jcompress.cli.speed;

import io.github.dl4jcompress.prune.LoweringMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of whole-network inference ({@code output(x, false)}, ms per batch) of the {@link BenchModels}:
 * {@code dense} (DL4J), {@code pruned} (StructuredPruner, DL4J layers) and {@code prunedLowered} (pruned, convolutions
 * lowered where they measured faster), at batch 1 and 64. Per-layer times and the MAC ratios are in
 * {@code dl4jc prune-bench} (results/prune-bench.json), which interleaves the variants on a shared machine.
 * Run (after {@code mvn -B -DskipTests -pl examples -am package}):
 * <pre>OMP_NUM_THREADS=1 java -cp "dl4j-compress-cli/target/dl4j-compress-cli-0.1.0-SNAPSHOT.jar:dl4j-compress-cli/target/lib/*" org.openjdk.jmh.Main PruneInference -rf json -rff results/prune-bench-jmh.json</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class PruneInferenceBenchmark {

    /** The network variant and its input, built once per trial. */
    @State(Scope.Thread)
    public static class Net {
        @Param({"lenet-ssl", "vgg"})
        public String model;

        @Param({"dense", "pruned", "prunedLowered"})
        public String variant;

        @Param({"1", "64"})
        public int batch;

        MultiLayerNetwork net;
        INDArray x;

        @Setup(Level.Trial)
        public void setUp() {
            long seed = 12345;
            MultiLayerNetwork dense = BenchModels.dense(model, seed);
            INDArray timing = BenchModels.input(model, BenchModels.timingBatch(model), seed + 1);
            switch (variant) {
                case "dense":
                    net = dense;
                    break;
                case "pruned":
                    net = BenchModels.prune(BenchModels.zeroed(model, dense, seed), LoweringMode.NEVER, timing).network();
                    break;
                case "prunedLowered":
                    net = BenchModels.prune(BenchModels.zeroed(model, dense, seed), LoweringMode.IF_FASTER, timing).network();
                    break;
                default:
                    throw new IllegalArgumentException("unknown variant " + variant);
            }
            x = BenchModels.input(model, batch, seed + 2);
        }
    }

    @Benchmark
    public INDArray output(Net s) {
        return s.net.output(s.x, false);
    }
}
