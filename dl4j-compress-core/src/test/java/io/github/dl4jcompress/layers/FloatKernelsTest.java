package io.github.dl4jcompress.layers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * {@link FloatKernels}, scalar and SIMD, against double-precision loops for every tail length and offsets inside a larger
 * array; the SIMD affine maps equal the scalar ones exactly (same operations in the same order).
 */
class FloatKernelsTest {

    private static List<FloatKernels> kernels() {
        assertNotSame(FloatKernels.scalar(), FloatKernels.fast(), "tests run with --add-modules jdk.incubator.vector: SIMD kernels must load");
        return List.of(FloatKernels.scalar(), FloatKernels.fast());
    }

    @Test
    void sumsSquaredDeviationsAndCentredDotsEqualDoubleLoopsForEveryTailLength() {
        Random r = new Random(11);
        float[] x = new float[200];
        float[] y = new float[200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() + 0.5);
            y[i] = (float) r.nextGaussian();
        }
        float mu = 0.37f;
        for (FloatKernels k : kernels()) {
            for (int off : new int[]{0, 3, 17}) {
                for (int len = 0; len <= 100; len++) {
                    double sum = 0, sq = 0, dot = 0, scale = 1e-6;
                    for (int i = off; i < off + len; i++) {
                        sum += x[i];
                        sq += (x[i] - mu) * (double) (x[i] - mu);
                        dot += (double) y[i] * (x[i] - mu);
                        scale += Math.abs(x[i]) * (1 + Math.abs(x[i]) + Math.abs(y[i]));
                    }
                    String where = " " + k.getClass().getSimpleName() + " off=" + off + " len=" + len;
                    assertEquals(sum, k.sum(x, off, len), 1e-6 * scale, "sum" + where);
                    assertEquals(sq, k.squaredDeviation(x, off, len, mu), 1e-6 * scale, "squares" + where);
                    assertEquals(dot, k.centredDot(y, x, off, len, mu), 1e-6 * scale, "dot" + where);
                }
            }
        }
    }

    @Test
    void affineMapsEqualTheFormulasAndWriteOnlyTheirRun() {
        Random r = new Random(12);
        float[] x = new float[150];
        float[] e = new float[150];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            e[i] = (float) r.nextGaussian();
        }
        for (FloatKernels k : kernels()) {
            for (int len = 0; len <= 70; len++) {
                float[] out = new float[len + 10];
                float[] grad = new float[len + 10];
                java.util.Arrays.fill(out, 7f);
                java.util.Arrays.fill(grad, 7f);
                k.affine(x, 5, out, 3, len, 0.2f, 1.7f, 0.9f, -0.3f);
                k.inputGradient(e, x, 5, grad, 3, len, 1.1f, 0.05f, 0.2f, 1.7f, -0.4f);
                for (int i = 0; i < out.length; i++) {
                    boolean inside = i >= 3 && i < 3 + len;
                    float wantY = inside ? (x[5 + i - 3] - 0.2f) * 1.7f * 0.9f - 0.3f : 7f;
                    float wantDx = inside ? 1.1f * (e[5 + i - 3] - 0.05f - (x[5 + i - 3] - 0.2f) * 1.7f * -0.4f) : 7f;
                    String where = k.getClass().getSimpleName() + " len=" + len + " i=" + i;
                    assertEquals(wantY, out[i], "affine " + where);
                    assertEquals(wantDx, grad[i], "input gradient " + where);
                }
            }
        }
    }

    @Test
    void elementsOutsideTheRunAreNotRead() {
        float[] x = {1e30f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 1e30f};
        for (FloatKernels k : kernels()) {
            assertEquals(45f, k.sum(x, 1, 9));
            assertEquals(60f, k.centredDot(x, x, 1, 9, 5f));
            assertEquals(60f, k.squaredDeviation(x, 1, 9, 5f));
        }
    }

    @Test
    void reluAndItsGradientEqualTheScalarDefinitionIncludingSignedZerosAndTails() {
        Random r = new Random(13);
        for (FloatKernels k : kernels()) {
            for (int len = 0; len <= 70; len++) {
                float[] x = new float[len + 3];
                float[] e = new float[len + 3];
                for (int i = 0; i < x.length; i++) {
                    int kind = r.nextInt(6);
                    x[i] = kind == 0 ? 0f : kind == 1 ? -0f : kind == 2 ? Float.MIN_VALUE : kind == 3 ? -Float.MIN_VALUE : (float) r.nextGaussian();
                    e[i] = (float) r.nextGaussian();
                }
                float[] y = new float[len + 3];
                float[] dx = new float[len + 3];
                java.util.Arrays.fill(y, 7f);
                java.util.Arrays.fill(dx, 7f);
                k.relu(x, y, len);
                k.reluGradient(x, e, dx, len);
                for (int i = 0; i < x.length; i++) {
                    String where = k.getClass().getSimpleName() + " len=" + len + " i=" + i + " x=" + x[i];
                    assertEquals(i < len ? (x[i] > 0f ? x[i] : 0f) : 7f, y[i], "relu " + where);
                    assertEquals(Float.floatToIntBits(i < len ? (x[i] > 0f ? e[i] : 0f) : 7f), Float.floatToIntBits(dx[i]), "gradient " + where);
                }
            }
        }
    }
}
