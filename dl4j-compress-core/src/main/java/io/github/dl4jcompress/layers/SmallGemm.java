package io.github.dl4jcompress.layers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row-major float GEMMs on Java arrays for the shapes of lowered convolutions (a few to a few hundred rows against a
 * wide matrix), without the copies to and from native memory a BLAS call needs:
 * <ul>
 *   <li>{@link #nn}: {@code c[m, n] = a[m, k] b[k, n]} (forward {@code Z = W col});</li>
 *   <li>{@link #tn}: {@code c[k, n] = a[m, k]^T b[m, n]} (input gradient {@code dcol = W^T dZ});</li>
 *   <li>{@link #nt}: {@code c[m, k] = a[m, n] b[k, n]^T} (weight gradient {@code dW = dZ col^T}); {@link #ntAdd}
 *   accumulates it.</li>
 * </ul>
 * Implemented with the JDK Vector API ({@code VectorSmallGemm}, register-blocked); {@link #simd()} is null when the JVM
 * lacks {@code --add-modules jdk.incubator.vector}, and callers then use ND4J's BLAS instead (plain Java loops were
 * 5-15x slower than either here).
 */
abstract class SmallGemm {

    private static final Logger log = LoggerFactory.getLogger(SmallGemm.class);

    private static final SmallGemm SIMD = load();

    /** The SIMD kernel, or null if the incubator module is not in the boot layer. */
    static SmallGemm simd() {
        return SIMD;
    }

    private static SmallGemm load() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            log.info("lowered layers: jdk.incubator.vector not available (JVM option --add-modules jdk.incubator.vector), "
                    + "their GEMMs go to ND4J's BLAS");
            return null;
        }
        try {
            return (SmallGemm) Class.forName("io.github.dl4jcompress.layers.VectorSmallGemm").getDeclaredField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            log.warn("lowered layers: SIMD GEMM unavailable ({}), their GEMMs go to ND4J's BLAS", e.toString());
            return null;
        }
    }

    /** {@code c[m, n] = a[m, k] b[k, n]}. */
    final void nn(float[] a, int m, int k, float[] b, int n, float[] c) {
        product(a, k, 1, m, k, b, n, c, 0);
    }

    /** {@code c[cOff + i*n + j] = (a[m, k] b[k, n])[i, j]}: {@link #nn} into a slice of {@code c}. */
    final void nn(float[] a, int m, int k, float[] b, int n, float[] c, int cOff) {
        product(a, k, 1, m, k, b, n, c, cOff);
    }

    /** {@code c[k, n] = a[m, k]^T b[m, n]}. */
    final void tn(float[] a, int m, int k, float[] b, int n, float[] c) {
        product(a, 1, k, k, m, b, n, c, 0);
    }

    /**
     * {@code c[i, j] = sum_p A(i, p) b[p, j]} for {@code i < rows}, {@code p < depth}, {@code j < n}, with
     * {@code A(i, p) = a[i*rowStride + p*depthStride]}, written at {@code c[cOff + i*n + j]}.
     */
    abstract void product(float[] a, int rowStride, int depthStride, int rows, int depth, float[] b, int n, float[] c, int cOff);

    /**
     * {@link #product} with row {@code p} of {@code b} starting at {@code b[bRow[p]]} (rows may overlap: the shifted
     * rows of a padded image are the column matrix of a stride-1 convolution), into {@code c[rows, n]}; {@code n} a
     * multiple of the vector length, and {@code b} readable {@code n} floats past every row start.
     */
    abstract void productRows(float[] a, int rowStride, int depthStride, int rows, int depth, float[] b, int[] bRow, int n, float[] c);

    /** {@code c[m, k] += a[m, n] B^T} with row {@code q} of {@code B} at {@code b[bRow[q]]}, {@code n} long. */
    abstract void ntAddRows(float[] a, int m, int n, float[] b, int[] bRow, int k, float[] c);

    /** {@code c[m, k] = a[m, n] b[k, n]^T}. */
    final void nt(float[] a, int m, int n, float[] b, int k, float[] c) {
        java.util.Arrays.fill(c, 0, m * k, 0f);
        ntAdd(a, m, n, b, k, c);
    }

    /** {@code c[m, k] += a[m, n] b[k, n]^T} (accumulates, e.g. a weight gradient over groups of images). */
    abstract void ntAdd(float[] a, int m, int n, float[] b, int k, float[] c);
}
