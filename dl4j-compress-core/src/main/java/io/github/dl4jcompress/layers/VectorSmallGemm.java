package io.github.dl4jcompress.layers;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD {@link SmallGemm} (JDK Vector API, 512- or 256-bit float vectors): {@code product} keeps a 4-row by
 * 2-vector block of {@code c} in registers over the whole depth (one load of {@code b} feeds four FMAs), column
 * edges by whole vectors stored through a scratch array (no masks); {@code ntAdd} a 4 x 4 block of dot products,
 * edges by scalar loops. Loaded only when {@code jdk.incubator.vector} is
 * present.
 */
final class VectorSmallGemm extends SmallGemm {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int V = F.length();

    static final VectorSmallGemm INSTANCE = new VectorSmallGemm();

    private VectorSmallGemm() {
    }

    /** Columns of {@code b} and {@code c} per chunk, so that a chunk of {@code b} stays in cache across all rows. */
    private static final int CHUNK = 256;

    @Override
    void product(float[] a, int rs, int ds, int rows, int depth, float[] b, int n, float[] c, int cOff) {
        float[] pad = new float[V];
        float[] tmp = new float[V];
        for (int j0 = 0; j0 < n; j0 += CHUNK) {
            int j1 = Math.min(n, j0 + CHUNK);
            int i = 0;
            for (; i + 4 <= rows; i += 4) {
                block4(a, i * rs, rs, ds, depth, b, n, c, cOff + i * n, j0, j1, pad, tmp);
            }
            for (; i < rows; i++) {
                int ar = i * rs;
                int cRow = cOff + i * n;
                for (int j = j0; j < j1; j += V) {
                    int inside = inside(b.length, depth, n, j);
                    FloatVector acc = FloatVector.zero(F);
                    for (int p = 0; p < inside; p++) {
                        acc = FloatVector.broadcast(F, a[ar + p * ds]).fma(FloatVector.fromArray(F, b, p * n + j), acc);
                    }
                    for (int p = inside; p < depth; p++) {
                        acc = FloatVector.broadcast(F, a[ar + p * ds]).fma(padded(b, p * n + j, pad), acc);
                    }
                    store(acc, c, cRow + j, Math.min(V, j1 - j), tmp);
                }
            }
        }
    }

    /** The rows {@code p < depth} whose vector at {@code b[p*n + j]} lies inside the array: all but the last few. */
    private static int inside(int length, int depth, int n, int j) {
        int room = length - j - V;
        return room < 0 ? 0 : Math.min(depth, room / n + 1);
    }

    /**
     * {@code b[o, end of b)} in the first lanes, zeros after (for the one vector that would read past the array).
     * Tail vectors elsewhere read whole vectors past the tile's last column: those lanes hold other data, harmless
     * since lanes never mix and they are not stored. No vector masks: on JDK 17 their creation and tests are not
     * intrinsified (see VectorTernaryKernel).
     */
    private static FloatVector padded(float[] b, int o, float[] pad) {
        java.util.Arrays.fill(pad, 0f);
        System.arraycopy(b, o, pad, 0, Math.min(V, b.length - o));
        return FloatVector.fromArray(F, pad, 0);
    }

    /** The first {@code count} lanes of {@code v} into {@code c[o..)}. */
    private static void store(FloatVector v, float[] c, int o, int count, float[] tmp) {
        if (count == V) {
            v.intoArray(c, o);
        } else {
            v.intoArray(tmp, 0);
            System.arraycopy(tmp, 0, c, o, count);
        }
    }

