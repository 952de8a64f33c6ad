package io.github.dl4jcompress.cli.terngrad;

/**
 * What TernGrad's codec costs in {@link PerformanceModel}, in seconds per byte of fp32 gradient:
 * {@code e = 1 / encode rate} and {@code d = 1 / decode rate} (rates in bytes of fp32 gradient per second, as
 * measured by {@link CodecThroughput}). Encoding an {@code N}-parameter gradient costs {@code e·4N}, decoding one
 * message {@code d·4N}.
 */
public record CodecCost(double encodeSecondsPerByte, double decodeSecondsPerByte) {

    /** A free codec (e = d = 0): the bandwidth-only view. */
    public static final CodecCost FREE = new CodecCost(0, 0);

    public CodecCost {
        if (!(encodeSecondsPerByte >= 0) || !(decodeSecondsPerByte >= 0)
                || Double.isInfinite(encodeSecondsPerByte) || Double.isInfinite(decodeSecondsPerByte)) {
            throw new IllegalArgumentException("CodecCost: seconds per byte must be finite and >= 0, got "
                    + encodeSecondsPerByte + ", " + decodeSecondsPerByte);
        }
    }

    /** From measured throughputs in MB (10⁶ bytes) of fp32 gradient per second. */
    public static CodecCost fromMBps(double encodeMBps, double decodeMBps) {
        return new CodecCost(1 / (encodeMBps * 1e6), 1 / (decodeMBps * 1e6));
    }
}
