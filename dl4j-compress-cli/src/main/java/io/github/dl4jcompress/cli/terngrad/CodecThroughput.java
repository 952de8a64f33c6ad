package io.github.dl4jcompress.cli.terngrad;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.terngrad.SegmentLayout;
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

/**
 * Side-by-side codec throughput on one Gaussian vector {@code g ~ N(0, 1)} of {@code N} floats:
 * <ul>
 *   <li>{@code terngrad}: {@link Ternarizer#encodeToBytes(INDArray, SegmentLayout)} (one segment, the serialized
 *       message); decode = {@link TernaryMessageDecoder#decodeAndAdd} (full validation, then {@code target += t});</li>
 *   <li>{@code dl4j-threshold}: {@code thresholdEncode(g, τ)} with {@code τ = 2.576} (≈ 1% of elements, DL4J's sparse
 *       regime) / {@code thresholdDecode};</li>
 *   <li>{@code dl4j-bitmap}: {@code bitmapEncode(g, τ)} with {@code τ = 1} / {@code bitmapDecode}: elements with
 *       {@code |g| ≥ τ} (≈ 32%, like TernGrad's density) are sent as {@code ±τ}, and DL4J's bitmap also sends negative
 *       elements with {@code τ/2 ≤ |g| < τ} (≈ 15%) as {@code −τ/2}, so ≈ 47% of the elements are changed.</li>
 * </ul>
 * {@link CodecResult#density()} is the fraction of elements the message changes on decoding: non-zero ternary codes,
 * encoded threshold entries, or bitmap entries (including the {@code −τ/2} ones).
 * DL4J's encoders subtract what they encode from their input, so the input is restored before every call, outside
 * the timed region. The codecs are measured <em>interleaved</em>: every round calls each codec's encode and then its
 * decode once, so that load from other processes hits all codecs alike; 3 warm-up rounds, then rounds until
 * {@code minSeconds} per operation have passed (at least 9 rounds). Rates are {@code 4N / median call time}, from
 * wall-clock and from thread CPU time; {@link CodecResult#encodeSpeedupVsThreshold()} is the median over rounds of
 * {@code threshold encode time / this codec's encode time} in the same round. Single-threaded as configured by
 * {@code OMP_NUM_THREADS} (with one OpenMP thread DL4J's native codecs run on the calling thread, so its CPU time
 * covers them).
 */
public final class CodecThroughput {

    private static final Logger log = LoggerFactory.getLogger(CodecThroughput.class);
    static final double THRESHOLD_TAU = 2.576;
    static final double BITMAP_TAU = 1.0;
    private static final int WARM_UP_ROUNDS = 3;
    private static final int MIN_ROUNDS = 9;

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

    /** All three codecs on an {@code elements}-long vector, interleaved. */
    public List<CodecResult> measureAll(int elements) {
        return measure(elements, List.of(ternGradCodec(elements), thresholdCodec(elements), bitmapCodec(elements)));
    }

    /** TernGrad only (no threshold reference: its speed-up fields are null). */
    public CodecResult ternGrad(int elements) {
        return measure(elements, List.of(ternGradCodec(elements))).get(0);
    }

    /** One codec under test: encode and decode calls and what a result reports about its message. */
    private abstract static class Codec {
        final String impl;
        final String settings;
        final List<long[]> encodeTimes = new ArrayList<>();
        final List<long[]> decodeTimes = new ArrayList<>();

        Codec(String impl, String settings) {
            this.impl = impl;
            this.settings = settings;
        }

        /** Untimed preparation of the next encode call (DL4J's encoders modify their input). */
        void reset() {
        }

        abstract long encode();

        abstract long decode();

        abstract long messageBytes();

        abstract double density();
    }

    private Codec ternGradCodec(int elements) {
        INDArray g = gaussian(elements);
        SegmentLayout layout = SegmentLayout.single(elements);
        Ternarizer ternarizer = new Ternarizer(seed);
        float[] target = new float[elements];
        return new Codec("terngrad", "one segment, c = " + Ternarizer.DEFAULT_CLIP_FACTOR + ", kernel "
                + Ternarizer.kernelName()) {
            byte[] last;

            @Override
            long encode() {
                last = ternarizer.encodeToBytes(g, layout);
                return last.length;
            }

            @Override
            long decode() {
                return TernaryMessageDecoder.decodeAndAdd(ByteBuffer.wrap(last), target).totalLength();
            }

            @Override
            long messageBytes() {
                return last.length;
            }

            @Override
            double density() {
                return TernaryMessageDecoder.decode(last).nonZeroCount() / (double) elements;
            }
        };
    }

    /** DL4J's sparse threshold codec at τ = 2.576σ; density = the first header int (elements encoded) / N. */
    private Codec thresholdCodec(int elements) {
        return dl4jCodec("dl4j-threshold", THRESHOLD_TAU, elements, Nd4j.getExecutioner()::thresholdEncode,
                Nd4j.getExecutioner()::thresholdDecode, (message, pristine, g) -> message.getInt(0) / (double) elements);
    }

    /** DL4J's dense bitmap codec at τ = σ; density = the share of elements the encoder changed. */
    private Codec bitmapCodec(int elements) {
        return dl4jCodec("dl4j-bitmap", BITMAP_TAU, elements, Nd4j.getExecutioner()::bitmapEncode,
                Nd4j.getExecutioner()::bitmapDecode, (message, pristine, g) -> {
                    g.assign(pristine);
                    Nd4j.getExecutioner().bitmapEncode(g, BITMAP_TAU);
                    return pristine.dup().subi(g).neq(0.0).castTo(DataType.INT).sumNumber().doubleValue() / elements;
                });
    }

