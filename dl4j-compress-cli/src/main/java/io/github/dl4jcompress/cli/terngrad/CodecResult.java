package io.github.dl4jcompress.cli.terngrad;

/**
 * Throughput of one codec on one vector size, as measured by {@link CodecThroughput}: MB (10⁶ bytes) of fp32
 * gradient per second, {@code 4·N / 10⁶ / median seconds per call}, for encoding and decoding, from wall-clock time
 * and (the {@code Cpu} fields) from the calling thread's CPU time, which other processes on a shared machine disturb
 * less; plus the message size and the fraction of elements the message carries. {@code rounds}: interleaved rounds
 * measured; {@code encodeSpeedupVsThreshold} (and {@code encodeCpuSpeedupVsThreshold}, by CPU time): median over
 * rounds of DL4J's threshold encode time divided by this codec's in the same round (null when not measured).
 */
public record CodecResult(String impl, int elements, double encodeMBps, double decodeMBps, double encodeCpuMBps,
                          double decodeCpuMBps, long messageBytes, double density, String settings, int rounds,
                          Double encodeSpeedupVsThreshold, Double encodeCpuSpeedupVsThreshold) {
}
