package io.github.dl4jcompress.terngrad;

/**
 * The two element-wise passes of {@link Ternarizer}, specified exactly so that every implementation produces
 * bit-identical results ({@link ScalarTernaryKernel} is the reference, {@link VectorTernaryKernel} the fast path).
 *
 * <p><b>Statistics pass</b> over {@code g[from, to)} with a shift {@code K} (the caller passes the mean of the first
 * ≤ 64 elements, so that {@code d} is centred) and {@code d_i = fl(g_i − K)}:
 * elements are taken in groups of 64 starting at {@code from}; element {@code from + 64m + l} adds {@code d} and
 * {@code fl(d·d)} to float lane {@code l}; after every 32 groups (2048 elements) and after the last full group the
 * 64 lane sums are added, lane 0 first, to double totals {@code S} and {@code Q} and reset; the remaining
 * {@code (to − from) mod 64} elements add {@code d} and {@code fl(d·d)} to {@code S} and {@code Q} directly. Also
 * {@code M = max|g_i|}. Any non-finite {@code g_i} makes {@code S} non-finite. (64 lanes = four independent
 * 16-float accumulators per quantity, so the vector loop is not bound by one addition chain: 2.5x faster than 16.)
 *
 * <p><b>Sampling</b> of element {@code i} (its index in the whole vector) with scaler {@code s > 0}: 32 random bits
 * {@code h = mix(i·(k₂|1) + k₁)} ({@link #bits}); {@code x = min(fl(|g_i|·r), 2²⁴)} with
 * {@code r = nextUp(fl(2²⁴/s))} ({@link #scale}; for {@code s} below ~6·10⁻³² where {@code r} would overflow,
 * {@code x = min(fl(|g_i|/s)·2²⁴, 2²⁴)}), {@code hi = h >>> 8}, {@code lo = h & 255}; keep iff
 * {@code fl(lo − fl(fl(x − hi)·256)) < 0}, i.e. iff {@code hi + lo/256 < x} (the float subtraction {@code x − hi}
 * is exact whenever {@code hi = ⌊x⌋}, and the sign of a rounded difference is always exact). So
 * {@code P(keep) = ⌈2³²·x/2²⁴⌉/2³²}, within {@code [x/2²⁴, x/2²⁴ + 2⁻³²)}, and {@code x/2²⁴} is {@code |g_i|/s}
 * times {@code (1 + δ)}, {@code −2⁻²⁴ ≤ δ ≤ 2⁻²²} (one rounding of {@code r} up, one of the product); as {@code r}
 * is rounded up, {@code |g_i| ≥ s} gives {@code x = 2²⁴}: the elements at the scaler (clipped ones included) are
 * always kept. Code {@code keep·(1 + signbit(g_i))} (01 = +s, 10 = −s), value {@code keep·copysign(s, g_i)}.
 * Clipped count: elements with {@code |g_i| > clipBound}. The multiplication replaces a division (5 cycles per
 * 16 lanes on this CPU) and one mixing round replaces two: 1.5x faster sampling.
 */
abstract class TernaryKernel {

    /** System property choosing the implementation: {@code auto} (default), {@code scalar} or {@code vector}. */
    static final String PROPERTY = "dl4jcompress.terngrad.kernel";
    private static final String VECTOR_CLASS = "io.github.dl4jcompress.terngrad.VectorTernaryKernel";

    static final int LANES = 64;
    static final int BLOCK = 2048;
    static final float TWO_TO_24 = 0x1p24f;

    private static final TernaryKernel SELECTED = select(System.getProperty(PROPERTY, "auto"));

    /** The kernel every {@link Ternarizer} uses. */
    static TernaryKernel selected() {
        return SELECTED;
    }

    static TernaryKernel select(String choice) {
        return KernelChoice.select(PROPERTY, choice, ScalarTernaryKernel.INSTANCE, VECTOR_CLASS, "TernGrad");
    }

    /** The vector kernel if the incubator module is resolved in the boot layer and usable, else null. */
    static TernaryKernel vectorOrNull() {
        return KernelChoice.vectorOrNull(VECTOR_CLASS, "TernGrad");
    }

    /** Short name for logs and benchmarks. */
    abstract String name();

    /**
     * Statistics pass over {@code g[from, to)}, continuing the totals in {@code out[at..at+2]}: {@code S} and
     * {@code Q} start from {@code out[at]}, {@code out[at+1]} and {@code M} from {@code out[at+2]}, so that a segment
     * passed in consecutive pieces whose lengths (except the last) are multiples of {@value #BLOCK} gives exactly
     * the totals of one call over the whole segment (zero {@code out} before the first piece).
     */
    abstract void statistics(float[] g, int from, int to, float k, double[] out, int at);

    /**
     * Writes the 2-bit codes of elements {@code [from, to)} (element {@code i} has the value
     * {@code g[i − offset]}) into {@code codes[codesOffset + i/4]} (ORed into zero slots; whole aligned
     * little-endian words may be stored for the slots of this range only).
     *
     * @return non-zero count in the low 32 bits, clipped count in the high 32 bits
     */
    abstract long sampleCodes(float[] g, int offset, int from, int to, float s, float clipBound, int k1, int k2,
                              byte[] codes, int codesOffset);

    /**
     * Writes the ternary values of {@code g[from, to)} into {@code out[from, to)} ({@code out} may be {@code g}).
     *
     * @return non-zero count in the low 32 bits, clipped count in the high 32 bits
     */
    abstract long sampleValues(float[] g, int from, int to, float s, float clipBound, int k1, int k2, float[] out);

    /**
     * 32 random bits for element {@code index}: a 32-bit avalanche mixer of the keyed Weyl sequence
     * {@code index·(k₂|1) + k₁}. For a fixed key the map from index to bits is a bijection (no two elements of a
     * call share bits); for a uniformly random {@code k₁} each element's bits are exactly uniform; and calls with
     * different odd strides do not replay each other's bits shifted.
     */
    static int bits(int index, int k1, int k2) {
        return mix(index * (k2 | 1) + k1);
    }

    /** {@code r = nextUp(fl(2²⁴/s))}, or +Infinity when it overflows (then kernels divide, see above). */
    static float scale(float s) {
        float q = TWO_TO_24 / s;
        return Float.isFinite(q) ? Math.nextUp(q) : Float.POSITIVE_INFINITY;
    }

    /** {@code x} of the sampling rule for {@code |v|}, scaler {@code s} and {@code r = scale(s)}. */
    static float scaled(float absolute, float s, float r) {
        return r != Float.POSITIVE_INFINITY ? Math.min(absolute * r, TWO_TO_24)
                : Math.min(absolute / s * TWO_TO_24, TWO_TO_24);
    }

    /** Bijective 32-bit mixer (xor-shift-multiply, constants from Wellons' hash-prospector "lowbias32"). */
    static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x21F0AAAD;
        x ^= x >>> 15;
        x *= 0x735A2D97;
        x ^= x >>> 15;
        return x;
    }

    static long counts(long nonZero, long clipped) {
        return nonZero | (clipped << 32);
    }
}
