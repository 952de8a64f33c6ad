package io.github.dl4jcompress.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.dl4jcompress.cli.terngrad.Link;
import io.github.dl4jcompress.cli.terngrad.PerformanceModel;
import org.junit.jupiter.api.Test;

/**
 * {@code cluster-report}'s model fit: rows whose measured times are exactly {@link
 * PerformanceModel#sharedCoresWithStartupSeconds} with known S and J give back S and J from the 2-host rows alone,
 * and every row, 4-host ones included, is predicted exactly; the foreign-load column appears only where the job
 * recorded the other processes' CPU.
 */
class ClusterModelCalibrationTest {

    private static final double S = 0.7;
    private static final double J = 6.0;

    @Test
    void recoversRoundAndStartUpSecondsFromTwoHostRowsAndPredictsEveryRow() {
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = 0;
        for (int hosts : new int[] {2, 4}) {
            for (double mbit : new double[] {100, 1000}) {
                for (String mode : new String[] {"averaging1", "averaging5", "threshold", "terngradPerLayer"}) {
                    rows.add(row(hosts, mbit, mode, 0.3 + 0.01 * n, 50 + 7 * n, n % 3 == 0 ? 0.2 : null,
                            hosts == 4 && n % 2 == 0 ? 1.2 : null));
                    n++;
                }
            }
        }
        ClusterReportCommand report = new ClusterReportCommand();
        report.cores = 2;
        Map<String, Object> model = report.applyModel(rows);
        assertEquals(S, (Double) model.get("roundSeconds"), 1e-9);
        assertEquals(J, (Double) model.get("startupSeconds"), 1e-9);
        assertEquals(rows.size() + " of " + rows.size(), model.get("pointsWithin30Percent"));
        for (Map<String, Object> r : rows) {
            assertEquals(1.0, (Double) r.get("predictedOverMeasured"), 1e-9);
            if (r.get("jobCpuSeconds") == null) {
                assertNull(r.get("predictedWithJobBackgroundSecondsPerIteration"));
            } else { // 1.2 of the 2 cores taken: slower than predicted on a machine to ourselves
                assertTrue((Double) r.get("predictedWithJobBackgroundOverMeasured") > 1.0);
            }
        }
    }

    @Test
    void aStartUpThatWouldSaveTimeIsFittedAsZero() {
        // one 2-host shared-training job that ran faster than the model without start-up (a one-off, or noise)
        Map<String, Object> r = row(2, 100, "terngradPerLayer", 0.5, 16, 0.1, null);
        r.put("measuredSecondsPerIteration", 0.3);
        ClusterReportCommand report = new ClusterReportCommand();
        report.cores = 2;
        Map<String, Object> model = report.applyModel(new ArrayList<>(List.of(r)));
        assertEquals(0.0, (Double) model.get("startupSeconds"));
        assertEquals(0.0, (Double) model.get("roundSeconds"));
        assertTrue((Double) r.get("predictedOverMeasured") > 1.0);
    }

    /** A row as cluster-report keeps it, its measured seconds per iteration made by the model itself. */
    private static Map<String, Object> row(int hosts, double mbit, String mode, double cpu, double iterations,
                                           Double driverCpu, Double otherCores) {
        double up = 2e5 * hosts;
        double down = 1e6 * hosts;
        int epochs = 3;
        double f = mode.startsWith("averaging") ? Double.parseDouble(mode.substring(9)) : iterations / epochs;
        double t = PerformanceModel.sharedCoresWithStartupSeconds(cpu, driverCpu == null ? 0 : driverCpu, hosts, 2, 0,
                up, down, new Link(mbit * 1e6 / 8, 0), S, f, J, iterations);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("hosts", hosts);
        r.put("bandwidthMbit", mbit);
        r.put("mode", mode);
        r.put("fitSecondsByEpoch", List.of(t * iterations / 3 + 5, t * iterations * 2 / 3, t * iterations));
        r.put("linkBytesPerHost", List.of(Map.of("sentByHost", up * iterations, "receivedByHost", down * iterations)));
        r.put("iterationsPerHost", iterations);
        r.put("measuredSecondsPerIteration", t);
        r.put("computeSecondsPerIteration", cpu);
        if (driverCpu != null) {
            r.put("driverCpuSecondsPerIteration", driverCpu);
        }
        if (otherCores != null) {
            r.put("jobCpuSeconds", Map.of("otherProcessesCores", otherCores));
        }
        return r;
    }
}
