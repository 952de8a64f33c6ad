package io.github.dl4jcompress.terngrad;

/**
 * NH, the first-level universal hash of UMAC (RFC 4418 §5.2.1), over whole 32-byte blocks:
 * {@code NH(K, M) = Σ_{blocks b} Σ_{j=0..3} ((m_{8b+j} + k_{8b+j}) mod 2³²) · ((m_{8b+j+4} + k_{8b+j+4}) mod 2³²)
 * mod 2⁶⁴}, message words {@code m} read little-endian, key words {@code k} given as ints. {@link ScalarNhKernel} is
 * the reference, {@link VectorNhKernel} the fast path (Vector API); both return the same 64 bits.
 */
abstract class NhKernel {

    /** System property choosing the implementation: {@code auto} (default), {@code scalar} or {@code vector}. */
    static final String PROPERTY = "dl4jcompress.umac.kernel";
    private static final String VECTOR_CLASS = "io.github.dl4jcompress.terngrad.VectorNhKernel";

    private static final NhKernel SELECTED = select(System.getProperty(PROPERTY, "auto"));

    /** The kernel every {@link Umac} uses unless given one. */
    static NhKernel selected() {
        return SELECTED;
    }

    static NhKernel select(String choice) {
        return KernelChoice.select(PROPERTY, choice, ScalarNhKernel.INSTANCE, VECTOR_CLASS, "UMAC");
    }

    /** The vector kernel if the incubator module is resolved in the boot layer and usable, else null. */
    static NhKernel vectorOrNull() {
        return KernelChoice.vectorOrNull(VECTOR_CLASS, "UMAC");
    }

    /** Short name for logs and benchmarks. */
    abstract String name();

    /**
     * {@code NH} of {@code message[offset, offset + bytes)} ({@code bytes} a multiple of 32) under key words
     * {@code key[keyOffset, keyOffset + bytes/4)}, once per iteration {@code i < iterations} with the key shifted by
     * {@code 4i} words (UHASH's per-iteration L1 keys are one key stream shifted by 16 bytes); result {@code i} in
     * {@code out[i]}.
     */
    abstract void hash(byte[] message, int offset, int bytes, int[] key, int keyOffset, int iterations, long[] out);
}
