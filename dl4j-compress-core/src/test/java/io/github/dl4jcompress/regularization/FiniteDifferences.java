package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks a {@link Regularization}'s {@code apply} gradient against central differences of its {@code score}, calling
 * both the way DL4J does: {@code apply} on the flat parameter view, {@code score} on the shaped parameter.
 */
final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /**
     * @param shaped the shaped weight (double precision)
     * @param order  DL4J's storage order of that shape ('c' for conv, 'f' for dense)
     * @param skip   flat indices not to check (e.g. kinks), may be empty
     * @return the analytic gradient, flat in storage order
     */
    static INDArray check(Regularization r, INDArray shaped, char order, double h, double tolerance, long... skip) {
        INDArray flat = Nd4j.toFlattened(order, shaped).castTo(DataType.DOUBLE);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, flat.length());
        r.apply(flat.dup(), grad, 0.1, 3, 1);
        java.util.Set<Long> skipped = new java.util.HashSet<>();
        for (long s : skip) {
            skipped.add(s);
        }
        int checked = 0;
        for (long i = 0; i < flat.length(); i++) {
            if (skipped.contains(i)) {
                continue;
            }
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + h);
            double plus = r.score(flat.reshape(order, shaped.shape()), 3, 1);
            flat.putScalar(i, orig - h);
            double minus = r.score(flat.reshape(order, shaped.shape()), 3, 1);
            flat.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * h);
            double analytic = grad.getDouble(i);
            double scale = Math.max(1e-6, Math.max(Math.abs(numeric), Math.abs(analytic)));
            assertEquals(numeric, analytic, tolerance * scale, "element " + i + " of " + r);
            checked++;
        }
        if (checked == 0) {
            throw new AssertionError("nothing checked");
        }
        return grad;
    }
}
