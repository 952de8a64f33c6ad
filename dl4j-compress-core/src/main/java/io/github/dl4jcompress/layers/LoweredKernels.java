package io.github.dl4jcompress.layers;

/**
 * Plain-Java kernels of the lowered convolution on NCHW float data: im2col over the kept kernel positions only,
 * its adjoint col2im (scatter-add), and a small row-major GEMM {@code C[m,n] = A[m,k] B[k,n]} used when the matrices
 * are too small for a native BLAS call to pay for its fixed cost.
 *
 * <p>Column matrix layout: row {@code k} is kept position {@code (c, ky, kx)}, column {@code j = (n*oh + oy)*ow + ox};
 * {@code col[k][j] = x[n, c, oy*sh + ky - ph, ox*sw + kx - pw]} (0 outside the image).
 */
final class LoweredKernels {

    private static final int TILE = 512;

    private LoweredKernels() {
    }

    static void im2col(float[] x, int mb, int channels, int h, int w, int[] pc, int[] py, int[] px,
                       int sh, int sw, int ph, int pw, int oh, int ow, float[] col) {
        int m = mb * oh * ow;
        int plane = h * w;
        for (int k = 0; k < pc.length; k++) {
            int rowBase = k * m;
            int cOff = pc[k] * plane;
            int ky = py[k] - ph;
            int kx = px[k] - pw;
            int oxLo = Math.max(0, ceilDiv(-kx, sw));
            int oxHi = Math.min(ow, ceilDiv(w - kx, sw));
            for (int n = 0; n < mb; n++) {
                int xBase = n * channels * plane + cOff;
                for (int oy = 0; oy < oh; oy++) {
                    int dst = rowBase + (n * oh + oy) * ow;
                    int iy = oy * sh + ky;
                    if (iy < 0 || iy >= h || oxLo >= oxHi) {
                        java.util.Arrays.fill(col, dst, dst + ow, 0f);
                        continue;
                    }
                    for (int ox = 0; ox < oxLo; ox++) {
                        col[dst + ox] = 0f;
                    }
                    int src = xBase + iy * w + kx;
                    if (sw == 1) {
                        System.arraycopy(x, src + oxLo, col, dst + oxLo, oxHi - oxLo);
                    } else {
                        for (int ox = oxLo; ox < oxHi; ox++) {
                            col[dst + ox] = x[src + ox * sw];
                        }
                    }
                    for (int ox = oxHi; ox < ow; ox++) {
                        col[dst + ox] = 0f;
                    }
                }
            }
        }
    }

    /** Adjoint of {@link #im2col}: {@code dx[n, c, iy, ix] += col[k][j]} for every kept position; dx is not cleared. */
    static void col2imAdd(float[] col, int mb, int channels, int h, int w, int[] pc, int[] py, int[] px,
                          int sh, int sw, int ph, int pw, int oh, int ow, float[] dx) {
        int m = mb * oh * ow;
        int plane = h * w;
        for (int k = 0; k < pc.length; k++) {
            int rowBase = k * m;
            int cOff = pc[k] * plane;
            int ky = py[k] - ph;
            int kx = px[k] - pw;
            int oxLo = Math.max(0, ceilDiv(-kx, sw));
            int oxHi = Math.min(ow, ceilDiv(w - kx, sw));
            for (int n = 0; n < mb; n++) {
                int xBase = n * channels * plane + cOff;
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * sh + ky;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    int srcRow = rowBase + (n * oh + oy) * ow;
                    int dst = xBase + iy * w + kx;
                    for (int ox = oxLo; ox < oxHi; ox++) {
                        dx[dst + ox * sw] += col[srcRow + ox];
                    }
                }
            }
        }
    }

    /** {@code c[m][n] = a[m][k] * b[k][n]}, all row-major and dense; tiled over n so a tile of b stays in cache. */
    static void gemm(float[] a, int m, int k, float[] b, int n, float[] c) {
        java.util.Arrays.fill(c, 0, m * n, 0f);
        for (int j0 = 0; j0 < n; j0 += TILE) {
            int j1 = Math.min(n, j0 + TILE);
            for (int i = 0; i < m; i++) {
                int cRow = i * n;
                int aRow = i * k;
                for (int p = 0; p < k; p++) {
                    float av = a[aRow + p];
                    if (av == 0f) {
                        continue;
                    }
                    int bRow = p * n;
                    for (int j = j0; j < j1; j++) {
                        c[cRow + j] += av * b[bRow + j];
                    }
                }
            }
        }
    }

    /** Smallest integer &gt;= a / b for b &gt; 0. */
    static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
