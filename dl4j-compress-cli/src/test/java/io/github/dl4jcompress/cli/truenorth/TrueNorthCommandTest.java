package io.github.dl4jcompress.cli.truenorth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrueNorthCommandTest {

    private static Map<String, Object> row(int k, int s, double base, double pushed) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("copies", k);
        r.put("spikes", s);
        r.put("baseline", base);
        r.put("binaryPush", pushed);
        return r;
    }

    /** Target = the baseline's best grid accuracy; cost = the smallest k·s reaching it, per network. */
    @Test
    void savingsByHand() {
        List<Map<String, Object>> grid = new ArrayList<>(List.of(
                row(1, 1, 0.50, 0.70), row(1, 16, 0.60, 0.81), row(4, 4, 0.70, 0.80),
                row(4, 16, 0.79, 0.83), row(16, 16, 0.80, 0.82)));
        Map<String, Object> s = TrueNorthCommand.savings(grid);
        assertEquals(0.80, (Double) s.get("targetAccuracy"), 0);
        assertEquals(256L, s.get("baselineCost"));
        assertEquals(16L, s.get("binaryPushCost"));          // (1,16) and (4,4) both cost 16 and reach 0.80
        assertEquals(List.of("k=1,s=16", "k=4,s=4"), s.get("binaryPushCells"));
        assertEquals(16.0, (Double) s.get("ratio"), 0);
        grid.set(1, row(1, 16, 0.60, 0.79));
        grid.set(2, row(4, 4, 0.70, 0.799));
        assertEquals(64L, TrueNorthCommand.savings(grid).get("binaryPushCost"));
        grid.replaceAll(r -> row((Integer) r.get("copies"), (Integer) r.get("spikes"), (Double) r.get("baseline"), 0.1));
        Map<String, Object> none = TrueNorthCommand.savings(grid);
        assertNull(none.get("binaryPushCost"));
        assertNull(none.get("ratio"));
    }

    /** A tiny run writes the schema of the issue: float, a 5x5 grid with cores and latency, savings. */
    @Test
    @SuppressWarnings("unchecked")
    void aTinyRunWritesTheTable(@TempDir File dir) throws Exception {
        int code = new CommandLine(new TrueNorthCommand()).execute("--epochs", "1", "--finetune-epochs", "1",
                "--ramp-epochs", "1", "--hidden", "8", "--test-limit", "100", "--out", dir.getPath());
        assertEquals(0, code);
        Map<String, Object> json = new ObjectMapper().readValue(new File(dir, "truenorth.json"), Map.class);
        Map<String, Object> f = (Map<String, Object>) json.get("float");
        assertTrue(f.containsKey("baseline") && f.containsKey("binaryPush"), f.toString());
        List<Map<String, Object>> grid = (List<Map<String, Object>>) json.get("grid");
        assertEquals(25, grid.size());
        Set<String> cells = new HashSet<>();
        for (Map<String, Object> r : grid) {
            cells.add(r.get("copies") + "x" + r.get("spikes"));
            // 784-8-10: ceil(784/256) * ceil(8k/256) + ceil(8/256) * ceil(10k/256) = 4 + 1 for every k <= 16
            assertEquals(5, ((Number) r.get("cores")).intValue());
            assertEquals(2 * (Integer) r.get("spikes"), ((Number) r.get("latencyTicks")).intValue());
        }
        assertEquals(25, cells.size());
        Map<String, Object> savings = (Map<String, Object>) json.get("savings");
        for (String key : List.of("targetAccuracy", "baselineCost", "binaryPushCost", "ratio")) {
            assertTrue(savings.containsKey(key), "savings lacks " + key);
        }
        List<Double> scales = (List<Double>) ((Map<String, Object>) json.get("training")).get("fullScales");
        assertEquals(2, scales.size());
        assertTrue(scales.get(0) > 0 && scales.get(1) > 0, scales.toString());
        assertTrue(new File(dir, "truenorth-weights.png").length() > 1000);
        assertTrue(new File(dir, "truenorth-copies.png").length() > 1000);
    }

    @Test
    void aRampLongerThanTheFineTuningIsRefused(@TempDir File dir) {
        int code = new CommandLine(new TrueNorthCommand()).execute("--finetune-epochs", "2", "--ramp-epochs", "3",
                "--out", dir.getPath());
        assertNotEquals(0, code);
        assertTrue(!new File(dir, "truenorth.json").exists());
    }
}
