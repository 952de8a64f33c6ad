package io.github.dl4jcompress.cli.terngrad;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-computed cases: N = 10⁶, L = 4 (M₃₂ = 4,000,000 B, M_t = 20 + 32 + 250,000 = 250,052 B), B = 10⁹ B/s. */
class PerformanceModelTest {

    private static final Workload W = new Workload("toy", 1_000_000, 4, 0.010);
    private static final Link LINK = Link.gbps(8);
    private static final CodecCost CODEC = CodecCost.fromMBps(400, 1000); // e = 2.5e-9 s/B, d = 1e-9 s/B

    @Test
    void messageSizesAndLink() {
        assertEquals(4_000_000, W.fp32Bytes());
        assertEquals(250_052, W.ternaryBytes());
        assertEquals(1e9, LINK.bytesPerSecond(), 1e-3);
        assertEquals(2.5e-9, CODEC.encodeSecondsPerByte(), 1e-21);
    }

    @Test
    void parameterServer() {
        // fp32: 0.010 + 2·4·4e6/1e9 = 0.042
        assertEquals(0.042, PerformanceModel.fp32Seconds(W, Exchange.PARAMETER_SERVER, LINK, 4), 1e-12);
        // TernGrad comm 2·4·250052/1e9 = 0.002000416; codec 0.01 + 4·0.004 + 0.01 + 0.004 = 0.04
        assertEquals(0.04, PerformanceModel.codecSeconds(W, Exchange.PARAMETER_SERVER, 4, CODEC), 1e-12);
        assertEquals(0.052000416, PerformanceModel.ternGradSeconds(W, Exchange.PARAMETER_SERVER, LINK, 4, CODEC), 1e-12);
        assertEquals(0.042 / 0.012000416, PerformanceModel.speedup(W, Exchange.PARAMETER_SERVER, LINK, 4, CodecCost.FREE), 1e-9);
        assertEquals(0.042 / 0.052000416, PerformanceModel.speedup(W, Exchange.PARAMETER_SERVER, LINK, 4, CODEC), 1e-9);
    }

    @Test
    void allToAll() {
        // fp32 ring all-reduce: 2·3·4e6/(4·1e9) = 0.006
        assertEquals(0.016, PerformanceModel.fp32Seconds(W, Exchange.ALL_TO_ALL, LINK, 4), 1e-12);
        // TernGrad all-gather: 3·250052/1e9 = 0.000750156; codec 0.01 + 4·0.004 = 0.026
        assertEquals(0.026, PerformanceModel.codecSeconds(W, Exchange.ALL_TO_ALL, 4, CODEC), 1e-12);
        assertEquals(0.036750156, PerformanceModel.ternGradSeconds(W, Exchange.ALL_TO_ALL, LINK, 4, CODEC), 1e-12);
    }

    @Test
    void latencyIsPaidPerMessageStep() {
        Link slow = LINK.withLatency(1e-3);
        // ring all-reduce: 2·(W−1) steps of (α + M/(W·B)) = 6·(0.001 + 0.001) = 0.012
        assertEquals(0.012, PerformanceModel.communicationSeconds(4_000_000, Exchange.ALL_TO_ALL, false, slow, 4), 1e-12);
        // all-gather: (W−1)·(α + M_t/B) = 3·(0.001 + 0.000250052)
        assertEquals(0.003750156, PerformanceModel.communicationSeconds(250_052, Exchange.ALL_TO_ALL, true, slow, 4), 1e-12);
        // parameter server: 2·W·M/B + 2α = 0.032 + 0.002
        assertEquals(0.034, PerformanceModel.communicationSeconds(4_000_000, Exchange.PARAMETER_SERVER, false, slow, 4), 1e-12);
    }

    @Test
    void allGatherLosesToAllReduceBeyondAboutThirtyTwoWorkers() {
        Workload commOnly = new Workload("comm", 1_000_000, 4, 0);
        assertTrue(PerformanceModel.speedup(commOnly, Exchange.ALL_TO_ALL, LINK, 16, CodecCost.FREE) > 1.9);
        assertTrue(PerformanceModel.speedup(commOnly, Exchange.ALL_TO_ALL, LINK, 64, CodecCost.FREE) < 0.51);
        // the parameter server's ratio is M₃₂/M_t at any W
        assertEquals(4_000_000 / 250_052.0, PerformanceModel.speedup(commOnly, Exchange.PARAMETER_SERVER, LINK, 256, CodecCost.FREE), 1e-9);
    }

