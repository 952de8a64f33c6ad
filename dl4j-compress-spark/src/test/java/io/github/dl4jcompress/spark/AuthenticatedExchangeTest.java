package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import io.github.dl4jcompress.terngrad.MessageSealer;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import io.github.dl4jcompress.terngrad.RejectedMessageException;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.stepfunctions.NegativeDefaultStepFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authenticated per-layer TernGrad without Spark: two executors and the driver exchange sealed messages through
 * {@link AuthenticatedUpdates}; a rogue injects forged, replayed, reflected, corrupted, bare and DL4J-format
 * messages into every receiver. All are refused and counted, and every replica ends bit-for-bit where the same
 * run without the rogue ends.
 */
class AuthenticatedExchangeTest {

    private static final SegmentLayout LAYOUT = SegmentLayout.of(new String[] {"0_W", "0_b", "1_W"}, new int[] {60, 5, 35});
    private static final StepFunction SGD_STEP = new NegativeDefaultStepFunction();
    private static final int STEPS = 40;

    @Test
    void rogueMessagesAreRefusedAndChangeNoParameter() {
        Run clean = run(false);
        Run attacked = run(true);
        assertTrue(attacked.rogueSent > 10 * STEPS, "rogue sent " + attacked.rogueSent);
        assertEquals(attacked.rogueSent, attacked.refused(), "every rogue message refused");
        assertEquals(0, clean.refused());
        assertEquals(clean.accepted(), attacked.accepted(), "the legitimate messages were all accepted, once");
        assertArrayEquals(clean.paramsA, attacked.paramsA, 0f);
        assertArrayEquals(clean.paramsB, attacked.paramsB, 0f);
        assertArrayEquals(clean.paramsDriver, attacked.paramsDriver, 0f);
        assertTrue(attacked.verifiers.stream().allMatch(v -> v.rejected(RejectedMessageException.Reason.BAD_MAC) > 0
                && v.rejected(RejectedMessageException.Reason.REPLAYED) > 0
                && v.rejected(RejectedMessageException.Reason.MALFORMED) > 0));
    }

