package io.github.dl4jcompress.layers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link SmallGemm} kernel against double-precision loops, over shapes that hit every block edge and tail. */
class SmallGemmTest {

    private static List<SmallGemm> kernels() {
        SmallGemm v = SmallGemm.simd();
        assertNotNull(v, "tests run with --add-modules jdk.incubator.vector, so the SIMD kernel must load");
        return List.of(v);
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** max |got - want| / max |want|. */
    private static double relDiff(double[] want, float[] got) {
        double num = 0, den = 1e-30;
        for (int i = 0; i < want.length; i++) {
            num = Math.max(num, Math.abs(got[i] - want[i]));
            den = Math.max(den, Math.abs(want[i]));
        }
        return num / den;
    }

    @Test
    void nnTnAndNtEqualDoublePrecisionProductsOnEdgeShapes() {
        Random r = new Random(5);
        int[] rowsCases = {1, 3, 4, 5, 8, 9, 21};
        int[] depthCases = {1, 2, 7, 25};
        int[] widthCases = {1, 15, 16, 33, 64, 257, 600};
        for (SmallGemm g : kernels()) {
            for (int m : rowsCases) {
                for (int k : depthCases) {
                    for (int n : widthCases) {
                        String where = g.getClass().getSimpleName() + " m=" + m + " k=" + k + " n=" + n;
                        float[] a = random(r, m * k);
                        float[] b = random(r, k * n);
                        float[] c = random(r, m * n); // garbage must be overwritten
                        g.nn(a, m, k, b, n, c);
                        double[] want = new double[m * n];
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                for (int p = 0; p < k; p++) {
                                    want[i * n + j] += (double) a[i * k + p] * b[p * n + j];
                                }
                            }
                        }
                        assertTrue(relDiff(want, c) < 1e-5, "nn " + where + ": " + relDiff(want, c));

                        float[] bt = random(r, m * n);
                        float[] ct = random(r, k * n);
                        g.tn(a, m, k, bt, n, ct);
                        double[] wantT = new double[k * n];
                        for (int q = 0; q < k; q++) {
                            for (int j = 0; j < n; j++) {
                                for (int i = 0; i < m; i++) {
                                    wantT[q * n + j] += (double) a[i * k + q] * bt[i * n + j];
                                }
                            }
                        }
                        assertTrue(relDiff(wantT, ct) < 1e-5, "tn " + where + ": " + relDiff(wantT, ct));

                        float[] x = random(r, m * n);
                        float[] y = random(r, k * n);
                        float[] d = random(r, m * k);
                        g.nt(x, m, n, y, k, d);
                        double[] wantD = new double[m * k];
                        for (int i = 0; i < m; i++) {
                            for (int q = 0; q < k; q++) {
                                for (int j = 0; j < n; j++) {
                                    wantD[i * k + q] += (double) x[i * n + j] * y[q * n + j];
                                }
                            }
                        }
                        assertTrue(relDiff(wantD, d) < 1e-5, "nt " + where + ": " + relDiff(wantD, d));
                    }
                }
            }
        }
    }

    @Test
    void nnIntoASliceWritesOnlyThatSlice() {
        Random r = new Random(9);
        SmallGemm g = kernels().get(0);
        for (int n : new int[]{10, 17, 64, 96}) {
            int m = 6, k = 25, off = 13;
            float[] a = random(r, m * k);
            float[] b = random(r, k * n);
            float[] c = random(r, off + m * n + 7);
            float[] before = c.clone();
            g.nn(a, m, k, b, n, c, off);
            float[] whole = new float[m * n];
            g.nn(a, m, k, b, n, whole);
            for (int i = 0; i < c.length; i++) {
                float want = i >= off && i < off + m * n ? whole[i - off] : before[i];
                assertTrue(c[i] == want, "n=" + n + " index " + i + ": " + c[i] + " != " + want);
            }
        }
    }

    /**
     * The implicit-GEMM kernels read row {@code p} of {@code B} at an arbitrary (overlapping) offset: productRows writes
     * {@code c = A B} whole, ntAddRows adds {@code a B^T} to what {@code c} held; widths are whole vectors (as callers pad).
     */
    @Test
    void productRowsAndNtAddRowsEqualDoublePrecisionProductsOverShiftedRows() {
        Random r = new Random(13);
        SmallGemm g = kernels().get(0);
        for (int rows : new int[]{1, 3, 4, 7, 16}) {
            for (int depth : new int[]{1, 5, 9, 36}) {
                for (int n : new int[]{16, 48, 64, 848}) {
                    String where = "rows=" + rows + " depth=" + depth + " n=" + n;
                    float[] b = random(r, 3 * n + 64);
                    int[] start = new int[depth];
                    for (int p = 0; p < depth; p++) {
                        start[p] = r.nextInt(2 * n + 32);
                    }
                    float[] a = random(r, rows * depth);
                    float[] c = random(r, rows * n);
                    g.productRows(a, depth, 1, rows, depth, b, start, n, c);
                    double[] want = new double[rows * n];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < n; j++) {
                            for (int p = 0; p < depth; p++) {
                                want[i * n + j] += (double) a[i * depth + p] * b[start[p] + j];
                            }
                        }
                    }
                    assertTrue(relDiff(want, c) < 1e-5, "productRows " + where + ": " + relDiff(want, c));

                    float[] x = random(r, rows * n);
                    float[] d = random(r, rows * depth);
                    double[] wantD = new double[rows * depth];
                    for (int i = 0; i < rows; i++) {
                        for (int q = 0; q < depth; q++) {
                            wantD[i * depth + q] = d[i * depth + q];
                            for (int j = 0; j < n; j++) {
                                wantD[i * depth + q] += (double) x[i * n + j] * b[start[q] + j];
                            }
                        }
                    }
                    g.ntAddRows(x, rows, n, b, start, depth, d);
                    assertTrue(relDiff(wantD, d) < 1e-5, "ntAddRows " + where + ": " + relDiff(wantD, d));
                }
            }
        }
    }
}
