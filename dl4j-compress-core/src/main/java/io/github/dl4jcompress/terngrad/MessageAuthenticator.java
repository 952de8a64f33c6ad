package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * An authenticated envelope around an already encoded message (a {@link TernaryMessage}'s bytes) with a per-job
 * key: {@code envelope = header ‖ payload ‖ UMAC-64(K, nonce = sender id ‖ sequence, header ‖ payload)} ({@link Umac},
 * RFC 4418). The payload travels in the clear: the job needs authentication, not confidentiality.
 *
 * <p>Envelope format (big-endian):
 * <pre>
 *  offset  size  field
 *  0       4     magic 0x54474133 ("TGA3")
 *  4       8     sender id (random per sender, see {@link MessageSealer})
 *  12      8     sequence number of this sender (0, 1, 2, ...)
 *  20      4     payload length P
 *  24      P     payload
 *  24+P    8     UMAC-64 tag of bytes [0, 24+P) with nonce = bytes [4, 20)
 * </pre>
 * The UMAC key is the first 16 bytes of SHA-256 of the job key. The nonce is the 16 bytes {@code sender id ‖
 * sequence}: unique per key as long as every sender has its own id (64 random bits per {@link MessageSealer}: two of
 * a job's n senders collide with probability about n²/2⁶⁵) and seals each sequence number once (the sealer counts
 * with an atomic counter; {@link #seal} refuses negative sequences). Why UMAC-64: on this machine's JDK 17 it tags a
 * 108 KB LeNet message in ~5 µs (NH with the Vector API, {@link VectorNhKernel}) where AES-256-GCM, the previous
 * envelope ("TGA2"), took ~17 µs and HMAC-SHA256 ("TGA1") ~53 µs; UMAC-128 costs twice UMAC-64. A forgery succeeds
 * with probability at most 2⁻⁶⁰ per attempt (RFC 4418 §6.2), and every refused attempt is counted and logged
 * ({@link MessageVerifier}), so an attacker would be seen long before 2⁶⁰ tries.
 *
 * <p>{@link #open} checks format and tag and nothing else; replays are the {@link ReplayWindow}'s business, both
 * together the {@link MessageVerifier}'s. Thread-safe.
 */
public final class MessageAuthenticator {

    /** "TGA3" in ASCII. */
    public static final int MAGIC = 0x54474133;
    public static final int HEADER_BYTES = 24;
    /** Bytes of the authentication tag. */
    public static final int MAC_BYTES = 8;
    /** Bytes the envelope adds to a payload. */
    public static final int OVERHEAD_BYTES = HEADER_BYTES + MAC_BYTES;
    /** Length of the keys {@link #newKey()} makes, and the minimum accepted. */
    public static final int KEY_BYTES = 32;
    /** Sequence numbers must stay below this. */
    public static final long SEQUENCE_LIMIT = Long.MAX_VALUE;
    /** Where the nonce (sender id ‖ sequence) lies in the header, and its length. */
    private static final int NONCE_OFFSET = 4;
    private static final int NONCE_BYTES = 16;
    /** Earlier envelope formats, named in the refusal. */
    private static final int MAGIC_HMAC = 0x54474131;
    private static final int MAGIC_GCM = 0x54474132;

    private final Umac umac;

    /**
     * @param key at least {@value #KEY_BYTES} secret bytes shared by every sender and receiver of one job
     */
    public MessageAuthenticator(byte[] key) {
        if (key == null || key.length < KEY_BYTES) {
            throw new IllegalArgumentException("A message authentication key needs at least " + KEY_BYTES
                    + " bytes, got " + (key == null ? "none" : key.length));
        }
        this.umac = new Umac(Arrays.copyOf(sha256(key), Umac.KEY_BYTES), MAC_BYTES);
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
     * @throws IllegalArgumentException if {@code sequence} is outside {@code [0, SEQUENCE_LIMIT)}
     */
    public byte[] seal(long senderId, long sequence, byte[] payload) {
        byte[] envelope = new byte[OVERHEAD_BYTES + payload.length];
        System.arraycopy(payload, 0, envelope, HEADER_BYTES, payload.length);
        sealInPlace(senderId, sequence, envelope);
        return envelope;
    }

    /**
     * Seals an envelope whose payload is already in place: {@code envelope} is {@code OVERHEAD_BYTES + P} bytes long
     * with the payload at {@code [HEADER_BYTES, HEADER_BYTES + P)}; writes the header before it and the tag after it.
     * Same envelope, same rules as {@link #seal(long, long, byte[])}.
     *
     * @throws IllegalArgumentException if {@code sequence} is outside {@code [0, SEQUENCE_LIMIT)} or the array cannot
     *                                  be an envelope
     */
    public void sealInPlace(long senderId, long sequence, byte[] envelope) {
        if (envelope == null || envelope.length < OVERHEAD_BYTES) {
            throw new IllegalArgumentException("An envelope to seal in place needs at least " + OVERHEAD_BYTES
                    + " bytes (header, payload, tag), got " + (envelope == null ? "none" : envelope.length));
        }
        if (sequence < 0 || sequence >= SEQUENCE_LIMIT) {
            throw new IllegalArgumentException("Sequence number " + sequence + " outside [0, 2^63 - 1): the sender "
                    + "must start over with a new sender id (a new MessageSealer)");
        }
        int macAt = envelope.length - MAC_BYTES;
        ByteBuffer.wrap(envelope).putInt(MAGIC).putLong(senderId).putLong(sequence).putInt(macAt - HEADER_BYTES);
        umac.tag(envelope, 0, macAt, envelope, NONCE_OFFSET, NONCE_BYTES, envelope, macAt);
    }

    /**
     * Checks an envelope's format and tag and returns its parts.
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
            String known = magic == MAGIC_GCM ? " (\"TGA2\", the AES-256-GCM envelope of an older version: sender "
                    + "and receiver must run the same version)" : magic == MAGIC_HMAC ? " (\"TGA1\", the HMAC-SHA256 "
                    + "envelope of an older version: sender and receiver must run the same version)" : "";
            throw new RejectedMessageException(RejectedMessageException.Reason.MALFORMED,
                    String.format("magic 0x%08x%s is not this version's authenticated envelope 0x%08x (\"TGA3\", "
                            + "UMAC-64)", magic, known, MAGIC));
        }
        if (length != envelope.length - OVERHEAD_BYTES) {
            throw new RejectedMessageException(RejectedMessageException.Reason.MALFORMED, "header says " + length
                    + " payload bytes, the envelope holds " + (envelope.length - OVERHEAD_BYTES));
        }
        int macAt = HEADER_BYTES + length;
        if (!umac.verify(envelope, 0, macAt, envelope, NONCE_OFFSET, NONCE_BYTES, envelope, macAt)) {
            throw new RejectedMessageException(RejectedMessageException.Reason.BAD_MAC,
                    "authentication tag check failed (forged, corrupted, or sealed with another job's key)");
        }
        return new Envelope(sender, sequence, Arrays.copyOfRange(envelope, HEADER_BYTES, macAt));
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
