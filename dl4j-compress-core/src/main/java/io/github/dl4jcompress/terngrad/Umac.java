package io.github.dl4jcompress.terngrad;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * UMAC-AES (RFC 4418): a Wegman-Carter MAC, {@code Tag = UHASH(K, M) ⊕ PDF(K, Nonce)}, with 4-, 8-, 12- or 16-byte
 * tags ({@code taglen/4} UHASH iterations, forgery probability about {@code 2^-30·taglen/4} per attempt).
 * <ul>
 *   <li>KDF: {@code KDF(K, i, n)} = the first {@code n} bytes of {@code AES-128_K(i ‖ 1), AES-128_K(i ‖ 2), ...}
 *       (8-byte big-endian index and counter); the L1, L2, L3 keys are KDF indices 1-4, the pad key index 0.</li>
 *   <li>L1 (NH, {@link NhKernel}): each 1024-byte chunk {@code M_c} (the last zero-padded to a positive multiple of
 *       32) gives {@code NH(K1, M_c) + 8·|M_c| mod 2⁶⁴}; iteration {@code i} uses the L1 key shifted by 16i bytes.</li>
 *   <li>L2: one chunk passes through; more are hashed by {@code POLY(64)} over {@code p64 = 2⁶⁴ − 59} with key
 *       {@code k64 ∧ 0x01FFFFFF01FFFFFF} ({@code y ← k·y + m mod p}, starting at 1; words {@code m ≥ 2⁶⁴ − 2³²} are
 *       sent as {@code p − 1, m − 59}), and beyond 2¹⁴ chunks (16 MB) the rest by {@code POLY(128)} over
 *       {@code 2¹²⁸ − 159} after a 0x80 byte and zero padding to 16 bytes.</li>
 *   <li>L3: {@code (Σ_{j<8} m_j·(k_j mod p36)) mod p36 mod 2³² ⊕ K2}, {@code m_j} the 16-bit big-endian words of the
 *       16-byte L2 output, {@code p36 = 2³⁶ − 5}.</li>
 *   <li>PDF: {@code AES-128_{K'}(Nonce ‖ 0…)}, {@code K' = KDF(K, 0, 16)}; for 4- and 8-byte tags the nonce's low 2 or
 *       1 bits choose which part of the block is the pad (and are cleared before encrypting).</li>
 * </ul>
 * The RFC's test vectors hold for every tag length ({@code UmacTest}). A nonce must never repeat under one key (two
 * tags with the same nonce reveal the difference of two hashes); the caller guarantees it. Immutable and thread-safe
 * (one AES cipher per thread for the pads); key setup costs ~70 AES blocks, a tag one AES block plus the hashing.
 */
public final class Umac {

    /** Bytes of a UMAC-AES key (AES-128). */
    public static final int KEY_BYTES = 16;