    private static Run run(boolean withRogue) {
        MessageAuthenticator auth = new MessageAuthenticator(key(1));
        MessageAuthenticator rogueAuth = new MessageAuthenticator(key(2)); // a guessed key
        Nd4j.getRandom().setSeed(4);
        INDArray theta0 = Nd4j.rand(DataType.FLOAT, 1, LAYOUT.totalLength());
        INDArray paramsA = theta0.dup();
        INDArray paramsB = theta0.dup();
        INDArray paramsDriver = theta0.dup();
        MessageSealer sealerA = new MessageSealer(auth, 101);
        MessageSealer sealerB = new MessageSealer(auth, 202);
        TernaryInbox inboxA = new TernaryInbox(paramsA, LAYOUT);
        TernaryInbox inboxB = new TernaryInbox(paramsB, LAYOUT);
        TernGradDriverApplier applier = new TernGradDriverApplier(paramsDriver, LAYOUT, SGD_STEP);
        AuthenticatedUpdates toA = new AuthenticatedUpdates(new MessageVerifier(auth, "A", sealerA), inboxA);
        AuthenticatedUpdates toB = new AuthenticatedUpdates(new MessageVerifier(auth, "B", sealerB), inboxB);
        AuthenticatedUpdates toDriver = new AuthenticatedUpdates(new MessageVerifier(auth, "driver"), applier);
        List<AuthenticatedUpdates> receivers = List.of(toA, toB, toDriver);
        List<INDArray> wire = new ArrayList<>(); // everything the rogue could capture
        Random rogueRandom = new Random(9);
        int[] rogueSent = {0};
        Runnable rogue = () -> {
            if (!withRogue || wire.isEmpty()) {
                return;
            }
            INDArray captured = wire.get(rogueRandom.nextInt(wire.size()));
            byte[] bytes = captured.data().asBytes();
            byte[] inner = java.util.Arrays.copyOfRange(bytes, MessageAuthenticator.HEADER_BYTES,
                    bytes.length - MessageAuthenticator.MAC_BYTES);
            byte[] flipped = bytes.clone();
            int bit = rogueRandom.nextInt(flipped.length * 8);
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            byte[] forged = new Ternarizer(2.5, rogueRandom.nextLong()).encode(gradient(rogueRandom), LAYOUT).toBytes();
            List<INDArray> attacks = List.of(
                    captured,                                       // replay (to its own sender: reflection)
                    Nd4j.createFromArray(flipped),                                  // corruption
                    Nd4j.createFromArray(rogueAuth.seal(101, 1_000_000, forged)),   // forgery, A's id, fresh sequence
                    Nd4j.createFromArray(rogueAuth.seal(7, 0, forged)),             // forgery, new sender
                    Nd4j.createFromArray(forged),                                   // a bare TernGrad message
                    Nd4j.createFromArray(inner),                                    // a captured message, unwrapped
                    Nd4j.createFromArray(new int[] {4, 100, 0, 3, 1, 2, 3, 4}));    // DL4J's threshold format
            for (INDArray attack : attacks) {
                for (AuthenticatedUpdates r : receivers) {
                    r.onNext(attack);
                    rogueSent[0]++;
                }
            }
        };
        TernGradSparkAccumulator a = new TernGradSparkAccumulator(LAYOUT, new Ternarizer(2.5, 1), (m, it, ep) -> {
            INDArray sealed = AuthenticatedUpdates.seal(sealerA, m);
            wire.add(sealed);
            toB.onNext(sealed);
            toDriver.onNext(sealed);
            rogue.run();
        }, inboxA);
        TernGradSparkAccumulator b = new TernGradSparkAccumulator(LAYOUT, new Ternarizer(2.5, 2), (m, it, ep) -> {
            INDArray sealed = AuthenticatedUpdates.seal(sealerB, m);
            wire.add(sealed);
            toA.onNext(sealed);
            toDriver.onNext(sealed);
            rogue.run();
        }, inboxB);
        Random random = new Random(3);
        for (int i = 0; i < STEPS; i++) {
            step(a, paramsA, gradient(random), i);
            step(b, paramsB, gradient(random), i);
        }
        a.applyUpdate(SGD_STEP, paramsA, Nd4j.createUninitialized(DataType.FLOAT, paramsA.shape()), false);
        b.applyUpdate(SGD_STEP, paramsB, Nd4j.createUninitialized(DataType.FLOAT, paramsB.shape()), false);
        applier.flush();
        Run r = new Run();
        r.paramsA = paramsA.toFloatVector();
        r.paramsB = paramsB.toFloatVector();
        r.paramsDriver = paramsDriver.toFloatVector();
        r.rogueSent = rogueSent[0];
        r.verifiers = List.of(toA.verifier(), toB.verifier(), toDriver.verifier());
        return r;
    }

    private static final class Run {
        float[] paramsA;
        float[] paramsB;
        float[] paramsDriver;
        int rogueSent;
        List<MessageVerifier> verifiers;

        long refused() {
            return verifiers.stream().mapToLong(MessageVerifier::rejected).sum();
        }

        long accepted() {
            return verifiers.stream().mapToLong(MessageVerifier::accepted).sum();
        }
    }

    private static void step(TernGradSparkAccumulator acc, INDArray params, float[] g, int iteration) {
        INDArray update = Nd4j.createFromArray(g).reshape(1, g.length);
        acc.storeUpdate(update, iteration, 0);
        acc.applyUpdate(SGD_STEP, params, update, true);
    }

    private static float[] gradient(Random random) {
        float[] g = new float[LAYOUT.totalLength()];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return g;
    }

    private static byte[] key(int seed) {
        byte[] k = new byte[MessageAuthenticator.KEY_BYTES];
        new Random(seed).nextBytes(k);
        return k;
    }
}
