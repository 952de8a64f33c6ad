package io.github.dl4jcompress.examples.terngrad;

/**
 * Throughput of one codec on one vector size, as measured by {@link CodecThroughput}: MB (10⁶ bytes) of fp32
 * gradient per second, {@code 4·N / 10⁶ / median seconds per call}, for encoding and decoding; plus the message size
 * and the fraction of elements the message carries.
 */
public record CodecResult(String impl, int elements, double encodeMBps, double decodeMBps, long messageBytes,
                          double density, String settings) {
}