    private static final int BLOCK_BYTES = 16;
    private static final int CHUNK_BYTES = 1024;
    private static final int NH_BLOCK_BYTES = 32;
    /** L1 outputs hashed by POLY(64) before POLY(128) takes over (2¹⁷ bytes of them). */
    private static final int POLY64_WORDS = 1 << 14;
    private static final long P64 = -59L; // 2⁶⁴ − 59 as an unsigned long
    private static final long POLY64_MAX_WORD = 0xFFFF_FFFF_0000_0000L; // 2⁶⁴ − 2³²
    private static final long POLY64_KEY_MASK = 0x01FF_FFFF_01FF_FFFFL;
    private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);
    private static final BigInteger P128 = TWO_128.subtract(BigInteger.valueOf(159));
    private static final BigInteger POLY128_MAX_WORD = TWO_128.subtract(BigInteger.ONE.shiftLeft(96));
    private static final BigInteger POLY128_KEY_MASK = new BigInteger("01FFFFFF01FFFFFF01FFFFFF01FFFFFF", 16);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final long P36 = (1L << 36) - 5;

    private final int tagBytes;
    private final int iterations;
    private final int[] l1Key;
    private final long[] l2Key64;
    private final BigInteger[] l2Key128;
    private final long[] l3Key1;
    private final int[] l3Key2;
    private final SecretKeySpec pdfKey;
    private final ThreadLocal<Cipher> pdfCiphers;
    private final NhKernel kernel;

    /**
     * @param key      {@value #KEY_BYTES} secret bytes
     * @param tagBytes 4, 8, 12 or 16 (UMAC-32, -64, -96, -128)
     */
    public Umac(byte[] key, int tagBytes) {
        this(key, tagBytes, NhKernel.selected());
    }

    /** The same MAC with the plain-Java NH kernel whatever the JVM offers (benchmarks: what the Vector API buys). */
    public static Umac withScalarKernel(byte[] key, int tagBytes) {
        return new Umac(key, tagBytes, ScalarNhKernel.INSTANCE);
    }

    Umac(byte[] key, int tagBytes, NhKernel kernel) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("A UMAC-AES key has " + KEY_BYTES + " bytes, got "
                    + (key == null ? "none" : key.length));
        }
        if (tagBytes != 4 && tagBytes != 8 && tagBytes != 12 && tagBytes != 16) {
            throw new IllegalArgumentException("UMAC tags have 4, 8, 12 or 16 bytes, got " + tagBytes);
        }
        this.tagBytes = tagBytes;
        this.iterations = tagBytes / 4;
        this.kernel = kernel;
        Cipher kdf = aes(new SecretKeySpec(key, "AES"));
        byte[] l1 = kdf(kdf, 1, CHUNK_BYTES + (iterations - 1) * BLOCK_BYTES);
        l1Key = new int[l1.length / 4];
        for (int i = 0; i < l1Key.length; i++) {
            l1Key[i] = (int) bigEndian(l1, 4 * i, 4);
        }
        byte[] l2 = kdf(kdf, 2, iterations * 24);
        byte[] l3a = kdf(kdf, 3, iterations * 64);
        byte[] l3b = kdf(kdf, 4, iterations * 4);
        l2Key64 = new long[iterations];
        l2Key128 = new BigInteger[iterations];
        l3Key1 = new long[8 * iterations];
        l3Key2 = new int[iterations];
        for (int it = 0; it < iterations; it++) {
            l2Key64[it] = bigEndian(l2, 24 * it, 8) & POLY64_KEY_MASK;
            l2Key128[it] = new BigInteger(1, Arrays.copyOfRange(l2, 24 * it + 8, 24 * it + 24))
                    .and(POLY128_KEY_MASK);
            for (int j = 0; j < 8; j++) {
                l3Key1[8 * it + j] = Long.remainderUnsigned(bigEndian(l3a, 64 * it + 8 * j, 8), P36);
            }
            l3Key2[it] = (int) bigEndian(l3b, 4 * it, 4);
        }
        pdfKey = new SecretKeySpec(kdf(kdf, 0, KEY_BYTES), "AES");
        pdfCiphers = ThreadLocal.withInitial(() -> aes(pdfKey));
    }

    public int tagBytes() {
        return tagBytes;
    }

    /** The tag of {@code message} under {@code nonce} (1 to 16 bytes). */
    public byte[] tag(byte[] message, byte[] nonce) {
        byte[] tag = new byte[tagBytes];
        tag(message, 0, message.length, nonce, 0, nonce.length, tag, 0);
        return tag;
    }

    /**
     * Writes the tag of {@code message[offset, offset + length)} under {@code nonce[nonceOffset, +nonceLength)}
     * (1 to 16 bytes) into {@code out[outOffset, outOffset + tagBytes())}.
     */
    public void tag(byte[] message, int offset, int length, byte[] nonce, int nonceOffset, int nonceLength,
                    byte[] out, int outOffset) {
        if (nonceLength < 1 || nonceLength > BLOCK_BYTES) {
            throw new IllegalArgumentException("A UMAC nonce has 1 to 16 bytes, got " + nonceLength);
        }
        Objects.checkFromIndexSize(offset, length, message.length);
        Objects.checkFromIndexSize(outOffset, tagBytes, out.length);
        byte[] pad = pad(nonce, nonceOffset, nonceLength);
        int[] hash = uhash(message, offset, length);
        for (int it = 0; it < iterations; it++) {
            for (int b = 0; b < 4; b++) {
                out[outOffset + 4 * it + b] = (byte) ((hash[it] >>> (24 - 8 * b)) ^ pad[4 * it + b]);
            }
        }
    }

    /** True if {@code tag[tagOffset, +tagBytes())} is the tag of the message under the nonce (constant time). */
    public boolean verify(byte[] message, int offset, int length, byte[] nonce, int nonceOffset, int nonceLength,
                          byte[] tag, int tagOffset) {
        byte[] expected = new byte[tagBytes];
        tag(message, offset, length, nonce, nonceOffset, nonceLength, expected, 0);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(tag, tagOffset, tagOffset + tagBytes));
    }

    /** Short name of the NH kernel in use (for benchmarks). */
    public String kernelName() {
        return kernel.name();
    }

    /** UHASH: one 32-bit L3 output per iteration. */
    private int[] uhash(byte[] message, int offset, int length) {
        int chunks = Math.max(1, (length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        long[] l1 = new long[iterations * chunks]; // iteration it, chunk c at it·chunks + c
        long[] nh = new long[iterations];
        for (int c = 0; c < chunks; c++) {
            int start = offset + c * CHUNK_BYTES;
            int len = Math.min(CHUNK_BYTES, length - c * CHUNK_BYTES);
            int whole = len & -NH_BLOCK_BYTES;
            kernel.hash(message, start, whole, l1Key, 0, iterations, nh);
            if (len != whole || len == 0) { // the zero-padded last block (a whole block of zeros for an empty message)
                byte[] last = new byte[NH_BLOCK_BYTES];
                System.arraycopy(message, start + whole, last, 0, len - whole);
                for (int it = 0; it < iterations; it++) {
                    nh[it] += ScalarNhKernel.hash(last, 0, NH_BLOCK_BYTES, l1Key, (whole >> 2) + 4 * it);
                }
            }
            for (int it = 0; it < iterations; it++) {
                l1[it * chunks + c] = nh[it] + 8L * len;
            }
        }
        int[] out = new int[iterations];
        for (int it = 0; it < iterations; it++) {
            long hi = 0;
            long lo;
            if (chunks == 1) {
                lo = l1[it * chunks];
            } else {
                lo = poly64(l2Key64[it], l1, it * chunks, Math.min(chunks, POLY64_WORDS));
                if (chunks > POLY64_WORDS) {
                    BigInteger y = poly128(l2Key128[it], lo, l1, it * chunks + POLY64_WORDS, chunks - POLY64_WORDS);
                    hi = y.shiftRight(64).longValue();
                    lo = y.longValue();
                }
            }
            out[it] = l3(hi, lo, it);
        }
        return out;
    }

    /** POLY(64, 2⁶⁴ − 2³², k, words[from, from + n)). */
    static long poly64(long k, long[] words, int from, int n) {
        long y = 1;
        for (int i = from; i < from + n; i++) {
            long m = words[i];
            if (Long.compareUnsigned(m, POLY64_MAX_WORD) >= 0) {
                y = addMod64(mulMod64(k, y), P64 - 1);
                y = addMod64(mulMod64(k, y), m - 59);
            } else {
                y = addMod64(mulMod64(k, y), m);
            }
        }
        return y;
    }

    /** {@code k·y mod p64} for {@code k < 2⁵⁷} and {@code y < p64}: {@code 2⁶⁴ ≡ 59}. */
    static long mulMod64(long k, long y) {
        long lo = k * y;
        long hi = Math.multiplyHigh(k, y) + ((y >> 63) & k); // unsigned high half (k ≥ 0)
        long r = lo + hi * 59; // hi < 2⁵⁷: hi·59 < 2⁶³
        if (Long.compareUnsigned(r, lo) < 0) {
            r += 59;
        }
        return Long.compareUnsigned(r, P64) >= 0 ? r - P64 : r;
    }

    /** {@code a + m mod p64} for {@code a < p64}, any 64-bit {@code m}. */
    static long addMod64(long a, long m) {
        long s = a + m;
        if (Long.compareUnsigned(s, a) < 0) {
            s += 59;
        }
        return Long.compareUnsigned(s, P64) >= 0 ? s - P64 : s;
    }

    /**
     * POLY(128, 2¹²⁸ − 2⁹⁶, k, y64 ‖ words[from, from + n) ‖ 0x80 ‖ zeros): the L2 tail of messages over 16 MB
     * (BigInteger: at most one step per 2 KB of message).
     */
    private static BigInteger poly128(BigInteger k, long y64, long[] words, int from, int n) {
        long[] padded = new long[n + 1 + (n + 1) % 2]; // the byte 0x80, then zeros to a multiple of 16 bytes
        System.arraycopy(words, from, padded, 0, n);
        padded[n] = Long.MIN_VALUE;
        BigInteger y = poly128Step(BigInteger.ONE, k, unsigned(y64));
        for (int i = 0; i < padded.length; i += 2) {
            y = poly128Step(y, k, unsigned(padded[i]).shiftLeft(64).or(unsigned(padded[i + 1])));
        }
        return y;
    }

    private static BigInteger poly128Step(BigInteger y, BigInteger k, BigInteger m) {
        if (m.compareTo(POLY128_MAX_WORD) >= 0) {
            y = k.multiply(y).add(P128.subtract(BigInteger.ONE)).mod(P128);
            return k.multiply(y).add(m.subtract(BigInteger.valueOf(159))).mod(P128);
        }
        return k.multiply(y).add(m).mod(P128);
    }

    private static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v);
        return v < 0 ? b.add(TWO_64) : b;
    }

    /** L3-HASH of the 16-byte L2 output {@code hi ‖ lo} for iteration {@code it}. */
    private int l3(long hi, long lo, int it) {
        long y = 0;
        for (int j = 0; j < 4; j++) {
            y += ((hi >>> (48 - 16 * j)) & 0xFFFF) * l3Key1[8 * it + j];
            y += ((lo >>> (48 - 16 * j)) & 0xFFFF) * l3Key1[8 * it + 4 + j];
        }
        return (int) (y % P36) ^ l3Key2[it];
    }

    /** PDF: the {@code tagBytes} pad bytes for this nonce. */
    private byte[] pad(byte[] nonce, int nonceOffset, int nonceLength) {
        byte[] block = new byte[BLOCK_BYTES];
        System.arraycopy(nonce, nonceOffset, block, 0, nonceLength);
        int index = 0;
        if (tagBytes <= 8) {
            index = block[nonceLength - 1] & (BLOCK_BYTES / tagBytes - 1);
            block[nonceLength - 1] ^= (byte) index;
        }
        byte[] t;
        try {
            t = pdfCiphers.get().doFinal(block);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed on one block", e);
        }
        return index == 0 && tagBytes == BLOCK_BYTES ? t
                : Arrays.copyOfRange(t, index * tagBytes, index * tagBytes + tagBytes);
    }

    private static byte[] kdf(Cipher aes, int index, int bytes) {
        byte[] out = new byte[(bytes + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES];
        byte[] block = new byte[BLOCK_BYTES];
        block[7] = (byte) index;
        for (int i = 1; i * BLOCK_BYTES <= out.length; i++) {
            for (int b = 0; b < 8; b++) {
                block[8 + b] = (byte) ((long) i >>> (56 - 8 * b));
            }
            try {
                aes.doFinal(block, 0, BLOCK_BYTES, out, (i - 1) * BLOCK_BYTES);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES failed in UMAC's key derivation", e);
            }
        }
        return Arrays.copyOf(out, bytes);
    }

    private static long bigEndian(byte[] b, int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static Cipher aes(SecretKeySpec key) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute AES/ECB", e);
        }
    }
}
