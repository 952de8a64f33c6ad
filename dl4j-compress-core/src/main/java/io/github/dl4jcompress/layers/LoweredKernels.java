package io.github.dl4jcompress.layers;

import java.util.Arrays;

/**
 * Plain-Java kernels of the lowered convolution on NCHW data (float and double): im2col over the kept kernel
 * positions only, its adjoint col2im (scatter-add), and a small row-major float GEMM used when the matrices are too
 * small for a native BLAS call to pay for its fixed cost.
 *
 * <p>Column matrix layout: row {@code k} is kept position {@code (c, ky, kx)}, column {@code j = (n*oh + oy)*ow + ox};
 * {@code col[k][j] = x[n, c, oy*sh + ky - ph, ox*sw + kx - pw]} (0 outside the image). The copy is described once per
 * geometry by a {@link Plan} of runs (one per kept position and output row, inside the image); positions outside the
 * image are never written, so a column buffer zeroed once stays correct for as long as the plan and batch size hold.
 */
final class LoweredKernels {

    private static final int TILE = 512;

    private LoweredKernels() {
    }

    /** Runs of one geometry: run r copies {@code len[r]} inputs from {@code src[r] + i*sw} to {@code row[r]*M + dst[r] + i}. */
    static final class Plan {
        final int channels, h, w, oh, ow, sw, runs;
        final int[] row, src, dst, len;

        Plan(int channels, int h, int w, int[] pc, int[] py, int[] px, int sh, int sw, int ph, int pw, int oh, int ow) {
            this.channels = channels;
            this.h = h;
            this.w = w;
            this.oh = oh;
            this.ow = ow;
            this.sw = sw;
            int cap = pc.length * oh;
            int[] r = new int[cap], s = new int[cap], d = new int[cap], l = new int[cap];
            int n = 0;
            for (int k = 0; k < pc.length; k++) {
                int ky = py[k] - ph;
                int kx = px[k] - pw;
                int oxLo = Math.max(0, ceilDiv(-kx, sw));
                int oxHi = Math.min(ow, ceilDiv(w - kx, sw));
                if (oxLo >= oxHi) {
                    continue;
                }
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * sh + ky;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    r[n] = k;
                    s[n] = pc[k] * h * w + iy * w + oxLo * sw + kx;
                    d[n] = oy * ow + oxLo;
                    l[n] = oxHi - oxLo;
                    n++;
                }
            }
            this.runs = n;
            this.row = Arrays.copyOf(r, n);
            this.src = Arrays.copyOf(s, n);
            this.dst = Arrays.copyOf(d, n);
            this.len = Arrays.copyOf(l, n);
        }

        int imageSize() {
            return channels * h * w;
        }

        int plane() {
            return oh * ow;
        }
    }

    /** {@code col[k][j] = x[...]} at the plan's runs for {@code mb} images; other entries untouched. */
    static void im2col(Plan p, float[] x, int mb, float[] col) {
        im2col(p, x, 0, mb, col);
    }

    /** {@link #im2col(Plan, float[], int, float[])} of the {@code mb} images starting at {@code x[xOff]}. */
    static void im2col(Plan p, float[] x, int xOff, int mb, float[] col) {
        im2col(p, x, xOff, mb, col, mb * p.plane());
    }

    /**
     * {@link #im2col(Plan, float[], int, int, float[])} into a column matrix whose rows are {@code m >= mb*plane}
     * apart (columns past {@code mb*plane} untouched: zero padding for whole vectors).
     */
    static void im2col(Plan p, float[] x, int xOff, int mb, float[] col, int m) {
        for (int r = 0; r < p.runs; r++) {
            int len = p.len[r];
            for (int n = 0; n < mb; n++) {
                int s = xOff + n * p.imageSize() + p.src[r];
                int d = p.row[r] * m + n * p.plane() + p.dst[r];
                if (p.sw == 1) {
                    System.arraycopy(x, s, col, d, len);
                } else {
                    for (int i = 0; i < len; i++) {
                        col[d + i] = x[s + i * p.sw];
                    }
                }
            }
        }
    }

    /** Double version of {@link #im2col(Plan, float[], int, float[])}. */
    static void im2col(Plan p, double[] x, int mb, double[] col) {
        int m = mb * p.plane();
        for (int r = 0; r < p.runs; r++) {
            int len = p.len[r];
            for (int n = 0; n < mb; n++) {
                int s = n * p.imageSize() + p.src[r];
                int d = p.row[r] * m + n * p.plane() + p.dst[r];
                if (p.sw == 1) {
                    System.arraycopy(x, s, col, d, len);
                } else {
                    for (int i = 0; i < len; i++) {
                        col[d + i] = x[s + i * p.sw];
                    }
                }
            }
        }
    }

    /** Adjoint of {@link #im2col}: {@code dx[...] += col[k][j]} at the plan's runs; dx is not cleared. */
    static void col2imAdd(Plan p, float[] col, int mb, float[] dx) {
        col2imAdd(p, col, mb, dx, 0, mb * p.plane());
    }

    /**
     * {@link #col2imAdd(Plan, float[], int, float[])} into the {@code mb} images starting at {@code dx[dxOff]}, from
     * a column matrix whose rows are {@code m >= mb*plane} apart.
     */
    static void col2imAdd(Plan p, float[] col, int mb, float[] dx, int dxOff, int m) {
        int sw = p.sw;
        for (int r = 0; r < p.runs; r++) {
            int len = p.len[r];
            for (int n = 0; n < mb; n++) {
                int s = dxOff + n * p.imageSize() + p.src[r];
                int d = p.row[r] * m + n * p.plane() + p.dst[r];
                if (sw == 1) {
                    // unit stride: a loop the JIT vectorizes
                    for (int i = 0; i < len; i++) {
                        dx[s + i] += col[d + i];
                    }
                } else {
                    for (int i = 0; i < len; i++) {
                        dx[s + i * sw] += col[d + i];
                    }
                }
            }
        }
    }

    /** Double version of {@link #col2imAdd(Plan, float[], int, float[])}. */
    static void col2imAdd(Plan p, double[] col, int mb, double[] dx) {
        int m = mb * p.plane();
        for (int r = 0; r < p.runs; r++) {
            int len = p.len[r];
            for (int n = 0; n < mb; n++) {
                int s = n * p.imageSize() + p.src[r];
                int d = p.row[r] * m + n * p.plane() + p.dst[r];
                for (int i = 0; i < len; i++) {
                    dx[s + i * p.sw] += col[d + i];
                }
            }
        }
    }

    /** {@code c[m][n] = a[m][k] * b[k][n]}, all row-major and dense; tiled over n so a tile of b stays in cache. */
    static void gemm(float[] a, int m, int k, float[] b, int n, float[] c) {
        Arrays.fill(c, 0, m * n, 0f);
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
