package io.github.dl4jcompress.listeners;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gallop-and-bisect search finds what a linear scan finds, in few measurements. */
class LongestPrefixTest {

    @Test
    void equalsALinearScanOnRandomFallingMeasures() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            int n = rnd.nextInt(60);
            double[] r = new double[n + 1];
            r[0] = 1.0;
            for (int k = 1; k <= n; k++) {
                r[k] = r[k - 1] - (rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble() * 0.05);   // non-increasing, with plateaus
            }
            double floor = rnd.nextDouble();
            int expected = 0;
            while (expected < n && r[expected + 1] >= floor) {
                expected++;
            }
            int[] calls = {0};
            LongestPrefix p = LongestPrefix.search(n, rnd.nextInt(8), r[0], k -> {
                calls[0]++;
                return r[k];
            }, v -> v >= floor);
            assertEquals(expected, p.length, "trial " + trial);
            assertEquals(r[expected], p.value, 0.0, "trial " + trial);
            assertTrue(calls[0] <= 2 * (32 - Integer.numberOfLeadingZeros(n + 1)) + 2, "measurements " + calls[0] + " for n " + n);
        }
    }

    @Test
    void nothingPassesGivesTheEmptyPrefixWithTheGivenValue() {
        LongestPrefix p = LongestPrefix.search(10, 3, 0.7, k -> 0.1, v -> v >= 0.5);
        assertEquals(0, p.length);
        assertEquals(0.7, p.value, 0.0);
    }
}
