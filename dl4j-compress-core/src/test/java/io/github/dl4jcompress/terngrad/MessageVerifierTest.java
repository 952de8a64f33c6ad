package io.github.dl4jcompress.terngrad;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replay protection and counting: each authentic message is accepted exactly once; everything else is counted. */
class MessageVerifierTest {

    private final MessageAuthenticator auth = new MessageAuthenticator(MessageAuthenticatorTest.key(1));

    @Test
    void replaysAreRefusedAndCounted() {
        MessageVerifier verifier = new MessageVerifier(auth, "test");
        MessageSealer a = new MessageSealer(auth);
        MessageSealer b = new MessageSealer(auth);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] payload = MessageAuthenticatorTest.realMessage(20 + i);
            byte[] e = (i % 2 == 0 ? a : b).seal(payload);
            sent.add(e);
            assertArrayEquals(payload, verifier.open(e));
        }
        for (byte[] e : sent) {
            assertNull(verifier.open(e));
        }
        assertEquals(10, verifier.accepted());
        assertEquals(10, verifier.rejected(RejectedMessageException.Reason.REPLAYED));
        assertNull(verifier.open(new MessageAuthenticator(MessageAuthenticatorTest.key(9)).seal(1, 0, new byte[8])));
        assertNull(verifier.open(new byte[3]));
        verifier.rejectMalformed("an INT array");
        assertEquals(1, verifier.rejected(RejectedMessageException.Reason.BAD_MAC));
        assertEquals(2, verifier.rejected(RejectedMessageException.Reason.MALFORMED));
        assertEquals(13, verifier.rejected());
        assertEquals(10, verifier.accepted());
    }

    @Test
    void ownMessagesReflectedBackAreRefused() {
        MessageSealer self = new MessageSealer(auth);
        MessageVerifier verifier = new MessageVerifier(auth, "test", self);
        assertNull(verifier.open(self.seal(new byte[10])));
        assertEquals(1, verifier.rejected(RejectedMessageException.Reason.REPLAYED));
        assertArrayEquals(new byte[10], verifier.open(new MessageSealer(auth).seal(new byte[10])));
    }

    /** Against a reference model: accept iff not seen before and newer than (highest accepted − WIDTH). */
    @Test
    void windowAcceptsEachSequenceOnceUnderReorderingAndDuplicates() {
        Random random = new Random(17);
        for (int trial = 0; trial < 50; trial++) {
            ReplayWindow window = new ReplayWindow();
            Set<Long> seen = new HashSet<>();
            long top = -1;
            List<Long> arrivals = new ArrayList<>();
            for (long q = 0; q < 300; q++) {
                arrivals.add(q);
                if (random.nextInt(4) == 0) {
                    arrivals.add((long) random.nextInt((int) q + 1)); // a replay of something earlier
                }
            }
            // local reordering: swap neighbours up to 80 apart (some beyond the window)
            for (int i = 0; i < arrivals.size(); i++) {
                int j = Math.min(arrivals.size() - 1, i + random.nextInt(80));
                Collections.swap(arrivals, i, j);
            }
            for (long q : arrivals) {
                boolean expected = !seen.contains(q) && q > top - ReplayWindow.WIDTH;
                assertEquals(expected, window.accept(42, q), "trial " + trial + " sequence " + q);
                if (expected) {
                    seen.add(q);
                    top = Math.max(top, q);
                }
            }
        }
    }

    @Test
    void sendersHaveIndependentWindowsAndNegativeSequencesAreRefused() {
        ReplayWindow window = new ReplayWindow();
        assertTrue(window.accept(1, 0));
        assertTrue(window.accept(2, 0));
        assertFalse(window.accept(1, 0));
        assertTrue(window.accept(1, 1000));
        assertFalse(window.accept(1, 1000 - ReplayWindow.WIDTH));
        assertTrue(window.accept(1, 1000 - ReplayWindow.WIDTH + 1));
        assertTrue(window.accept(2, 1));
        assertFalse(window.accept(3, -1));
        assertEquals(2, window.senders());
    }
}