    @Test
    void refusesFewerThanTwoWorkers() {
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.fp32Seconds(W, Exchange.ALL_TO_ALL, LINK, 1));
    }

    @Test
    void measuredComponentsAddContendedComputeTheBusierLinkDirectionAndTheRoundOverhead() {
        Link link = new Link(100e6 / 8, 0.001);
        // 4 executors + driver on 2 cores: compute stretched 2.5x; the down direction dominates; S every 5 iterations
        double t = PerformanceModel.measuredComponentsSeconds(0.4, 4, 2, 1e6, 2.5e6, link, 0.5, 5);
        assertEquals(0.4 * 2.5 + 2.5e6 / (100e6 / 8) + 0.001 + 0.1, t, 1e-12);
        // as many cores as busy JVMs: no stretch
        assertEquals(0.4 + 0.2 + 0.001 + 0.1, PerformanceModel.measuredComponentsSeconds(0.4, 4, 8, 2.5e6, 1e6, link, 0.5, 5), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.measuredComponentsSeconds(0.4, 4, 0, 0, 0, link, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.measuredComponentsSeconds(0.4, 1, 2, 0, 0, link, 0, 1));
    }

    @Test
    void sharedCoresSpreadAllCpuWorkOverTheCoresOnceAndNeverBelowOneHostsWork() {
        Link link = new Link(100e6 / 8, 0.001);
        // 4 executors of 0.4 s CPU and a driver of 0.2 s on 2 cores: 0.9 s of compute, counted once
        double t = PerformanceModel.sharedCoresSeconds(0.4, 0.2, 4, 2, 1e6, 2.5e6, link, 0.5, 5);
        assertEquals((4 * 0.4 + 0.2) / 2 + 2.5e6 / (100e6 / 8) + 0.001 + 0.1, t, 1e-12);
        // many cores: one host's own CPU work bounds it
        assertEquals(0.4 + 0.2 + 0.001 + 0.1, PerformanceModel.sharedCoresSeconds(0.4, 0.2, 4, 16, 2.5e6, 1e6, link, 0.5, 5), 1e-12);
        // against the contended form: at 4 hosts on 2 cores it stretches CPU 2.5x, this one 2x plus the driver's share
        assertTrue(PerformanceModel.sharedCoresSeconds(0.4, 0, 4, 2, 0, 0, link, 0, 1)
                < PerformanceModel.measuredComponentsSeconds(0.4, 4, 2, 0, 0, link, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.sharedCoresSeconds(0.4, -1, 4, 2, 0, 0, link, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.sharedCoresSeconds(0.4, 0, 1, 2, 0, 0, link, 0, 1));
    }

    @Test
    void startUpIsPaidOncePerExecutorAndForeignLoadTakesCores() {
        Link link = new Link(100e6 / 8, 0.001);
        double base = PerformanceModel.sharedCoresSeconds(0.4, 0.2, 4, 2, 1e6, 2.5e6, link, 0.5, 5);
        // no start-up, no foreign load: the shared-cores form exactly
        assertEquals(base, PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2, 4, 2, 0, 1e6, 2.5e6, link, 0.5, 5,
                0, 100), 1e-12);
        // J = 10 s per executor, once per job of 100 iterations per host: 4 executors, 40 s (a wait, not CPU work)
        assertEquals(base + 40.0 / 100, PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2, 4, 2, 0, 1e6,
                2.5e6, link, 0.5, 5, 10, 100), 1e-12);
        double two = PerformanceModel.sharedCoresSeconds(0.4, 0.2, 2, 2, 1e6, 2.5e6, link, 0.5, 5);
        assertEquals(two + 20.0 / 100, PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2, 2, 2, 0, 1e6, 2.5e6,
                link, 0.5, 5, 10, 100), 1e-12);
        // others take 1 of the 2 cores: compute (4·0.4 + 0.2)/1
        assertEquals(1.8 + 2.5e6 / (100e6 / 8) + 0.001 + 0.1 + 40.0 / 100,
                PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2, 4, 2, 1, 1e6, 2.5e6, link, 0.5, 5, 10, 100),
                1e-12);
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2,
                4, 2, 2, 0, 0, link, 0, 1, 0, 1)); // no core left
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2,
                4, 2, 0, 0, 0, link, 0, 1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> PerformanceModel.sharedCoresWithStartupSeconds(0.4, 0.2,
                4, 2, Double.NaN, 0, 0, link, 0, 1, 0, 1));
    }

}
