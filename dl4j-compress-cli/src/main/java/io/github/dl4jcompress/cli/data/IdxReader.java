package io.github.dl4jcompress.cli.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST-style datasets (gzip-compressed or plain): magic {@code 0x0000 08 D} for unsigned
 * bytes of D dimensions, D big-endian int sizes, then the bytes.
 */
public final class IdxReader {

    private IdxReader() {
    }

    /** The dimensions and the unsigned-byte payload of an IDX stream. */
    public static final class Idx {
        public final int[] dims;
        public final byte[] data;

        Idx(int[] dims, byte[] data) {
            this.dims = dims;
            this.data = data;
        }
    }

    public static Idx read(InputStream raw, String what) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        try (DataInputStream d = new DataInputStream(in)) {
            int magic = d.readInt();
            if ((magic >>> 8) != 0x08) {
                throw new IOException(what + ": not an unsigned-byte IDX file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = magic & 0xff;
            if (n < 1 || n > 4) {
                throw new IOException(what + ": IDX with " + n + " dimensions is not supported");
            }
            int[] dims = new int[n];
            long total = 1;
            for (int i = 0; i < n; i++) {
                dims[i] = d.readInt();
                if (dims[i] < 0) {
                    throw new IOException(what + ": negative dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE) {
                throw new IOException(what + ": too large (" + total + " bytes)");
            }
            byte[] data = new byte[(int) total];
            d.readFully(data);
            return new Idx(dims, data);
        }
    }
}