    /** Rows {@code [i, i+4)} of {@code c} (first at {@code cRow}), columns {@code [j0, j1)}; a partial last vector through {@code tmp}. */
    private static void block4(float[] a, int a0, int rs, int ds, int depth, float[] b, int n, float[] c, int cRow, int j0, int j1,
                               float[] pad, float[] tmp) {
        int a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
        int j = j0;
        for (; j + 2 * V <= j1; j += 2 * V) {
            FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int p = 0; p < depth; p++) {
                int bo = p * n + j;
                FloatVector b0 = FloatVector.fromArray(F, b, bo);
                FloatVector b1 = FloatVector.fromArray(F, b, bo + V);
                int ao = p * ds;
                FloatVector w0 = FloatVector.broadcast(F, a[a0 + ao]);
                FloatVector w1 = FloatVector.broadcast(F, a[a1 + ao]);
                FloatVector w2 = FloatVector.broadcast(F, a[a2 + ao]);
                FloatVector w3 = FloatVector.broadcast(F, a[a3 + ao]);
                c00 = w0.fma(b0, c00);
                c01 = w0.fma(b1, c01);
                c10 = w1.fma(b0, c10);
                c11 = w1.fma(b1, c11);
                c20 = w2.fma(b0, c20);
                c21 = w2.fma(b1, c21);
                c30 = w3.fma(b0, c30);
                c31 = w3.fma(b1, c31);
            }
            c00.intoArray(c, cRow + j);
            c01.intoArray(c, cRow + j + V);
            c10.intoArray(c, cRow + n + j);
            c11.intoArray(c, cRow + n + j + V);
            c20.intoArray(c, cRow + 2 * n + j);
            c21.intoArray(c, cRow + 2 * n + j + V);
            c30.intoArray(c, cRow + 3 * n + j);
            c31.intoArray(c, cRow + 3 * n + j + V);
        }
        for (; j < j1; j += V) {
            int inside = inside(b.length, depth, n, j);
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            for (int p = 0; p < inside; p++) {
                FloatVector bv = FloatVector.fromArray(F, b, p * n + j);
                int ao = p * ds;
                c0 = FloatVector.broadcast(F, a[a0 + ao]).fma(bv, c0);
                c1 = FloatVector.broadcast(F, a[a1 + ao]).fma(bv, c1);
                c2 = FloatVector.broadcast(F, a[a2 + ao]).fma(bv, c2);
                c3 = FloatVector.broadcast(F, a[a3 + ao]).fma(bv, c3);
            }
            for (int p = inside; p < depth; p++) {
                FloatVector bv = padded(b, p * n + j, pad);
                int ao = p * ds;
                c0 = FloatVector.broadcast(F, a[a0 + ao]).fma(bv, c0);
                c1 = FloatVector.broadcast(F, a[a1 + ao]).fma(bv, c1);
                c2 = FloatVector.broadcast(F, a[a2 + ao]).fma(bv, c2);
                c3 = FloatVector.broadcast(F, a[a3 + ao]).fma(bv, c3);
            }
            int count = Math.min(V, j1 - j);
            store(c0, c, cRow + j, count, tmp);
            store(c1, c, cRow + n + j, count, tmp);
            store(c2, c, cRow + 2 * n + j, count, tmp);
            store(c3, c, cRow + 3 * n + j, count, tmp);
        }
    }

    @Override
    void productRows(float[] a, int rs, int ds, int rows, int depth, float[] b, int[] bRow, int n, float[] c) {
        if (n % V != 0) {
            throw new IllegalArgumentException("internal: productRows needs whole vectors, n = " + n);
        }
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            int a0 = i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs;
            int c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
            int j = 0;
            for (; j + 2 * V <= n; j += 2 * V) {
                FloatVector s00 = FloatVector.zero(F), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
                for (int p = 0; p < depth; p++) {
                    int bo = bRow[p] + j;
                    FloatVector y0 = FloatVector.fromArray(F, b, bo);
                    FloatVector y1 = FloatVector.fromArray(F, b, bo + V);
                    int ao = p * ds;
                    FloatVector w = FloatVector.broadcast(F, a[a0 + ao]);
                    s00 = w.fma(y0, s00);
                    s01 = w.fma(y1, s01);
                    w = FloatVector.broadcast(F, a[a1 + ao]);
                    s10 = w.fma(y0, s10);
                    s11 = w.fma(y1, s11);
                    w = FloatVector.broadcast(F, a[a2 + ao]);
                    s20 = w.fma(y0, s20);
                    s21 = w.fma(y1, s21);
                    w = FloatVector.broadcast(F, a[a3 + ao]);
                    s30 = w.fma(y0, s30);
                    s31 = w.fma(y1, s31);
                }
                s00.intoArray(c, c0 + j);
                s01.intoArray(c, c0 + j + V);
                s10.intoArray(c, c1 + j);
                s11.intoArray(c, c1 + j + V);
                s20.intoArray(c, c2 + j);
                s21.intoArray(c, c2 + j + V);
                s30.intoArray(c, c3 + j);
                s31.intoArray(c, c3 + j + V);
            }
            for (; j < n; j += V) {
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0; p < depth; p++) {
                    FloatVector y = FloatVector.fromArray(F, b, bRow[p] + j);
                    int ao = p * ds;
                    s0 = FloatVector.broadcast(F, a[a0 + ao]).fma(y, s0);
                    s1 = FloatVector.broadcast(F, a[a1 + ao]).fma(y, s1);
                    s2 = FloatVector.broadcast(F, a[a2 + ao]).fma(y, s2);
                    s3 = FloatVector.broadcast(F, a[a3 + ao]).fma(y, s3);
                }
                s0.intoArray(c, c0 + j);
                s1.intoArray(c, c1 + j);
                s2.intoArray(c, c2 + j);
                s3.intoArray(c, c3 + j);
            }
        }
        for (; i < rows; i++) {
            int a0 = i * rs;
            for (int j = 0; j < n; j += V) {
                FloatVector s0 = FloatVector.zero(F);
                for (int p = 0; p < depth; p++) {
                    s0 = FloatVector.broadcast(F, a[a0 + p * ds]).fma(FloatVector.fromArray(F, b, bRow[p] + j), s0);
                }
                s0.intoArray(c, i * n + j);
            }
        }
    }

    @Override
    void ntAddRows(float[] a, int m, int n, float[] b, int[] bRow, int k, float[] c) {
        int jv = n / V * V;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int q = 0;
            for (; q + 4 <= k; q += 4) {
                dot4x4(a, i * n, n, b, bRow[q], bRow[q + 1], bRow[q + 2], bRow[q + 3], 0, jv, n, c, i * k + q, k);
            }
            for (; q < k; q++) {
                for (int r = 0; r < 4; r++) {
                    c[(i + r) * k + q] += dot(a, (i + r) * n, b, bRow[q], 0, jv, n);
                }
            }
        }
        for (; i < m; i++) {
            for (int q = 0; q < k; q++) {
                c[i * k + q] += dot(a, i * n, b, bRow[q], 0, jv, n);
            }
        }
    }

    /**
     * Length of the slices of the dot products in {@code ntAdd}, so that the rows of a slice stay in cache (a lowered
     * layer passes one group of images, a few hundred to a few thousand columns: usually one slice).
     */
    private static final int DOT_CHUNK = 4096;

    /** {@code c[m, k] += a[m, n] b[k, n]^T}: 4 x 4 blocks of dot products (8 loads feed 16 FMAs), then 4 x 1 and 1 x 1. */
    @Override
    void ntAdd(float[] a, int m, int n, float[] b, int k, float[] c) {
        for (int j0 = 0; j0 < n; j0 += DOT_CHUNK) {
            int j1 = Math.min(n, j0 + DOT_CHUNK);
            int jv = j0 + (j1 - j0) / V * V;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                int a0 = i * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
                int q = 0;
                for (; q + 4 <= k; q += 4) {
                    dot4x4(a, a0, n, b, q * n, (q + 1) * n, (q + 2) * n, (q + 3) * n, j0, jv, j1, c, i * k + q, k);
                }
                for (; q < k; q++) {
                    for (int r = 0; r < 4; r++) {
                        c[(i + r) * k + q] += dot(a, (i + r) * n, b, q * n, j0, jv, j1);
                    }
                }
            }
            for (; i < m; i++) {
                for (int q = 0; q < k; q++) {
                    c[i * k + q] += dot(a, i * n, b, q * n, j0, jv, j1);
                }
            }
        }
    }

    /**
     * {@code c[co + r*k + s] += sum_j a[a0 + r*n + j] b[bs + j]} for {@code r, s < 4}, {@code j in [from, to)}
     * (vectors up to {@code jv}, then scalars).
     */
    private static void dot4x4(float[] a, int a0, int n, float[] b, int b0, int b1, int b2, int b3, int from, int jv, int to,
                               float[] c, int co, int k) {
        int a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        for (int j = from; j < jv; j += V) {
            FloatVector y0 = FloatVector.fromArray(F, b, b0 + j);
            FloatVector y1 = FloatVector.fromArray(F, b, b1 + j);
            FloatVector y2 = FloatVector.fromArray(F, b, b2 + j);
            FloatVector y3 = FloatVector.fromArray(F, b, b3 + j);
            FloatVector x = FloatVector.fromArray(F, a, a0 + j);
            s00 = x.fma(y0, s00);
            s01 = x.fma(y1, s01);
            s02 = x.fma(y2, s02);
            s03 = x.fma(y3, s03);
            x = FloatVector.fromArray(F, a, a1 + j);
            s10 = x.fma(y0, s10);
            s11 = x.fma(y1, s11);
            s12 = x.fma(y2, s12);
            s13 = x.fma(y3, s13);
            x = FloatVector.fromArray(F, a, a2 + j);
            s20 = x.fma(y0, s20);
            s21 = x.fma(y1, s21);
            s22 = x.fma(y2, s22);
            s23 = x.fma(y3, s23);
            x = FloatVector.fromArray(F, a, a3 + j);
            s30 = x.fma(y0, s30);
            s31 = x.fma(y1, s31);
            s32 = x.fma(y2, s32);
            s33 = x.fma(y3, s33);
        }
        c[co] += s00.reduceLanes(VectorOperators.ADD) + dotTail(a, a0, b, b0, jv, to);
        c[co + 1] += s01.reduceLanes(VectorOperators.ADD) + dotTail(a, a0, b, b1, jv, to);
        c[co + 2] += s02.reduceLanes(VectorOperators.ADD) + dotTail(a, a0, b, b2, jv, to);
        c[co + 3] += s03.reduceLanes(VectorOperators.ADD) + dotTail(a, a0, b, b3, jv, to);
        co += k;
        c[co] += s10.reduceLanes(VectorOperators.ADD) + dotTail(a, a1, b, b0, jv, to);
        c[co + 1] += s11.reduceLanes(VectorOperators.ADD) + dotTail(a, a1, b, b1, jv, to);
        c[co + 2] += s12.reduceLanes(VectorOperators.ADD) + dotTail(a, a1, b, b2, jv, to);
        c[co + 3] += s13.reduceLanes(VectorOperators.ADD) + dotTail(a, a1, b, b3, jv, to);
        co += k;
        c[co] += s20.reduceLanes(VectorOperators.ADD) + dotTail(a, a2, b, b0, jv, to);
        c[co + 1] += s21.reduceLanes(VectorOperators.ADD) + dotTail(a, a2, b, b1, jv, to);
        c[co + 2] += s22.reduceLanes(VectorOperators.ADD) + dotTail(a, a2, b, b2, jv, to);
        c[co + 3] += s23.reduceLanes(VectorOperators.ADD) + dotTail(a, a2, b, b3, jv, to);
        co += k;
        c[co] += s30.reduceLanes(VectorOperators.ADD) + dotTail(a, a3, b, b0, jv, to);
        c[co + 1] += s31.reduceLanes(VectorOperators.ADD) + dotTail(a, a3, b, b1, jv, to);
        c[co + 2] += s32.reduceLanes(VectorOperators.ADD) + dotTail(a, a3, b, b2, jv, to);
        c[co + 3] += s33.reduceLanes(VectorOperators.ADD) + dotTail(a, a3, b, b3, jv, to);
    }

    /** {@code sum_{j in [from, to)} a[ao + j] b[bo + j]}, vectors up to {@code jv}. */
    private static float dot(float[] a, int ao, float[] b, int bo, int from, int jv, int to) {
        FloatVector s = FloatVector.zero(F);
        for (int j = from; j < jv; j += V) {
            s = FloatVector.fromArray(F, a, ao + j).fma(FloatVector.fromArray(F, b, bo + j), s);
        }
        return s.reduceLanes(VectorOperators.ADD) + dotTail(a, ao, b, bo, jv, to);
    }

    private static float dotTail(float[] a, int ao, float[] b, int bo, int from, int to) {
        float s = 0f;
        for (int j = from; j < to; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }
}
