package io.github.dl4jcompress.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.github.dl4jcompress.terngrad.MalformedTernaryMessageException;
import io.github.dl4jcompress.terngrad.NonFiniteGradientException;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import io.github.dl4jcompress.terngrad.TernaryMessageDecoder;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.stepfunctions.NegativeDefaultStepFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-layer TernGrad exchange without Spark: two executors' accumulators and the driver's applier wired by
 * in-memory outboxes. Every replica must end at {@code θ0 − Σ all messages}; bad updates and foreign messages are
 * refused with their reason.
 */
class PerLayerTernGradExchangeTest {

    private static final SegmentLayout LAYOUT = SegmentLayout.of(new String[] {"0_W", "0_b", "1_W"}, new int[] {60, 5, 35});
    private static final StepFunction SGD_STEP = new NegativeDefaultStepFunction();

    @Test
    void executorsAndDriverApplyTheSameMessages() {
        INDArray theta0 = Nd4j.rand(DataType.FLOAT, 1, LAYOUT.totalLength());
        INDArray paramsA = theta0.dup();
        INDArray paramsB = theta0.dup();
        INDArray paramsDriver = theta0.dup();
        TernaryInbox inboxA = new TernaryInbox(paramsA, LAYOUT);
        TernaryInbox inboxB = new TernaryInbox(paramsB, LAYOUT);
        TernGradDriverApplier driver = new TernGradDriverApplier(paramsDriver, LAYOUT, SGD_STEP);
        List<INDArray> allSent = new ArrayList<>();
        TernGradSparkAccumulator a = new TernGradSparkAccumulator(LAYOUT, new Ternarizer(2.5, 1), (t, it, ep) -> {
            INDArray m = TernGradWire.wrap(t);
            allSent.add(m);
            inboxB.onNext(m);
            driver.onNext(m);
        }, inboxA);
        TernGradSparkAccumulator b = new TernGradSparkAccumulator(LAYOUT, new Ternarizer(2.5, 2), (t, it, ep) -> {
            INDArray m = TernGradWire.wrap(t);
            allSent.add(m);
            inboxA.onNext(m);
            driver.onNext(m);
        }, inboxB);

        Random random = new Random(3);
        int steps = 40; // more than TernGradDriverApplier.APPLY_EVERY messages in all
        for (int i = 0; i < steps; i++) {
            step(a, paramsA, gradient(random), i);
            if (i % 3 != 0) { // B is slower: some of its steps see two of A's messages
                step(b, paramsB, gradient(random), i);
            }
        }
        // the last messages of A reached B after B's last step: one more (empty) application, as before a forward pass
        assertTrue(b.hasAnything());
        b.applyUpdate(SGD_STEP, paramsB, Nd4j.createUninitialized(DataType.FLOAT, paramsB.shape()), false);
        assertFalse(a.hasAnything());
        driver.flush();

        float[] expected = theta0.toFloatVector();
        for (INDArray m : allSent) {
            float[] d = TernaryMessageDecoder.decode(m.data().asBytes()).toDense();
            for (int i = 0; i < expected.length; i++) {
                expected[i] -= d[i];
            }
        }
        assertEquals(steps + steps - (steps + 2) / 3, allSent.size());
        assertEquals(allSent.size(), driver.received());
        assertArrayEquals(expected, paramsA.toFloatVector(), 1e-5f);
        assertArrayEquals(expected, paramsB.toFloatVector(), 1e-5f);
        assertArrayEquals(expected, paramsDriver.toFloatVector(), 1e-5f);
        assertEquals(steps, a.sent());
        assertEquals(TernaryMessage.sizeInBytes(LAYOUT.count(), LAYOUT.totalLength()) * steps, a.bytesSent());
        // one scaler per segment really travels: the segments' scalers differ when their gradients' scales do
        TernaryMessage first = TernaryMessageDecoder.decode(allSent.get(0).data().asBytes());
        assertEquals(3, first.segmentCount());
        assertTrue(first.scaler(0) > 10 * first.scaler(1), "scalers " + java.util.Arrays.toString(first.scalers()));
    }

