package io.github.dl4jcompress.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The ratio table of bench-vs-pytorch (pure bookkeeping; no timing). */
class VsPytorchCommandTest {

    private static Map<String, Object> row(String arch, String impl, int threads, double rate) {
        Map<String, Object> r = new HashMap<>();
        r.put("arch", arch);
        r.put("impl", impl);
        r.put("threads", threads);
        for (String m : VsPytorchCommand.measureKeys()) {
            r.put(m, rate);
        }
        return r;
    }

    @Test
    void ratiosDivideByPytorchOfTheSameArchitectureAndThreadCount() {
        List<Map<String, Object>> rows = List.of(row("lenet", "dl4j", 1, 50), row("lenet", "dl4j-compress", 1, 300),
                row("lenet", "pytorch", 1, 200), row("lenet", "pytorch", 2, 400), row("lenet", "dl4j", 2, 100),
                row("vgg", "dl4j", 1, 10));
        Map<String, Map<String, Double>> r = VsPytorchCommand.ratios(rows);
        assertEquals(0.25, r.get("lenet/1t/trainB64").get("dl4j"));
        assertEquals(1.5, r.get("lenet/1t/inferB1PerCpuSecond").get("dl4j-compress"));
        assertEquals(0.25, r.get("lenet/2t/inferB64").get("dl4j"));
        assertFalse(r.containsKey("vgg/1t/trainB64"), "no PyTorch row, no ratio");
    }
}