    /** One of DL4J's native encodings: {@code encode(g, τ)} changes g in place, so g is restored before each call. */
    interface NativeEncoder {
        INDArray encode(INDArray gradient, double tau);
    }

    /** {@code decode(message, target)} adds the decoded update into target. */
    interface NativeDecoder {
        INDArray decode(INDArray message, INDArray target);
    }

    /** The share of elements a message carries, from the message, the untouched gradient and a scratch copy. */
    interface Density {
        double of(INDArray message, INDArray pristine, INDArray scratch);
    }

    private Codec dl4jCodec(String name, double tau, int elements, NativeEncoder encoder, NativeDecoder decoder, Density density) {
        INDArray pristine = gaussian(elements);
        INDArray g = pristine.dup();
        INDArray target = Nd4j.create(DataType.FLOAT, elements);
        return new Codec(name, "tau = " + tau + " sigma") {
            INDArray last;

            @Override
            void reset() {
                g.assign(pristine);
            }

            @Override
            long encode() {
                last = encoder.encode(g, tau);
                return last.length();
            }

            @Override
            long decode() {
                return decoder.decode(last, target).length();
            }

            @Override
            long messageBytes() {
                return last.length() * last.dataType().width();
            }

            @Override
            double density() {
                return density.of(last, pristine, g);
            }
        };
    }

    /** Interleaved rounds over {@code codecs}; results in the same order. */
    private List<CodecResult> measure(int elements, List<Codec> codecs) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sink = 0;
        long start = System.nanoTime();
        long budget = (long) (minSeconds * 1e9 * 2 * codecs.size());
        int rounds = 0;
        for (int round = 0; round < WARM_UP_ROUNDS + MIN_ROUNDS || System.nanoTime() - start < budget; round++) {
            if (round == WARM_UP_ROUNDS) {
                start = System.nanoTime();
            }
            for (Codec codec : codecs) {
                codec.reset();
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                sink += codec.encode();
                long t1 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                sink += codec.decode();
                long t2 = System.nanoTime();
                long c2 = threads.getCurrentThreadCpuTime();
                if (round >= WARM_UP_ROUNDS) {
                    codec.encodeTimes.add(new long[] {t1 - t0, c1 - c0});
                    codec.decodeTimes.add(new long[] {t2 - t1, c2 - c1});
                }
            }
            rounds = round + 1 - WARM_UP_ROUNDS;
        }
        if (sink == Long.MIN_VALUE) {
            log.trace("unreachable {}", sink);
        }
        Codec threshold = codecs.stream().filter(c -> c.impl.equals("dl4j-threshold")).findFirst().orElse(null);
        List<CodecResult> out = new ArrayList<>();
        for (Codec codec : codecs) {
            Double[] speedup = threshold == null ? new Double[] {null, null}
                    : new Double[] {medianRatio(threshold.encodeTimes, codec.encodeTimes, 0),
                            medianRatio(threshold.encodeTimes, codec.encodeTimes, 1)};
            out.add(result(codec, elements, rounds, speedup));
        }
        return out;
    }

    private CodecResult result(Codec codec, int elements, int rounds, Double[] speedup) {
        double mb = 4.0 * elements / 1e6;
        CodecResult r = new CodecResult(codec.impl, elements, mb / median(codec.encodeTimes, 0),
                mb / median(codec.decodeTimes, 0), mb / median(codec.encodeTimes, 1), mb / median(codec.decodeTimes, 1),
                codec.messageBytes(), codec.density(), codec.settings, rounds, speedup[0], speedup[1]);
        log.info("{} on {} elements ({} rounds): encode {} MB/s ({} by CPU time, {}x threshold's), decode {} MB/s ({}),"
                        + " message {} bytes, density {}", r.impl(), elements, rounds,
                String.format("%.0f", r.encodeMBps()), String.format("%.0f", r.encodeCpuMBps()),
                r.encodeSpeedupVsThreshold() == null ? "-" : String.format("%.2f", r.encodeSpeedupVsThreshold()), String.format("%.0f", r.decodeMBps()),
                String.format("%.0f", r.decodeCpuMBps()), r.messageBytes(), String.format("%.4f", r.density()));
        return r;
    }

    /** Median seconds of one call; {@code which} 0 = wall clock, 1 = thread CPU time. */
    private static double median(List<long[]> times, int which) {
        return Median.of(times.stream().mapToDouble(t -> t[which] / 1e9).toArray());
    }

    /** Median over rounds of {@code reference time / time}. */
    private static double medianRatio(List<long[]> reference, List<long[]> times, int which) {
        double[] ratios = new double[times.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = reference.get(i)[which] / (double) Math.max(1, times.get(i)[which]);
        }
        return Median.of(ratios);
    }

    private INDArray gaussian(int elements) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, elements);
    }

    static String describe(List<CodecResult> results) {
        StringBuilder b = new StringBuilder(String.format("%-16s %10s %12s %12s %9s %12s %12s %12s %8s%n", "codec",
                "elements", "encode MB/s", "(CPU time)", "vs thr.", "decode MB/s", "(CPU time)", "msg bytes", "density"));
        for (CodecResult r : results) {
            b.append(String.format("%-16s %10d %12.0f %12.0f %8.2fx %12.0f %12.0f %12d %8.4f%n", r.impl(), r.elements(),
                    r.encodeMBps(), r.encodeCpuMBps(),
                    r.encodeSpeedupVsThreshold() == null ? Double.NaN : r.encodeSpeedupVsThreshold(), r.decodeMBps(), r.decodeCpuMBps(),
                    r.messageBytes(), r.density()));
        }
        return b.toString();
    }

    static int[] sizes(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
