package io.github.dl4jcompress.terngrad;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-style checks of the UMAC-64 envelope: round trips, and every forgery, corruption and bit flip refused;
 * envelopes of older versions refused with a clear reason.
 */
class MessageAuthenticatorTest {

    private static final byte[] KEY = key(1);
    private final MessageAuthenticator auth = new MessageAuthenticator(KEY);

    @Test
    void roundTripKeepsSenderSequenceAndPayload() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            byte[] payload = new byte[trial == 0 ? 0 : random.nextInt(3000)];
            random.nextBytes(payload);
            long sender = random.nextLong();
            long sequence = random.nextInt(Integer.MAX_VALUE);
            byte[] envelope = auth.seal(sender, sequence, payload);
            assertEquals(payload.length + MessageAuthenticator.OVERHEAD_BYTES, envelope.length);
            MessageAuthenticator.Envelope opened = auth.open(envelope);
            assertEquals(sender, opened.senderId());
            assertEquals(sequence, opened.sequence());
            assertArrayEquals(payload, opened.payload());
        }
    }

    /** Sealing in place (the executors' path) writes exactly the envelope the copying seal makes, bit for bit. */
    @Test
    void sealingInPlaceEqualsSealingACopy() {
        MessageAuthenticator reference = new MessageAuthenticator(KEY);
        Random random = new Random(12);
        for (int trial = 0; trial < 100; trial++) {
            byte[] payload = new byte[trial == 0 ? 0 : random.nextInt(3000)];
            random.nextBytes(payload);
            long sender = random.nextLong();
            long sequence = random.nextInt(Integer.MAX_VALUE);
            byte[] inPlace = new byte[MessageAuthenticator.OVERHEAD_BYTES + payload.length];
            System.arraycopy(payload, 0, inPlace, MessageAuthenticator.HEADER_BYTES, payload.length);
            auth.sealInPlace(sender, sequence, inPlace);
            assertArrayEquals(reference.seal(sender, sequence, payload), inPlace);
            assertArrayEquals(payload, auth.open(inPlace).payload());
        }
        assertThrows(IllegalArgumentException.class, () -> auth.sealInPlace(1, 1, new byte[MessageAuthenticator.OVERHEAD_BYTES - 1]));
        assertThrows(IllegalArgumentException.class, () -> auth.sealInPlace(1, 1, null));
        assertThrows(IllegalArgumentException.class,
                () -> auth.sealInPlace(1, MessageAuthenticator.SEQUENCE_LIMIT, new byte[MessageAuthenticator.OVERHEAD_BYTES]));
    }

    /** A sealer's message envelope is its bytes sealed with the sealer's id and next sequence number. */
    @Test
    void aSealedTernaryMessageOpensToItsBytes() {
        MessageSealer sealer = new MessageSealer(auth, 42);
        for (int i = 0; i < 3; i++) {
            float[] g = new float[1000 + i];
            Random random = new Random(i);
            for (int j = 0; j < g.length; j++) {
                g[j] = (float) random.nextGaussian();
            }
            TernaryMessage message = new Ternarizer(2.5, i).encode(g, SegmentLayout.single(g.length));
            MessageAuthenticator.Envelope opened = auth.open(sealer.seal(message));
            assertEquals(42, opened.senderId());
            assertEquals(i, opened.sequence());
            assertArrayEquals(message.toBytes(), opened.payload());
        }
    }

    @Test
    void everySingleBitFlipIsRefused() {
        byte[] payload = realMessage(40);
        byte[] envelope = auth.seal(7, 3, payload);
        for (int bit = 0; bit < envelope.length * 8; bit++) {
            byte[] flipped = envelope.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            RejectedMessageException e = assertThrows(RejectedMessageException.class, () -> auth.open(flipped),
                    "bit " + bit);
            boolean inMagicOrLength = bit < 32 || (bit >= 160 && bit < 192);
            assertEquals(inMagicOrLength ? RejectedMessageException.Reason.MALFORMED
                    : RejectedMessageException.Reason.BAD_MAC, e.reason(), "bit " + bit);
        }
    }

    @Test
    void randomCorruptionOfLargeMessagesIsRefused() {
        Random random = new Random(5);
        byte[] envelope = auth.seal(1, 0, realMessage(431_080 / 16));
        for (int trial = 0; trial < 300; trial++) {
            byte[] corrupted = envelope.clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int i = MessageAuthenticator.HEADER_BYTES + random.nextInt(corrupted.length - MessageAuthenticator.HEADER_BYTES);
                corrupted[i] ^= (byte) (1 + random.nextInt(255));
            }
            assertEquals(RejectedMessageException.Reason.BAD_MAC,
                    assertThrows(RejectedMessageException.class, () -> auth.open(corrupted)).reason());
        }
    }

    @Test
    void forgeriesAreRefused() {
        byte[] payload = realMessage(100);
        // sealed with another job's key
        byte[] otherKey = new MessageAuthenticator(key(2)).seal(7, 0, payload);
        assertEquals(RejectedMessageException.Reason.BAD_MAC,
                assertThrows(RejectedMessageException.class, () -> auth.open(otherKey)).reason());
        // a well-formed header with a guessed MAC
        Random random = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            byte[] guess = auth.seal(7, trial, payload);
            byte[] mac = new byte[MessageAuthenticator.MAC_BYTES];
            random.nextBytes(mac);
            System.arraycopy(mac, 0, guess, guess.length - mac.length, mac.length);
            assertThrows(RejectedMessageException.class, () -> auth.open(guess));
        }
        // a legitimate envelope with the sender or sequence rewritten, or the payload swapped
        byte[] legit = auth.seal(7, 5, payload);
        byte[] resequenced = legit.clone();
        resequenced[19] = 6;
        assertThrows(RejectedMessageException.class, () -> auth.open(resequenced));
        byte[] swapped = legit.clone();
        byte[] other = realMessage(100);
        other[other.length - 1] ^= 0x01; // still a well-formed message: the last byte's first code flips 00 <-> 01
        System.arraycopy(other, 0, swapped, MessageAuthenticator.HEADER_BYTES, other.length);
        assertTrue(!Arrays.equals(other, payload));
        assertEquals(100, TernaryMessageDecoder.decode(other).totalLength());
        assertThrows(RejectedMessageException.class, () -> auth.open(swapped));
        // the bare, unauthenticated TernGrad message
        assertEquals(RejectedMessageException.Reason.MALFORMED,
                assertThrows(RejectedMessageException.class, () -> auth.open(payload)).reason());
    }

    @Test
    void truncatedOrExtendedEnvelopesAreRefused() {
        byte[] envelope = auth.seal(1, 1, realMessage(64));
        for (int len = 0; len < envelope.length; len++) {
            byte[] cut = Arrays.copyOf(envelope, len);
            assertThrows(RejectedMessageException.class, () -> auth.open(cut), "length " + len);
        }
        assertThrows(RejectedMessageException.class, () -> auth.open(Arrays.copyOf(envelope, envelope.length + 1)));
        assertThrows(RejectedMessageException.class, () -> auth.open(null));
    }

    /** The nonce holds the whole sequence number: only negative ones (and 2⁶³ − 1) are refused. */
    @Test
    void sequencesOutsideTheNonceRangeAreRefusedAndLongKeysAreHashed() {
        byte[] payload = realMessage(10);
        for (long sequence : new long[] {-1, Long.MIN_VALUE, MessageAuthenticator.SEQUENCE_LIMIT}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> auth.seal(1, sequence, payload));
            assertTrue(e.getMessage().contains(String.valueOf(sequence)), e.getMessage());
        }
        for (long sequence : new long[] {1L << 32, MessageAuthenticator.SEQUENCE_LIMIT - 1}) {
            assertEquals(sequence, auth.open(auth.seal(1, sequence, payload)).sequence());
        }
        byte[] longKey = Arrays.copyOf(key(1), 48);
        MessageAuthenticator hashed = new MessageAuthenticator(longKey);
        assertArrayEquals(payload, hashed.open(hashed.seal(3, 4, payload)).payload());
        assertEquals(RejectedMessageException.Reason.BAD_MAC,
                assertThrows(RejectedMessageException.class, () -> auth.open(hashed.seal(3, 5, payload))).reason());
    }

    /** The layout is the documented one: header fields, the payload in the clear, the tag a UMAC-64 of the rest. */
    @Test
    void envelopeLayoutIsHeaderPayloadAndUmac64Tag() {
        byte[] payload = realMessage(300);
        byte[] envelope = auth.seal(0x1122334455667788L, 99, payload);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(envelope);
        assertEquals(0x54474133, b.getInt());
        assertEquals(0x1122334455667788L, b.getLong());
        assertEquals(99, b.getLong());
        assertEquals(payload.length, b.getInt());
        assertArrayEquals(payload, Arrays.copyOfRange(envelope, 24, 24 + payload.length));
        byte[] umacKey = Arrays.copyOf(sha256(KEY), Umac.KEY_BYTES);
        byte[] nonce = Arrays.copyOfRange(envelope, 4, 20);
        byte[] tag = new Umac(umacKey, 8).tag(Arrays.copyOf(envelope, 24 + payload.length), nonce);
        assertArrayEquals(tag, Arrays.copyOfRange(envelope, 24 + payload.length, envelope.length));
    }

    /** An envelope of an older version (same header, another magic) is refused as malformed, naming its version. */
    @Test
    void olderEnvelopeVersionsAreRefusedClearly() {
        byte[] envelope = auth.seal(1, 2, realMessage(50));
        for (String magic : new String[] {"TGA2", "TGA1"}) {
            byte[] old = envelope.clone();
            System.arraycopy(magic.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, old, 0, 4);
            RejectedMessageException e = assertThrows(RejectedMessageException.class, () -> auth.open(old));
            assertEquals(RejectedMessageException.Reason.MALFORMED, e.reason());
            assertTrue(e.getMessage().contains(magic) && e.getMessage().contains("older version"), e.getMessage());
        }
    }

    private static byte[] sha256(byte[] key) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(key);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shortKeysAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MessageAuthenticator(new byte[16]));
        assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MessageAuthenticator(null));
        assertEquals(MessageAuthenticator.KEY_BYTES, MessageAuthenticator.newKey().length);
        assertTrue(!Arrays.equals(MessageAuthenticator.newKey(), MessageAuthenticator.newKey()));
    }

    static byte[] key(int seed) {
        byte[] k = new byte[MessageAuthenticator.KEY_BYTES];
        new Random(seed).nextBytes(k);
        return k;
    }

    /** The bytes of a real per-layer TernGrad message over {@code n} elements in two segments. */
    static byte[] realMessage(int n) {
        Random random = new Random(n);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian();
        }
        SegmentLayout layout = SegmentLayout.of(new String[] {"0_W", "0_b"}, new int[] {n - n / 4, n / 4});
        return new Ternarizer(2.5, n).encode(g, layout).toBytes();
    }
}
