package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Micro-measurement behind the choice of primitive loops in {@link Ternarizer}: ternarizes 1M floats with the
 * loop implementation and with an equivalent chain of ND4J ops, and times encode / serialize / decode.
 * Off by default (the build machine is shared); run with {@code -Dterngrad.bench=true}.
 */
@EnabledIfSystemProperty(named = "terngrad.bench", matches = "true")
class TernarizerSpeedTest {

    private static final int N = 1_000_000;
    private static final int WARMUP = 15;
    private static final int ROUNDS = 20;

    /** The same algorithm as ND4J ops (no 2-bit packing, which ND4J cannot do). */
    private static INDArray ternarizeWithNd4j(INDArray g, double clipFactor) {
        if (BooleanIndexing.or(g, Conditions.notFinite())) {
            throw new IllegalArgumentException("non-finite");
        }
        double bound = clipFactor * g.stdNumber(false).doubleValue();
        INDArray clipped = Transforms.max(Transforms.min(g, bound, true), -bound, false);
        INDArray abs = Transforms.abs(clipped, true);
        double s = abs.maxNumber().doubleValue();
        INDArray keep = Nd4j.rand(DataType.FLOAT, g.shape()).lt(abs.divi(s)).castTo(DataType.FLOAT);
        return Transforms.sign(clipped, false).muli(keep).muli(s);
    }

    private interface Body {
        void run();
    }

    private static double millisPerCall(Body body) {
        for (int i = 0; i < WARMUP; i++) {
            body.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < ROUNDS; i++) {
            body.run();
        }
        return (System.nanoTime() - start) / 1e6 / ROUNDS;
    }

    @Test
    void compareLoopAndNd4jOnOneMillionElements() {
        Random random = new Random(1);
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            g[i] = (float) (random.nextGaussian() * 1e-3);
        }
        SegmentLayout layout = SegmentLayout.single(N);
        Ternarizer ternarizer = new Ternarizer(1);
        Nd4j.getRandom().setSeed(1);
        INDArray gArray = Nd4j.createFromArray(g);
        float[] scratch = new float[N];

        double loopInPlace = millisPerCall(() -> {
            System.arraycopy(g, 0, scratch, 0, N);
            ternarizer.ternarizeInPlace(scratch, layout);
        });
        double nd4j = millisPerCall(() -> ternarizeWithNd4j(gArray, 2.5));
        double loopEncode = millisPerCall(() -> ternarizer.encode(g, layout));
        TernaryMessage message = ternarizer.encode(g, layout);
        byte[][] bytes = new byte[1][];
        double serialize = millisPerCall(() -> bytes[0] = message.toBytes());
        double decode = millisPerCall(() -> TernaryMessageDecoder.decode(bytes[0]).addTo(scratch, 0));

        System.out.printf("TernGrad codec, %d floats, OMP_NUM_THREADS=%s, ms/call over %d rounds:%n", N,
                System.getenv("OMP_NUM_THREADS"), ROUNDS);
        System.out.printf("  loop ternarizeInPlace : %.2f%n", loopInPlace);
        System.out.printf("  ND4J ops ternarize    : %.2f%n", nd4j);
        System.out.printf("  loop encode (2-bit)   : %.2f%n", loopEncode);
        System.out.printf("  toBytes               : %.2f  (%d bytes)%n", serialize, bytes[0].length);
        System.out.printf("  decode + addTo        : %.2f%n", decode);
        assertEquals(message.sizeInBytes(), bytes[0].length);
    }
}
