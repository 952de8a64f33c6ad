package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * TernGrad stochastic ternarization (Wen et al., NIPS 2017), segment by segment.
 *
 * <p>For each segment {@code g} of a {@link SegmentLayout}:
 * <ol>
 *   <li>σ = population standard deviation of {@code g}; clip: {@code f(g_i) = sign(g_i)·min(|g_i|, c·σ)}
 *       (no clipping when σ = 0, e.g. a segment of one element);</li>
 *   <li>scaler {@code s = max_i |f(g_i)|};</li>
 *   <li>{@code t_i = s·sign(g_i)} with probability {@code |f(g_i)|/s}, else 0.</li>
 * </ol>
 * Hence {@code E[t_i] = f(g_i)} (unbiased w.r.t. the clipped gradient) and
 * {@code E[(t_i − f(g_i))²] = |f(g_i)|·(s − |f(g_i)|)}.
 *
 * <p>Precision: each element gets 32 random bits and is kept with probability {@code ⌈2³²·x/2²⁴⌉/2³²},
 * {@code x/2²⁴ = (|f(g_i)|/s)(1 + δ)}, {@code −2⁻²⁴ ≤ δ ≤ 2⁻²²} (see {@link TernaryKernel}): unbiased to float
 * precision; elements at the scaler are kept with probability exactly 1.
 *
 * <p>Random bits: every call draws one 64-bit key {@code (k₁, k₂)} from a {@link SplittableRandom} seeded with the
 * constructor's seed; element {@code i} (index in the whole vector) uses {@code mix(i·(k₂|1) + k₁)} with a bijective
 * 32-bit mixer ({@link TernaryKernel#bits}). For a uniformly random key each element's bits are exactly uniform, so
 * unbiasedness does not rest on the mixer; the mixer decorrelates neighbouring elements. Counter-based bits make the
 * sampling loop branch-free, SIMD-friendly and order-free, and the output depends only on the seed, the call number
 * and the input — not on the kernel, the vector width or the order in which chunks are sampled.
 *
 * <p>Two passes over each segment: (1) shifted sums of {@code d} and {@code d²} in 64 float lanes flushed to double
 * every 2048 elements, and {@code max|g|} (a non-finite sum means a non-finite or huge input: then the segment is
 * checked element by element and, if finite, its moments are recomputed in double precision); (2) sampling, which
 * writes 2-bit codes straight into the packed message (or the ternary values in place). A dense ND4J FLOAT vector is
 * read from its buffer {@value #CHUNK} elements at a time, the sampling pass from the last chunk to the first (the
 * most recently read data is still in cache). Both passes run in a
 * {@link TernaryKernel}: the Vector API kernel when the JVM has {@code --add-modules jdk.incubator.vector}, else the
 * bit-identical scalar kernel (system property {@code dl4jcompress.terngrad.kernel=auto|scalar|vector}). NaN/±Infinity
 * values are refused with a {@link NonFiniteGradientException} naming the segment and index, before anything is
 * written.
 *
 * <p>Not thread-safe: give each worker its own instance with its own seed.
 */
public final class Ternarizer {

    /** Clip factor {@code c} recommended by the paper. */
    public static final double DEFAULT_CLIP_FACTOR = 2.5;

    private final double clipFactor;
    private final SplittableRandom random;
    /** Elements read from an ND4J buffer at a time (64 KB, a multiple of {@link TernaryKernel#BLOCK}). */
    static final int CHUNK = 8 * TernaryKernel.BLOCK;

    private final TernaryKernel kernel;
    private List<SegmentStatistics> lastStatistics = Collections.emptyList();
    private float[] chunk;

    /** Ternarizer with clip factor 2.5. */
    public Ternarizer(long seed) {
        this(DEFAULT_CLIP_FACTOR, seed);
    }

    /**
     * @param clipFactor {@code c} in the clip bound {@code c·σ}; {@link Double#POSITIVE_INFINITY} disables clipping
     * @param seed       seed of this worker's random stream
     */
    public Ternarizer(double clipFactor, long seed) {
        this(clipFactor, seed, TernaryKernel.selected());
    }

    /** With an explicit kernel (tests compare the kernels). */
    Ternarizer(double clipFactor, long seed, TernaryKernel kernel) {
        if (!(clipFactor > 0)) {
            throw new IllegalArgumentException("Clip factor must be > 0 (or +Infinity to disable clipping), got "
                    + clipFactor);
        }
        this.clipFactor = clipFactor;
        this.random = new SplittableRandom(seed);
        this.kernel = kernel;
    }

    /**
     * Name of the kernel new instances use: {@code "vector-512"} or {@code "vector-256"} (Vector API, needs the JVM option
     * {@code --add-modules jdk.incubator.vector}) or {@code "scalar"}.
     */
    public static String kernelName() {
        return TernaryKernel.selected().name();
    }

    /** The clip factor {@code c}. */
    public double clipFactor() {
        return clipFactor;
    }

    /** Per-segment statistics of the most recent call. */
    public List<SegmentStatistics> lastStatistics() {
        return lastStatistics;
    }

    /** Ternarizes {@code gradient} (left unchanged) into a message. */
    public TernaryMessage encode(float[] gradient, SegmentLayout layout) {
        checkLength(gradient == null ? -1 : gradient.length, layout);
        float[] scalers = new float[layout.count()];
        byte[] codes = new byte[TwoBitCodes.packedBytes(layout.totalLength())];
        run(gradient, null, layout, scalers, codes, 0, null);
        return new TernaryMessage(layout.lengths(), scalers, codes);
    }

    /**
     * Ternarizes a vector-shaped ND4J array (left unchanged) into a message. A dense FLOAT vector is read straight
     * from its buffer, {@value #CHUNK} elements at a time (no copy of the whole vector: a fresh 40 MB array per
     * call cost ~1/3 of the encode time at 10M elements, a reused one still a full extra pass over memory).
     */
    public TernaryMessage encode(INDArray gradient, SegmentLayout layout) {
        checkLength(gradient == null ? -1 : lengthOf(gradient), layout);
        float[] scalers = new float[layout.count()];
        byte[] codes = new byte[TwoBitCodes.packedBytes(layout.totalLength())];
        runOn(gradient, layout, scalers, codes, 0);
        return new TernaryMessage(layout.lengths(), scalers, codes);
    }

    /**
     * {@code encode(gradient, layout).toBytes()} without the intermediate message: the codes are written straight
     * into the serialized message, the only array allocated.
     */
    public byte[] encodeToBytes(float[] gradient, SegmentLayout layout) {
        checkLength(gradient == null ? -1 : gradient.length, layout);
        float[] scalers = new float[layout.count()];
        byte[] wire = new byte[(int) TernaryMessage.sizeInBytes(layout.count(), layout.totalLength())];
        run(gradient, null, layout, scalers, wire, TernaryMessage.headerBytes(layout.count()), null);
        return withHeader(wire, layout, scalers);
    }

    /** {@code encode(gradient, layout).toBytes()} without the intermediate message or a copy of the gradient. */
    public byte[] encodeToBytes(INDArray gradient, SegmentLayout layout) {
        checkLength(gradient == null ? -1 : lengthOf(gradient), layout);
        float[] scalers = new float[layout.count()];
        byte[] wire = new byte[(int) TernaryMessage.sizeInBytes(layout.count(), layout.totalLength())];
        runOn(gradient, layout, scalers, wire, TernaryMessage.headerBytes(layout.count()));
        return withHeader(wire, layout, scalers);
    }

    private static byte[] withHeader(byte[] wire, SegmentLayout layout, float[] scalers) {
        ByteBuffer header = ByteBuffer.wrap(wire).order(TernaryMessage.BYTE_ORDER);
        TernaryMessage.writeHeader(header, layout.lengths(), scalers, layout.totalLength());
        return wire;
    }

    private static int lengthOf(INDArray gradient) {
        return gradient.length() > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) gradient.length();
    }

    /** A dense FLOAT vector is read from its buffer in chunks; anything else is converted to a float[] first. */
    private void runOn(INDArray gradient, SegmentLayout layout, float[] scalers, byte[] codes, int codesOffset) {
        if (isDenseFloatVector(gradient)) {
            FloatBuffer buffer = gradient.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            run(null, buffer, layout, scalers, codes, codesOffset, null);
        } else {
            run(toFloatArray(gradient), null, layout, scalers, codes, codesOffset, null);
        }
    }

    /**
     * Replaces every value by its ternarized value {@code t_i ∈ {−s, 0, +s}} and returns the per-segment scalers.
     * On a {@link NonFiniteGradientException} the array is left untouched.
     */
    public float[] ternarizeInPlace(float[] values, SegmentLayout layout) {
        checkLength(values == null ? -1 : values.length, layout);
        float[] scalers = new float[layout.count()];
        run(values, null, layout, scalers, null, 0, values);
        return scalers;
    }

    /**
     * The values of a vector-shaped array as a new {@code float[]}. A dense, unshared FLOAT vector is copied straight
     * out of its buffer (one bulk copy; {@code INDArray.toFloatVector()} was measured 10-40x slower on 1M elements);
     * anything else goes through a cast and {@code toFloatVector()}.
     */
    static float[] toFloatArray(INDArray array) {
        if (isDenseFloatVector(array)) {
            float[] out = new float[Math.toIntExact(array.length())];
            array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
            return out;
        }
        if (array.dataType() == DataType.FLOAT) {
            return array.reshape(array.length()).toFloatVector();
        }
        return array.castTo(DataType.FLOAT).reshape(array.length()).toFloatVector();
    }

    /**
     * Writes {@code values} into {@code array} (same length, any shape; C order), straight into its buffer when it is
     * a dense FLOAT vector, converting otherwise. Decoders use it to hand a decoded sum to DL4J's step function.
     */
    public static void copyInto(float[] values, INDArray array) {
        if (isDenseFloatVector(array)) {
            array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
        } else {
            array.assign(Nd4j.createFromArray(values).reshape(array.shape()).castTo(array.dataType()));
        }
    }

    private static boolean isDenseFloatVector(INDArray array) {
        return array.dataType() == DataType.FLOAT && array.isVectorOrScalar() && !array.isView()
                && array.offset() == 0 && array.data().length() == array.length()
                && array.elementWiseStride() == 1 && array.data().asNio() != null;
    }

    /** {@code length} −1 stands for a null vector. */
    private static void checkLength(int length, SegmentLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("Segment layout is null; build one with SegmentLayout.perParameter(model)");
        }
        if (length < 0) {
            throw new IllegalArgumentException("Gradient is null; expected a vector of " + layout.totalLength()
                    + " values for " + layout);
        }
        if (length != layout.totalLength()) {
            throw new IllegalArgumentException("Vector has " + length + " elements but the layout covers "
                    + layout.totalLength());
        }
    }

    /**
     * Reads the gradient from {@code g} or, chunk by chunk, from {@code buffer} (exactly one is non-null) and writes
     * codes into {@code codes} from {@code codesOffset} or ternary values into {@code out} (exactly one is
     * non-null; {@code out} only with {@code g}). Nothing is written before every segment's statistics are known
     * to be finite.
     */
    private void run(float[] g, FloatBuffer buffer, SegmentLayout layout, float[] scalers, byte[] codes,
                     int codesOffset, float[] out) {
        int count = layout.count();
        double[] moments = new double[3 * count];
        for (int segment = 0; segment < count; segment++) {
            int from = layout.offset(segment);
            int to = from + layout.length(segment);
            if (buffer != null) {
                if (!chunkedStatistics(buffer, from, to, moments, 3 * segment)) {
                    float[] copy = new float[layout.totalLength()]; // rare: a non-finite or huge value
                    buffer.get(0, copy);
                    run(copy, null, layout, scalers, codes, codesOffset, null);
                    return;
                }
                continue;
            }
            float shift = shift(g, from, to);
            kernel.statistics(g, from, to, shift, moments, 3 * segment);
            if (!Double.isFinite(moments[3 * segment]) || !Double.isFinite(moments[3 * segment + 1])) {
                requireFinite(g, layout, segment);
                exactMoments(g, from, to, shift, moments, 3 * segment);
            }
        }
        long key = random.nextLong();
        int k1 = (int) key;
        int k2 = (int) (key >>> 32);
        SegmentStatistics[] statistics = new SegmentStatistics[count];
        for (int segment = count - 1; segment >= 0; segment--) { // backwards: see ternarizeSegment
            statistics[segment] = ternarizeSegment(g, buffer, layout, segment, moments, k1, k2, scalers, codes,
                    codesOffset, out);
        }
        lastStatistics = List.of(statistics);
    }

    /** The statistics of {@code [from, to)} read in chunks of {@value #CHUNK}; false if they are not finite. */
    private boolean chunkedStatistics(FloatBuffer buffer, int from, int to, double[] moments, int at) {
        float[] chunk = chunk();
        float shift = 0;
        for (int start = from; start < to; start += CHUNK) {
            int length = Math.min(CHUNK, to - start);
            buffer.get(start, chunk, 0, length);
            if (start == from) {
                shift = shift(chunk, 0, length);
            }
            kernel.statistics(chunk, 0, length, shift, moments, at);
        }
        return Double.isFinite(moments[at]) && Double.isFinite(moments[at + 1]);
    }

    private float[] chunk() {
        if (chunk == null) {
            chunk = new float[CHUNK];
        }
        return chunk;
    }

    private static void requireFinite(float[] g, SegmentLayout layout, int segment) {
        int from = layout.offset(segment);
        int to = from + layout.length(segment);
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(g[i])) {
                throw new NonFiniteGradientException(segment, layout.name(segment), i - from, g[i]);
            }
        }
    }

    /** Mean of the first (at most) 64 elements: centres the moment sums so that the variance does not cancel. */
    private static float shift(float[] g, int from, int to) {
        int end = Math.min(to, from + 64);
        double sum = 0;
        for (int i = from; i < end; i++) {
            sum += g[i];
        }
        return (float) (sum / (end - from));
    }

    /**
     * Moments in double precision for finite segments whose float-lane sums overflowed (|g| beyond ~1e19): the
     * same quantities as {@link TernaryKernel#statistics}, summed element by element in double precision.
     */
    private static void exactMoments(float[] g, int from, int to, float k, double[] out, int at) {
        double sum = 0;
        double squares = 0;
        float max = 0;
        for (int i = from; i < to; i++) {
            double d = g[i] - k;
            sum += d;
            squares += d * d;
            max = Math.max(max, Math.abs(g[i]));
        }
        out[at] = sum;
        out[at + 1] = squares;
        out[at + 2] = max;
    }

    private SegmentStatistics ternarizeSegment(float[] g, FloatBuffer buffer, SegmentLayout layout, int segment,
                                               double[] moments, int k1, int k2, float[] scalers, byte[] codes,
                                               int codesOffset, float[] out) {
        int from = layout.offset(segment);
        int length = layout.length(segment);
        int to = from + length;
        double shiftedMean = moments[3 * segment] / length;
        double variance = Math.max(0, moments[3 * segment + 1] / length - shiftedMean * shiftedMean);
        double sigma = Math.sqrt(variance);
        float maxAbs = (float) moments[3 * segment + 2];
        double clipBound = sigma > 0 ? clipFactor * sigma : Double.POSITIVE_INFINITY;
        float s = (float) Math.min(maxAbs, clipBound);
        scalers[segment] = s;
        if (s == 0) {
            if (out != null) {
                Arrays.fill(out, from, to, 0f);
            }
            return new SegmentStatistics(layout.name(segment), length, sigma, clipBound, s, 0, 0);
        }
        float clipBoundF = (float) Math.min(clipBound, Float.MAX_VALUE);
        long counts = 0;
        if (out != null) {
            counts = kernel.sampleValues(g, from, to, s, clipBoundF, k1, k2, out);
        } else {
            // Chunks from the last to the first: the statistics pass read them first to last, so the most recently
            // read ones (still in cache) come first; the bits depend on the element index only, not on the order.
            for (int start = Math.max(from, (to - 1) / CHUNK * CHUNK), end = to; end > from;
                 end = start, start = Math.max(from, start - CHUNK)) {
                if (g != null) {
                    counts += kernel.sampleCodes(g, 0, start, end, s, clipBoundF, k1, k2, codes, codesOffset);
                } else {
                    float[] chunk = chunk();
                    buffer.get(start, chunk, 0, end - start);
                    counts += kernel.sampleCodes(chunk, start, start, end, s, clipBoundF, k1, k2, codes, codesOffset);
                }
            }
        }
        return new SegmentStatistics(layout.name(segment), length, sigma, clipBound, s, (int) (counts >>> 32),
                (int) counts);
    }
}
