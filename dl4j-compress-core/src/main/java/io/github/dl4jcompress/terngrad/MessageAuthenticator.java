package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticated envelope around an already encoded message (a {@link TernaryMessage}'s bytes) with a per-job
 * key: AES-256-GCM with the header as associated data and the payload encrypted, so
 * {@code envelope = header ‖ AES-GCM(key, nonce, payload) ‖ tag}, the 128-bit tag covering header and payload.
 *
 * <p>Envelope format (big-endian):
 * <pre>
 *  offset  size  field
 *  0       4     magic 0x54474132 ("TGA2")
 *  4       8     sender id (random per sender, see {@link MessageSealer})
 *  12      8     sequence number of this sender (0, 1, 2, ... below 2³²)
 *  20      4     payload length P
 *  24      P     payload, encrypted
 *  24+P    16    GCM tag over bytes [0, 24) (associated data) and the encrypted payload
 * </pre>
 * The nonce is {@code sender id ‖ low 32 bits of the sequence}: unique per key as long as every sender has its own
 * id (64 random bits per {@link MessageSealer}) and seals each sequence number once, below 2³², which the sealer
 * guarantees ({@link #seal} refuses sequences outside {@code [0, 2³²)}). Why GCM and not HMAC-SHA256 (the first
 * version, "TGA1"): on this CPU (AVX-512, VAES, VPCLMULQDQ) JDK 17's AES-GCM intrinsic encrypts and authenticates
 * a 108 KB LeNet message in ~16 µs, HMAC-SHA256 (SHA-NI) needs ~52 µs and GMAC over associated data only ~23 µs
 * (GHASH without the interleaved intrinsic); encryption is a free by-product, not a requirement.
 *
 * <p>{@link #open} checks format and tag and decrypts (nothing is returned unless the tag is right) and nothing else;
 * replays are the {@link ReplayWindow}'s business, both together the {@link MessageVerifier}'s. Thread-safe (one
 * {@code Cipher} per thread).
 */
public final class MessageAuthenticator {

    /** "TGA2" in ASCII. */
    public static final int MAGIC = 0x54474132;
    public static final int HEADER_BYTES = 24;
    /** Bytes of the authentication tag. */
    public static final int MAC_BYTES = 16;
    /** Bytes the envelope adds to a payload. */
    public static final int OVERHEAD_BYTES = HEADER_BYTES + MAC_BYTES;
    /** Length of the keys {@link #newKey()} makes, and the minimum accepted. */
    public static final int KEY_BYTES = 32;
    /** Sequence numbers must stay below this (the nonce holds 32 bits of them). */
    public static final long SEQUENCE_LIMIT = 1L << 32;
    private static final String ALGORITHM = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;

    private final SecretKeySpec key;
    private final ThreadLocal<Cipher> ciphers;

    /**
     * @param key at least {@value #KEY_BYTES} secret bytes shared by every sender and receiver of one job (a longer
     *            key is hashed to 32 bytes with SHA-256)
     */
    public MessageAuthenticator(byte[] key) {
        if (key == null || key.length < KEY_BYTES) {
            throw new IllegalArgumentException("A message authentication key needs at least " + KEY_BYTES
                    + " bytes, got " + (key == null ? "none" : key.length));
        }
        this.key = new SecretKeySpec(key.length == KEY_BYTES ? key.clone() : sha256(key), "AES");
        this.ciphers = ThreadLocal.withInitial(MessageAuthenticator::newCipher);
        newCipher(); // fails here, not on a transport thread, if the JVM lacks AES/GCM
    }

    /** A fresh random key ({@value #KEY_BYTES} bytes from {@link SecureRandom}). */
    public static byte[] newKey() {
        byte[] k = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /**
     * The envelope of {@code payload} from {@code senderId} with sequence number {@code sequence}. A (sender,
     * sequence) pair must be sealed only once per key ({@link MessageSealer} counts for you).
     *
     * @throws IllegalArgumentException if {@code sequence} is outside {@code [0, 2³²)}
     */
    public byte[] seal(long senderId, long sequence, byte[] payload) {
        byte[] envelope = new byte[OVERHEAD_BYTES + payload.length];
        encrypt(senderId, sequence, payload, 0, payload.length, envelope);
        return envelope;
    }

    /**
     * Seals an envelope whose payload is already in place: {@code envelope} is {@code OVERHEAD_BYTES + P} bytes long
     * with the payload at {@code [HEADER_BYTES, HEADER_BYTES + P)}; writes the header before it, encrypts it where
     * it lies (no copy: GCM encrypts in place when input and output start at the same offset) and writes the tag
     * after it. Same envelope, same rules as {@link #seal(long, long, byte[])}.
     *
     * @throws IllegalArgumentException if {@code sequence} is outside {@code [0, 2³²)} or the array cannot be an
     *                                  envelope
     */
    public void sealInPlace(long senderId, long sequence, byte[] envelope) {
        if (envelope == null || envelope.length < OVERHEAD_BYTES) {
            throw new IllegalArgumentException("An envelope to seal in place needs at least " + OVERHEAD_BYTES
                    + " bytes (header, payload, tag), got " + (envelope == null ? "none" : envelope.length));
        }
        encrypt(senderId, sequence, envelope, HEADER_BYTES, envelope.length - OVERHEAD_BYTES, envelope);
    }

    /** Header into {@code envelope[0, 24)}, {@code AES-GCM(in[inOffset, +length))} and tag from byte 24 on. */
    private void encrypt(long senderId, long sequence, byte[] in, int inOffset, int length, byte[] envelope) {
        if (sequence < 0 || sequence >= SEQUENCE_LIMIT) {
            throw new IllegalArgumentException("Sequence number " + sequence + " outside [0, 2^32): the sender must "
                    + "start over with a new sender id (a new MessageSealer)");
        }
        ByteBuffer.wrap(envelope).putInt(MAGIC).putLong(senderId).putLong(sequence).putInt(length);
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(senderId, sequence));
            cipher.updateAAD(envelope, 0, HEADER_BYTES);
            cipher.doFinal(in, inOffset, length, envelope, HEADER_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM sealing failed for sender " + senderId + ", sequence " + sequence
                    + " (a repeated sequence number reuses a nonce and is refused)", e);
        }
    }

    /**
     * Checks an envelope's format and tag and returns it decrypted.
     *
     * @throws RejectedMessageException ({@link RejectedMessageException.Reason#MALFORMED} or
     *                                  {@link RejectedMessageException.Reason#BAD_MAC}) if it is not an envelope
     *                                  sealed with this key
     */
    public Envelope open(byte[] envelope) {
        if (envelope == null || envelope.length < OVERHEAD_BYTES) {
            throw new RejectedMessageException(RejectedMessageException.Reason.MALFORMED, "an envelope has at least "
                    + OVERHEAD_BYTES + " bytes, got " + (envelope == null ? "none" : envelope.length));
        }
        ByteBuffer b = ByteBuffer.wrap(envelope);
        int magic = b.getInt();
        long sender = b.getLong();
        long sequence = b.getLong();
        int length = b.getInt();
        if (magic != MAGIC) {
            throw new RejectedMessageException(RejectedMessageException.Reason.MALFORMED,
                    String.format("magic 0x%08x is not an authenticated envelope's 0x%08x", magic, MAGIC));
        }
        if (length != envelope.length - OVERHEAD_BYTES) {
            throw new RejectedMessageException(RejectedMessageException.Reason.MALFORMED, "header says " + length
                    + " payload bytes, the envelope holds " + (envelope.length - OVERHEAD_BYTES));
        }
        byte[] payload = new byte[length];
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce(sender, sequence));
            cipher.updateAAD(envelope, 0, HEADER_BYTES);
            cipher.doFinal(envelope, HEADER_BYTES, length + MAC_BYTES, payload, 0);
        } catch (AEADBadTagException e) {
            throw new RejectedMessageException(RejectedMessageException.Reason.BAD_MAC,
                    "authentication tag check failed (forged, corrupted, or sealed with another job's key)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM opening failed", e);
        }
        return new Envelope(sender, sequence, payload);
    }

    private static GCMParameterSpec nonce(long senderId, long sequence) {
        byte[] nonce = ByteBuffer.allocate(NONCE_BYTES).putLong(senderId).putInt((int) sequence).array();
        return new GCMParameterSpec(8 * MAC_BYTES, nonce);
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + ALGORITHM, e);
        }
    }

    private static byte[] sha256(byte[] key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM lacks SHA-256", e);
        }
    }

    /** An opened envelope: who sent it, its sequence number, and the payload (authentic, not yet replay-checked). */
    public static final class Envelope {
        private final long senderId;
        private final long sequence;
        private final byte[] payload;

        Envelope(long senderId, long sequence, byte[] payload) {
            this.senderId = senderId;
            this.sequence = sequence;
            this.payload = payload;
        }

        public long senderId() {
            return senderId;
        }

        public long sequence() {
            return sequence;
        }

        public byte[] payload() {
            return payload;
        }
    }
}
