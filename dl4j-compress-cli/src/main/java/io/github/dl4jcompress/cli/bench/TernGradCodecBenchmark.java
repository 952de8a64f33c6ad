package io.github.dl4jcompress.cli.bench;

import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessageDecoder;
import io.github.dl4jcompress.terngrad.Ternarizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of gradient codecs on {@code N} = 1M and 10M Gaussian floats, milliseconds per call:
 * TernGrad ({@link Ternarizer#encode} of the INDArray + serialization; the same from a {@code float[]}; the same with
 * the plain-Java kernel; validated {@link TernaryMessageDecoder#decodeAndAdd}) vs DL4J's
 * {@code thresholdEncode/Decode} (τ = 2.576, ≈ 1% of elements) and {@code bitmapEncode/Decode} (τ = 1: ≈ 32% sent as ±τ, plus negative values in [τ/2, τ) as −τ/2).
 * MB/s of fp32 gradient = {@code 4N / 10⁶ / (ms / 1000)}. DL4J's encoders subtract what they encode from their input,
 * which is therefore restored before every invocation ({@code Level.Invocation}, acceptable at millisecond calls).
 * Three forks per benchmark (started with {@code --add-modules jdk.incubator.vector}, so TernGrad uses its SIMD kernel).
 * Run (after {@code mvn -B -DskipTests -pl examples -am package}):
 * <pre>OMP_NUM_THREADS=1 java -cp "dl4j-compress-cli/target/dl4j-compress-cli-0.1.0-SNAPSHOT.jar:dl4j-compress-cli/target/lib/*" org.openjdk.jmh.Main TernGrad -rf json -rff results/terngrad-jmh.json</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector"})
public class TernGradCodecBenchmark {

    /** Gradient, TernGrad message and DL4J messages, built once per trial. */
    @State(Scope.Thread)
    public static class Vectors {
        @Param({"1000000", "10000000"})
        public int elements;

        INDArray gradient;
        float[] gradientArray;
        SegmentLayout layout;
        Ternarizer ternarizer;
        ByteBuffer ternaryMessage;
        float[] ternaryTarget;
        INDArray thresholdMessage;
        INDArray bitmapMessage;
        INDArray dl4jTarget;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(42);
            gradient = Nd4j.randn(DataType.FLOAT, elements);
            gradientArray = gradient.toFloatVector();
            layout = SegmentLayout.single(elements);
            ternarizer = new Ternarizer(42);
            ternaryMessage = ByteBuffer.wrap(ternarizer.encode(gradient, layout).toBytes());
            ternaryTarget = new float[elements];
            thresholdMessage = Nd4j.getExecutioner().thresholdEncode(gradient.dup(), 2.576);
            bitmapMessage = Nd4j.getExecutioner().bitmapEncode(gradient.dup(), 1.0);
            dl4jTarget = Nd4j.create(DataType.FLOAT, elements);
        }
    }

    /** A fresh copy of the gradient before every DL4J encode. */
    @State(Scope.Thread)
    public static class Dl4jInput {
        INDArray input;

        @Setup(Level.Invocation)
        public void restore(Vectors v) {
            if (input == null) {
                input = v.gradient.dup();
            } else {
                input.assign(v.gradient);
            }
        }
    }

    @Benchmark
    public byte[] ternGradEncode(Vectors v) {
        return v.ternarizer.encode(v.gradient, v.layout).toBytes();
    }

    /** The same encode from a {@code float[]} (no INDArray-to-array copy). */
    @Benchmark
    public byte[] ternGradEncodeFloatArray(Vectors v) {
        return v.ternarizer.encode(v.gradientArray, v.layout).toBytes();
    }

    /** {@link #ternGradEncode} with the plain-Java kernel (what runs without {@code --add-modules jdk.incubator.vector}). */
    @Benchmark
    @Fork(value = 3, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector",
            "-Ddl4jcompress.terngrad.kernel=scalar"})
    public byte[] ternGradEncodeScalarKernel(Vectors v) {
        return v.ternarizer.encode(v.gradient, v.layout).toBytes();
    }

    @Benchmark
    public Object ternGradDecode(Vectors v) {
        return TernaryMessageDecoder.decodeAndAdd(v.ternaryMessage, v.ternaryTarget);
    }

    @Benchmark
    public INDArray dl4jThresholdEncode(Dl4jInput in) {
        return Nd4j.getExecutioner().thresholdEncode(in.input, 2.576);
    }

    @Benchmark
    public INDArray dl4jThresholdDecode(Vectors v) {
        return Nd4j.getExecutioner().thresholdDecode(v.thresholdMessage, v.dl4jTarget);
    }

    @Benchmark
    public INDArray dl4jBitmapEncode(Dl4jInput in) {
        return Nd4j.getExecutioner().bitmapEncode(in.input, 1.0);
    }

    @Benchmark
    public INDArray dl4jBitmapDecode(Vectors v) {
        return Nd4j.getExecutioner().bitmapDecode(v.bitmapMessage, v.dl4jTarget);
    }
}
