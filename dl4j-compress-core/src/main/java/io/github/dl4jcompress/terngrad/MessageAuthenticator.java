package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticated envelope around an already encoded message (a {@link TernaryMessage}'s bytes, unchanged):
 * {@code envelope = header ‖ payload ‖ HMAC-SHA256(key, header ‖ payload)} with a per-job key.
 *
 * <p>Envelope format (big-endian):
 * <pre>
 *  offset  size  field
 *  0       4     magic 0x54474131 ("TGA1")
 *  4       8     sender id (random per sender, see {@link MessageSealer})
 *  12      8     sequence number of this sender (0, 1, 2, ...)
 *  20      4     payload length P
 *  24      P     payload
 *  24+P    32    HMAC-SHA256 over bytes [0, 24+P)
 * </pre>
 * {@link #open} checks format and MAC (constant-time comparison) and nothing else; replays are the
 * {@link ReplayWindow}'s business, both together the {@link MessageVerifier}'s. Thread-safe (one {@code Mac} per
 * thread).
 */
public final class MessageAuthenticator {

    /** "TGA1" in ASCII. */
    public static final int MAGIC = 0x54474131;
    public static final int HEADER_BYTES = 24;
    public static final int MAC_BYTES = 32;
    /** Bytes the envelope adds to a payload. */
    public static final int OVERHEAD_BYTES = HEADER_BYTES + MAC_BYTES;
    /** Length of the keys {@link #newKey()} makes, and the minimum accepted. */
    public static final int KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /**
     * @param key at least {@value #KEY_BYTES} secret bytes shared by every sender and receiver of one job
     */
    public MessageAuthenticator(byte[] key) {
        if (key == null || key.length < KEY_BYTES) {
            throw new IllegalArgumentException("A message authentication key needs at least " + KEY_BYTES
                    + " bytes, got " + (key == null ? "none" : key.length));
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac(); // fails here, not on a transport thread, if the JVM lacks HmacSHA256
    }

    /** A fresh random key ({@value #KEY_BYTES} bytes from {@link SecureRandom}). */
    public static byte[] newKey() {
        byte[] k = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /** The envelope of {@code payload} from {@code senderId} with sequence number {@code sequence}. */
    public byte[] seal(long senderId, long sequence, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(OVERHEAD_BYTES + payload.length);
        b.putInt(MAGIC).putLong(senderId).putLong(sequence).putInt(payload.length).put(payload);
        Mac mac = macs.get();
        mac.update(b.array(), 0, HEADER_BYTES + payload.length);
        try {
            mac.doFinal(b.array(), HEADER_BYTES + payload.length);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e); // the buffer is sized for the MAC
        }
        return b.array();
    }

    /**
     * Checks an envelope's format and MAC.
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
        Mac mac = macs.get();
        mac.update(envelope, 0, HEADER_BYTES + length);
        byte[] expected = mac.doFinal();
        byte[] actual = Arrays.copyOfRange(envelope, HEADER_BYTES + length, envelope.length);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new RejectedMessageException(RejectedMessageException.Reason.BAD_MAC,
                    "MAC check failed (forged, corrupted, or sealed with another job's key)");
        }
        return new Envelope(sender, sequence, Arrays.copyOfRange(envelope, HEADER_BYTES, HEADER_BYTES + length));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot compute " + ALGORITHM, e);
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
