package io.github.dl4jcompress.terngrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link Umac} against RFC 4418's test vectors (key "abcdefghijklmnop", nonce "bcdefghi"; the 'a'·2²⁵ row as
 * corrected by the RFC's errata) for UMAC-32, -64 and -96, and UMAC-128 against the 16-byte tags of the same table in
 * GNU Nettle's test suite (their first 12 bytes are the RFC's UMAC-96 tags); Nettle's extra rows cover nonces of 1 to 16
 * bytes and lengths at the 32-byte, 1024-byte and 16 MB (POLY128) boundaries. Every vector is checked with the scalar
 * and the vector NH kernel; the two kernels agree on random inputs; any flipped bit is refused.
 */
class UmacTest {

    private static final byte[] KEY = ascii("abcdefghijklmnop");

    /** {pattern, length, nonce, UMAC-32, UMAC-64, UMAC-96 (RFC 4418 §5 and errata), UMAC-128 (Nettle)}. */
    private static final String[][] RFC = {
        {"a", "0", "bcdefghi", "113145FB", "6E155FAD26900BE1", "32FEDB100C79AD58F07FF764",
            "32fedb100c79ad58f07ff7643cc60465"},
        {"a", "3", "bcdefghi", "3B91D102", "44B5CB542F220104", "185E4FE905CBA7BD85E4C2DC",
            "185e4fe905cba7bd85e4c2dc3d117d8d"},
        {"a", "1024", "bcdefghi", "599B350B", "26BF2F5D60118BD9", "7A54ABE04AF82D60FB298C3C",
            "7a54abe04af82d60fb298c3cbd195bcb"},
        {"a", "32768", "bcdefghi", "58DCF532", "27F8EF643B0D118D", "7B136BD911E4B734286EF2BE",
            "7b136bd911e4b734286ef2be501f2c3c"},
        {"a", "1048576", "bcdefghi", "DB6364D1", "A4477E87E9F55853", "F8ACFA3AC31CFEEA047F7B11",
            "f8acfa3ac31cfeea047f7b115b03bef5"},
        {"a", "33554432", "bcdefghi", "85EE5CAE", "FACA46F856E9B45F", "A621C2457C0012E64F3FDAE9",
            "a621c2457c0012e64f3fdae9e7e1870c"},
        {"abc", "3", "bcdefghi", "ABF3A3A0", "D4D7B9F6BD4FBFCF", "883C3D4B97A61976FFCF2323",
            "883c3d4b97a61976ffcf232308cba5a5"},
        {"abc", "1500", "bcdefghi", "ABEB3C8B", "D4CF26DDEFD5C01A", "8824A260C53C66A36C9260A6",
            "8824a260c53c66a36c9260a62cb83aa1"},
    };