    @Test
    void nonFiniteUpdateIsRefusedBeforeAnythingIsSent() {
        INDArray params = Nd4j.zeros(DataType.FLOAT, 1, LAYOUT.totalLength());
        List<INDArray> sent = new ArrayList<>();
        TernGradSparkAccumulator acc = new TernGradSparkAccumulator(LAYOUT, new Ternarizer(2.5, 1),
                (t, it, ep) -> sent.add(TernGradWire.wrap(t)), new TernaryInbox(params, LAYOUT));
        float[] g = gradient(new Random(1));
        g[62] = Float.NaN; // 0_b, index 2
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> acc.storeUpdate(Nd4j.createFromArray(g).reshape(1, g.length), 7, 0));
        assertTrue(e.getMessage().contains("0_b"), e.getMessage());
        assertTrue(sent.isEmpty());
        assertFalse(acc.hasAnything());
        assertEquals(0, acc.sent());
    }

    @Test
    void foreignOrMismatchedMessagesAreRefusedWithTheReason() {
        INDArray params = Nd4j.zeros(DataType.FLOAT, 1, LAYOUT.totalLength());
        TernaryInbox inbox = new TernaryInbox(params, LAYOUT);
        // DL4J's own threshold/bitmap messages are INT vectors
        inbox.onNext(Nd4j.createFromArray(new int[] {4, 100, 0, 3, 1, 2, 3, 4}));
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class, inbox::drain);
        assertTrue(e.getMessage().contains("INT") && e.getMessage().contains("not a TernGrad message"), e.getMessage());

        TernGradDriverApplier driver = new TernGradDriverApplier(params.dup(), LAYOUT, SGD_STEP);
        SegmentLayout other = SegmentLayout.of(50);
        driver.onNext(TernGradWire.wrap(new Ternarizer(2.5, 1).encode(new float[50], other)));
        IllegalStateException d = assertThrows(IllegalStateException.class, driver::flush);
        assertTrue(d.getMessage().contains("50 parameters but this model has 100"), d.getMessage());
        assertEquals(0, driver.received());
    }

    /** Issue 16, item 7's sibling on Spark: same total (100), other per-layer cut (50+50 vs 60+5+35). */
    @Test
    void messageCutDifferentlyWithTheSameTotalIsRefusedByInboxAndDriver() {
        INDArray params = Nd4j.rand(DataType.FLOAT, 1, LAYOUT.totalLength());
        INDArray before = params.dup();
        SegmentLayout otherCut = SegmentLayout.of(50, 50);
        float[] g = new float[100];
        java.util.Arrays.fill(g, 0.5f);
        INDArray foreign = TernGradWire.wrap(new Ternarizer(2.5, 1).encode(g, otherCut));

        TernaryInbox inbox = new TernaryInbox(params, LAYOUT);
        inbox.onNext(foreign);
        MalformedTernaryMessageException e = assertThrows(MalformedTernaryMessageException.class, inbox::drain);
        assertTrue(e.getMessage().contains("2 layers") && e.getMessage().contains("has 3"), e.getMessage());
        assertEquals(0, inbox.received());

        TernGradDriverApplier driver = new TernGradDriverApplier(params, LAYOUT, SGD_STEP);
        driver.onNext(foreign);
        IllegalStateException d = assertThrows(IllegalStateException.class, driver::flush);
        assertTrue(d.getMessage().contains("2 layers"), d.getMessage());
        assertEquals(0, driver.received());
        assertEquals(before, params);

        // same count, other lengths: the first differing layer is named
        SegmentLayout shifted = SegmentLayout.of(61, 4, 35);
        inbox = new TernaryInbox(params, LAYOUT);
        inbox.onNext(TernGradWire.wrap(new Ternarizer(2.5, 1).encode(g, shifted)));
        e = assertThrows(MalformedTernaryMessageException.class, inbox::drain);
        assertTrue(e.getMessage().contains("Layer 0 (0_W)") && e.getMessage().contains("expects 60"), e.getMessage());
    }

    private static void step(TernGradSparkAccumulator acc, INDArray params, float[] g, int iteration) {
        INDArray update = Nd4j.createFromArray(g).reshape(1, g.length);
        acc.storeUpdate(update, iteration, 0);
        acc.applyUpdate(SGD_STEP, params, update, true);
    }

    /** Layer-like scales: 0_W ~ 1, 0_b ~ 0.01, 1_W ~ 0.1. */
    private static float[] gradient(Random random) {
        float[] g = new float[LAYOUT.totalLength()];
        double[] scale = {1, 0.01, 0.1};
        for (int s = 0; s < LAYOUT.count(); s++) {
            for (int i = 0; i < LAYOUT.length(s); i++) {
                g[LAYOUT.offset(s) + i] = (float) (scale[s] * random.nextGaussian());
            }
        }
        return g;
    }
}
