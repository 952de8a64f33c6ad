package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import io.github.dl4jcompress.terngrad.TernaryMessageDecoder;
import io.github.dl4jcompress.terngrad.Ternarizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Side-by-side codec throughput on one Gaussian vector {@code g ~ N(0, 1)} of {@code N} floats:
 * <ul>
 *   <li>{@code terngrad}: {@link Ternarizer#encode(INDArray, SegmentLayout)} (one segment) + {@code toBytes()};
 *       decode = {@link TernaryMessageDecoder#decodeAndAdd} (full validation, then {@code target += t});</li>
 *   <li>{@code dl4j-threshold}: {@code thresholdEncode(g, τ)} with {@code τ = 2.576} (≈ 1% of elements, DL4J's sparse
 *       regime) / {@code thresholdDecode};</li>
 *   <li>{@code dl4j-bitmap}: {@code bitmapEncode(g, τ)} with {@code τ = 1} / {@code bitmapDecode}: elements with
 *       {@code |g| ≥ τ} (≈ 32%, like TernGrad's density) are sent as {@code ±τ}, and DL4J's bitmap also sends negative
 *       elements with {@code τ/2 ≤ |g| < τ} (≈ 15%) as {@code −τ/2}, so ≈ 47% of the elements are changed.</li>
 * </ul>
 * {@link CodecResult#density()} is the fraction of elements the message changes on decoding: non-zero ternary codes,
 * encoded threshold entries, or bitmap entries (including the {@code −τ/2} ones).
 * DL4J's encoders subtract what they encode from their input, so the input is restored before every call, outside
 * the timed region. Each operation runs 2 warm-up calls, then until {@code minSeconds} have passed (at least 5
 * calls); the rate is {@code 4N / median call time}, from wall-clock and from thread CPU time. Single-threaded as
 * configured by {@code OMP_NUM_THREADS} (with one OpenMP thread DL4J's native codecs run on the calling thread, so its CPU
 * time covers them).
 */
public final class CodecThroughput {

    private static final Logger log = LoggerFactory.getLogger(CodecThroughput.class);
    static final double THRESHOLD_TAU = 2.576;
    static final double BITMAP_TAU = 1.0;

    private final double minSeconds;
    private final long seed;

    /**
     * @param minSeconds measuring time per operation (encode or decode of one codec)
     * @param seed       seed of the test vector and of TernGrad's sampling
     */
    public CodecThroughput(double minSeconds, long seed) {
        this.minSeconds = minSeconds;
        this.seed = seed;
    }

    /** All three codecs on an {@code elements}-long vector. */
    public List<CodecResult> measureAll(int elements) {
        List<CodecResult> out = new ArrayList<>();
        out.add(ternGrad(elements));
        out.add(dl4jThreshold(elements));
        out.add(dl4jBitmap(elements));
        return out;
    }

    /** TernGrad only. */
    public CodecResult ternGrad(int elements) {
        INDArray g = gaussian(elements);
        SegmentLayout layout = SegmentLayout.single(elements);
        Ternarizer ternarizer = new Ternarizer(seed);
        byte[][] last = new byte[1][];
        double[] encode = time(() -> {
            last[0] = ternarizer.encode(g, layout).toBytes();
            return last[0].length;
        }, null);
        float[] target = new float[elements];
        ByteBuffer wire = ByteBuffer.wrap(last[0]);
        double[] decode = time(() -> TernaryMessageDecoder.decodeAndAdd(wire, target).totalLength(), null);
        TernaryMessage message = TernaryMessageDecoder.decode(last[0]);
        return result("terngrad", elements, encode, decode, last[0].length, message.nonZeroCount() / (double) elements,
                "one segment, c = " + Ternarizer.DEFAULT_CLIP_FACTOR + ", kernel " + Ternarizer.kernelName());
    }

    /** DL4J's sparse threshold codec at τ = 2.576σ. */
    public CodecResult dl4jThreshold(int elements) {
        INDArray pristine = gaussian(elements);
        INDArray g = pristine.dup();
        INDArray[] last = new INDArray[1];
        double[] encode = time(() -> {
            last[0] = Nd4j.getExecutioner().thresholdEncode(g, THRESHOLD_TAU);
            return last[0].length();
        }, () -> g.assign(pristine));
        INDArray target = Nd4j.create(DataType.FLOAT, elements);
        double[] decode = time(() -> Nd4j.getExecutioner().thresholdDecode(last[0], target).length(), null);
        long bytes = last[0].length() * last[0].dataType().width();
        double density = last[0].getInt(0) / (double) elements; // first header int: number of encoded elements
        return result("dl4j-threshold", elements, encode, decode, bytes, density, "tau = " + THRESHOLD_TAU + " sigma");
    }

    /** DL4J's dense bitmap codec at τ = σ. */
    public CodecResult dl4jBitmap(int elements) {
        INDArray pristine = gaussian(elements);
        INDArray g = pristine.dup();
        INDArray[] last = new INDArray[1];
        double[] encode = time(() -> {
            last[0] = Nd4j.getExecutioner().bitmapEncode(g, BITMAP_TAU);
            return last[0].length();
        }, () -> g.assign(pristine));
        INDArray target = Nd4j.create(DataType.FLOAT, elements);
        double[] decode = time(() -> Nd4j.getExecutioner().bitmapDecode(last[0], target).length(), null);
        long bytes = last[0].length() * last[0].dataType().width();
        double density = pristine.dup().subi(g).neq(0.0).castTo(DataType.INT).sumNumber().doubleValue() / elements;
        return result("dl4j-bitmap", elements, encode, decode, bytes, density, "tau = " + BITMAP_TAU + " sigma");
    }

    private INDArray gaussian(int elements) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, elements);
    }

    private CodecResult result(String impl, int elements, double[] encodeSeconds, double[] decodeSeconds, long bytes,
                               double density, String settings) {
        double mb = 4.0 * elements / 1e6;
        CodecResult r = new CodecResult(impl, elements, mb / encodeSeconds[0], mb / decodeSeconds[0], mb / encodeSeconds[1],
                mb / decodeSeconds[1], bytes, density, settings);
        log.info("{} on {} elements: encode {} MB/s ({} by CPU time), decode {} MB/s ({}), message {} bytes, density {}", impl,
                elements, String.format("%.0f", r.encodeMBps()), String.format("%.0f", r.encodeCpuMBps()),
                String.format("%.0f", r.decodeMBps()), String.format("%.0f", r.decodeCpuMBps()), bytes, String.format("%.4f", density));
        return r;
    }

    /**
     * Median wall-clock and median thread-CPU seconds of one call of {@code op}; {@code reset} (untimed) runs before
     * every call.
     */
    private double[] time(LongSupplier op, Runnable reset) {
        long sink = 0;
        for (int i = 0; i < 2; i++) {
            if (reset != null) {
                reset.run();
            }
            sink += op.getAsLong();
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Long> times = new ArrayList<>();
        List<Long> cpuTimes = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < 5 || System.nanoTime() - start < minSeconds * 1e9) {
            if (reset != null) {
                reset.run();
            }
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sink += op.getAsLong();
            times.add(System.nanoTime() - t0);
            cpuTimes.add(threads.getCurrentThreadCpuTime() - c0);
        }
        if (sink == Long.MIN_VALUE) {
            log.trace("unreachable {}", sink);
        }
        return new double[] {Median.of(times.stream().mapToLong(Long::longValue).toArray()) / 1e9,
                Median.of(cpuTimes.stream().mapToLong(Long::longValue).toArray()) / 1e9};
    }


    static String describe(List<CodecResult> results) {
        StringBuilder b = new StringBuilder(String.format("%-16s %10s %12s %12s %12s %12s %12s %8s%n", "codec", "elements",
                "encode MB/s", "(CPU time)", "decode MB/s", "(CPU time)", "msg bytes", "density"));
        for (CodecResult r : results) {
            b.append(String.format("%-16s %10d %12.0f %12.0f %12.0f %12.0f %12d %8.4f%n", r.impl(), r.elements(), r.encodeMBps(),
                    r.encodeCpuMBps(), r.decodeMBps(), r.decodeCpuMBps(), r.messageBytes(), r.density()));
        }
        return b.toString();
    }

    static int[] sizes(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