    /** Nettle's rows: message "defdefdefdefdef" repeated and cut to the length; {length, nonce, 32, 64, 128}. */
    private static final String[][] NETTLE = {
        {"0", "b", "3a58486b", "9e38f67da91a08d9", "9e38f67da91a08d9c980f4db4089c877"},
        {"1", "bc", "d86b1512", "fb0e207971b8e66a", "ef406c2ec70d0222f59e860eabb79ed0"},
        {"2", "bcd", "1ae6e02d", "1ae6e02d73aa9ab2", "1ae6e02d73aa9ab2a27fb89e014dc07b"},
        {"3", "bcde", "e8c1eb59", "c81cf22342e84302", "82626d0d575e01038e5e2cc6408216f5"},
        {"4", "bcdef", "8950f0d3", "aba003e7bd673cc3", "aba003e7bd673cc368ba8513cecf2e7c"},
        {"1020", "bcdefg", "7412167c", "f98828a161bb4ae3", "d8b4811f747d588d7a913360960de7cf"},
        {"1021", "bcdefgh", "2d54936b", "2d54936be5bff72d", "2d54936be5bff72d2e1052361163b474"},
        {"1022", "bcdefghi", "53ca8dd2", "2cee9784556387b3", "700513397f8a210a98938d3e7ac3bd88"},
        {"1023", "bcdefghij", "26cc58df", "24ac4284ca371f42", "24ac4284ca371f4280f60bd274633d67"},
        {"1024", "bcdefghijk", "3cada45a", "64c6a0fd14615a76", "abc223116cedd2db5af365e641a97539"},
        {"1025", "bcdefghijkl", "93251e18", "93251e18e56bbdc4", "93251e18e56bbdc457de556f95c59931"},
        {"1026", "bcdefghijklm", "24a4c3ab", "5d98bd8dfaf16352", "c1298672e52386753383a15ed58c0e42"},
        {"1027", "bcdefghijklmn", "e7e98945", "5b0557c9fdcf661b", "5b0557c9fdcf661b1758efc603516ebe"},
        {"2046", "bcdefghijklmno", "e12ddc9f", "65e85d47447c2277", "16bb5183017826ed47c9995c1e5834f3"},
        {"2047", "bcdefghijklmnop", "34d723a6", "34d723a6cb1676d3", "34d723a6cb1676d3547a5064dc5b0a37"},
        {"2048", "bcdefghijklmnopq", "21fd8802", "3968d5d0af147884", "84565620def1e3a614d274e87626f215"},
        {"2049", "b", "097e5abd", "ad1ee4ab606061c5", "ad1ee4ab606061c55e0d2ecfee59940a"},
        {"2050", "bc", "a03a7fe9", "835f4a8242100055", "971106d5f4a5e41dce40a91704cfe1f3"},
        {"16777212", "bcd", "7ef41cf3", "7ef41cf351960aaf", "7ef41cf351960aaf729bb19fcee7d8c4"},
        {"16777213", "bcde", "8bf81932", "ab250048807ff640", "e15b9f6695c9b441de035e9b10b8ac32"},
        {"16777214", "bcdef", "ddb2f0ab", "ff42039fcfe1248e", "ff42039fcfe1248e36c19efed14d7140"},
        {"16777215", "bcdefg", "e67ad507", "6be0ebda623d76df", "4adc426477fb64b1ce5afd76d505f048"},
        {"16777216", "bcdefgh", "42d8562a", "42d8562a224a9e9a", "42d8562a224a9e9a75c2f85d39462d07"},
        {"16777217", "bcdefghi", "486b138d", "374f09dbb0b84b88", "6ba48d669a51ed3195ebc2aa562ee71b"},
        {"16778239", "bcdefghij", "850cb2c5", "876ca89ed045777b", "876ca89ed045777bf7efa7934e1758c2"},
        {"16778240", "bcdefghijk", "b9fc4f81", "e1974b26fb35f2c6", "2e93c8ca83b97a6b1a21082e2a4c540d"},
        {"16778241", "bcdefghijkl", "ffced8f2", "ffced8f2494d85bf", "ffced8f2494d85bf0cb39408ddfe0295"},
        {"16778242", "bcdefghijklm", "1c99c5fb", "65a5bbdda3b85368", "f9148022bc6ab64f019e9db83704c17b"},
        {"16778243", "bcdefghijklmn", "ec304be9", "50dc9565fbfc4884", "50dc9565fbfc48844a4be34403804605"},
        {"16778244", "bcdefghijklmno", "8034e26f", "04f163b7c2d5d849", "77a26f7387d1dcd39378a3220652cff7"},
    };

    private static List<NhKernel> kernels() {
        NhKernel vector = NhKernel.vectorOrNull();
        return vector == null ? List.of(ScalarNhKernel.INSTANCE) : List.of(ScalarNhKernel.INSTANCE, vector);
    }

    @Test
    void rfc4418TestVectorsForEveryTagLength() {
        for (NhKernel kernel : kernels()) {
            for (String[] row : RFC) {
                byte[] message = repeated(row[0], Integer.parseInt(row[1]));
                byte[] nonce = ascii(row[2]);
                for (int t = 0; t < 4; t++) {
                    int tagBytes = 4 * (t + 1);
                    assertEquals(row[3 + t].toLowerCase(), hex(new Umac(KEY, tagBytes, kernel).tag(message, nonce)),
                            kernel.name() + ": UMAC-" + 8 * tagBytes + " of '" + row[0] + "' x " + row[1]);
                }
            }
        }
    }

    @Test
    void nettleVectorsAtNonceLengthsAndChunkBoundaries() {
        for (NhKernel kernel : kernels()) {
            Umac[] umacs = {new Umac(KEY, 4, kernel), new Umac(KEY, 8, kernel), new Umac(KEY, 16, kernel)};
            for (String[] row : NETTLE) {
                byte[] message = repeated("defdefdefdefdef", Integer.parseInt(row[0]));
                for (int t = 0; t < 3; t++) {
                    assertEquals(row[2 + t], hex(umacs[t].tag(message, ascii(row[1]))),
                            kernel.name() + ": UMAC-" + 8 * umacs[t].tagBytes() + ", length " + row[0]);
                }
            }
        }
    }

