package io.github.dl4jcompress.arbiter;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ParetoFrontTest {

    private static CandidateRecord r(int i, double acc, long macs) {
        CandidateRecord r = CandidateRecord.measured(acc, macs, 1, macs, 1, true, acc);
        r.candidate = i;
        return r;
    }

    @Test
    void marksTheNonDominatedCandidates() {
        List<CandidateRecord> rs = new ArrayList<>(List.of(
                r(0, 0.90, 1000),   // front: most accurate
                r(1, 0.85, 400),    // front
                r(2, 0.84, 500),    // dominated by 1
                r(3, 0.70, 100),    // front: cheapest
                r(4, 0.85, 400),    // duplicate of 1: both kept
                r(5, 0.90, 1200),   // dominated by 0 (same accuracy, more MACs)
                r(6, 0.60, 100)));  // dominated by 3 (same MACs, less accurate)
        assertEquals(4, ParetoFront.mark(rs));
        boolean[] expected = {true, true, false, true, true, false, false};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], rs.get(i).pareto, "candidate " + i);
        }
    }

    @Test
    void singleAndEmptySets() {
        assertArrayEquals(new boolean[]{true}, ParetoFront.of(new double[]{0.5}, new long[]{10}));
        assertArrayEquals(new boolean[0], ParetoFront.of(new double[0], new long[0]));
        assertThrows(IllegalArgumentException.class, () -> ParetoFront.of(new double[]{0.5}, new long[0]));
    }
}