    /** The vector NH kernel equals the scalar reference, offsets, lengths and tag lengths at random. */
    @Property(tries = 200)
    void vectorKernelEqualsScalar(@ForAll @IntRange(min = 0, max = 9000) int length,
                                  @ForAll @IntRange(min = 0, max = 70) int offset,
                                  @ForAll @IntRange(min = 1, max = 4) int iterations, @ForAll long seed) {
        NhKernel vector = NhKernel.vectorOrNull();
        assumeTrue(vector != null, "no jdk.incubator.vector in this JVM");
        Random random = new Random(seed);
        byte[] buffer = new byte[offset + length + random.nextInt(40)];
        random.nextBytes(buffer);
        byte[] key = new byte[Umac.KEY_BYTES];
        random.nextBytes(key);
        byte[] nonce = new byte[1 + random.nextInt(16)];
        random.nextBytes(nonce);
        Umac scalar = new Umac(key, 4 * iterations, ScalarNhKernel.INSTANCE);
        Umac fast = new Umac(key, 4 * iterations, vector);
        byte[] a = new byte[4 * iterations];
        byte[] b = new byte[4 * iterations];
        scalar.tag(buffer, offset, length, nonce, 0, nonce.length, a, 0);
        fast.tag(buffer, offset, length, nonce, 0, nonce.length, b, 0);
        assertArrayEquals(a, b);
        // and the kernels themselves, on whole blocks, with random keys
        int[] words = new int[256 + 12];
        for (int i = 0; i < words.length; i++) {
            words[i] = random.nextInt();
        }
        int bytes = Math.min(length, 1024) & -32;
        long[] x = new long[iterations];
        long[] y = new long[iterations];
        ScalarNhKernel.INSTANCE.hash(buffer, offset, bytes, words, 0, iterations, x);
        vector.hash(buffer, offset, bytes, words, 0, iterations, y);
        assertArrayEquals(x, y);
    }

    @Test
    void everyFlippedBitOfMessageTagOrNonceIsRefused() {
        Random random = new Random(3);
        for (int tagBytes : new int[] {8, 16}) {
            Umac umac = new Umac(KEY, tagBytes);
            for (int length : new int[] {0, 5, 64, 1024, 1100, 3000}) {
                byte[] message = new byte[length];
                random.nextBytes(message);
                byte[] nonce = new byte[16];
                random.nextBytes(nonce);
                byte[] tag = umac.tag(message, nonce);
                assertTrue(umac.verify(message, 0, length, nonce, 0, 16, tag, 0));
                for (int bit = 0; bit < length * 8; bit += length > 200 ? 7 : 1) {
                    byte[] m = message.clone();
                    m[bit / 8] ^= (byte) (1 << (bit % 8));
                    assertFalse(umac.verify(m, 0, length, nonce, 0, 16, tag, 0), "message bit " + bit);
                }
                for (int bit = 0; bit < tagBytes * 8; bit++) {
                    byte[] t = tag.clone();
                    t[bit / 8] ^= (byte) (1 << (bit % 8));
                    assertFalse(umac.verify(message, 0, length, nonce, 0, 16, t, 0), "tag bit " + bit);
                }
                for (int bit = 0; bit < 128; bit++) {
                    byte[] n = nonce.clone();
                    n[bit / 8] ^= (byte) (1 << (bit % 8));
                    assertFalse(umac.verify(message, 0, length, n, 0, 16, tag, 0), "nonce bit " + bit);
                }
                if (length > 0) { // a message one byte longer or shorter (zero padding must not collide)
                    byte[] longer = java.util.Arrays.copyOf(message, length + 1);
                    assertFalse(umac.verify(longer, 0, length + 1, nonce, 0, 16, tag, 0));
                    assertFalse(umac.verify(message, 0, length - 1, nonce, 0, 16, tag, 0));
                }
            }
        }
    }

    @Test
    void badKeysTagLengthsAndNoncesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Umac(new byte[15], 8));
        assertThrows(IllegalArgumentException.class, () -> new Umac(null, 8));
        assertThrows(IllegalArgumentException.class, () -> new Umac(KEY, 6));
        Umac umac = new Umac(KEY, 8);
        assertThrows(IllegalArgumentException.class, () -> umac.tag(new byte[3], new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> umac.tag(new byte[3], new byte[17]));
        assertThrows(IndexOutOfBoundsException.class,
                () -> umac.tag(new byte[3], 2, 2, new byte[8], 0, 8, new byte[8], 0));
    }

    private static byte[] repeated(String pattern, int length) {
        byte[] p = ascii(pattern);
        byte[] m = new byte[length];
        for (int i = 0; i < length; i++) {
            m[i] = p[i % p.length];
        }
        return m;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
