package io.github.dl4jcompress.cli.cluster;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.github.dl4jcompress.cost.Median;
import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import io.github.dl4jcompress.terngrad.MessageSealer;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import io.github.dl4jcompress.terngrad.Umac;

/**
 * The evidence behind {@link MessageAuthenticator}'s choice, for {@code terngrad-mac-cost}: (1) what sealing and
 * opening cost in a JVM that has not run them yet (a Spark executor lives for one job), message by message; (2) other
 * authenticators on the same envelope (header and payload), timed interleaved with the one in use (UMAC-64 through
 * {@link MessageSealer#sealInPlace}): UMAC-128, UMAC-64 with the plain-Java NH kernel, and the JDK's own: AES-256-GCM
 * in place (the previous envelope, "TGA2"), AES-128-GCM, GMAC (AES-256-GCM with the whole envelope as associated
 * data, nothing encrypted), HMAC-SHA256 and ChaCha20-Poly1305 in place. Which of them the JIT turns into CPU
 * instructions (AES-NI/VAES, PCLMULQDQ, SHA-NI, AVX-512) depends on the JDK, so the JSON names the JDK.
 */
final class MacAlternatives {

    /** Wall time on a loaded machine overstates work: the cold-start sections also record CPU time. */
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private MacAlternatives() {
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * Seals and opens {@code messages} envelopes of {@code payloadBytes} random bytes with a fresh key, one after the
     * other, and reports the seconds of message 0, 1, 2, 10, 30, 100, ... and the sums over the first 141 (one
     * executor's messages in the 4-host grid) and over all.
     */
    static Map<String, Object> coldStart(int payloadBytes, int messages) {
        MessageAuthenticator auth = new MessageAuthenticator(MessageAuthenticator.newKey());
        MessageSealer sealer = new MessageSealer(auth);
        MessageVerifier verifier = new MessageVerifier(auth, "cold-start benchmark");
        byte[] payload = new byte[payloadBytes];
        new SecureRandom().nextBytes(payload);
        double[] seal = new double[messages];
        double[] open = new double[messages];
        double[] threadCpu = new double[messages];
        long process0 = processCpuNanos();
        for (int i = 0; i < messages; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            byte[] envelope = new byte[MessageAuthenticator.OVERHEAD_BYTES + payloadBytes];
            System.arraycopy(payload, 0, envelope, MessageAuthenticator.HEADER_BYTES, payloadBytes);
            long t0 = System.nanoTime();
            sealer.sealInPlace(envelope);
            long t1 = System.nanoTime();
            byte[] opened = verifier.open(envelope);
            long t2 = System.nanoTime();
            if (opened == null || opened.length != payloadBytes) {
                throw new IllegalStateException("cold-start envelope " + i + " refused");
            }
            seal[i] = (t1 - t0) / 1e9;
            open[i] = (t2 - t1) / 1e9;
            threadCpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
        }
        double processCpu = (processCpuNanos() - process0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("payloadBytes", payloadBytes);
        r.put("messages", messages);
        r.put("sealSecondsAtMessage", at(seal));
        r.put("openSecondsAtMessage", at(open));
        r.put("sealSecondsFirst141", sum(seal, 141));
        r.put("openSecondsFirst141", sum(open, 141));
        r.put("sealSecondsAll", sum(seal, messages));
        r.put("openSecondsAll", sum(open, messages));
        r.put("threadCpuSecondsFirst141", sum(threadCpu, 141)); // seal + open (+ envelope set-up) on this thread
        r.put("processCpuSecondsAll", processCpu); // this thread, the JIT's compiler threads and GC, all messages
        return r;
    }

    /**
     * The first {@code messages} UMAC-64 tags of {@code payloadBytes} random bytes in this JVM with the plain-Java NH
     * kernel: run before anything else has hashed, it shows what a JVM pays until the JIT has compiled it, to compare
     * with {@link #coldStart}'s (Vector API kernel: interpreted vector operations are very slow until C2 compiles them).
     */
    static Map<String, Object> coldStartScalarKernel(int payloadBytes, int messages) {
        Umac umac = Umac.withScalarKernel(java.util.Arrays.copyOf(MessageAuthenticator.newKey(), Umac.KEY_BYTES), 8);
        byte[] message = new byte[MessageAuthenticator.HEADER_BYTES + payloadBytes];
        new SecureRandom().nextBytes(message);
        byte[] nonce = new byte[16];
        byte[] tag = new byte[8];
        double[] seconds = new double[messages];
        double[] threadCpu = new double[messages];
        long process0 = processCpuNanos();
        for (int i = 0; i < messages; i++) {
            ByteBuffer.wrap(nonce).putLong(8, i);
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            umac.tag(message, 0, message.length, nonce, 0, nonce.length, tag, 0);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
            threadCpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
        }
        double processCpu = (processCpuNanos() - process0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("payloadBytes", payloadBytes);
        r.put("messages", messages);
        r.put("tagSecondsAtMessage", at(seconds));
        r.put("tagSecondsFirst141", sum(seconds, 141));
        r.put("tagSecondsAll", sum(seconds, messages));
        r.put("threadCpuSecondsFirst141", sum(threadCpu, 141));
        r.put("processCpuSecondsAll", processCpu);
        return r;
    }

    private static Map<String, Object> at(double[] seconds) {
        Map<String, Object> at = new LinkedHashMap<>();
        for (int i : new int[] {0, 1, 2, 10, 30, 100, 200, 300, 500, 1000, 2000}) {
            if (i < seconds.length) {
                at.put("#" + i, seconds[i]);
            }
        }
        return at;
    }

    /** Median seconds per envelope of {@code payloadBytes} for each authenticator, interleaved, after a warm-up. */
    static Map<String, Object> compare(int payloadBytes, int repeats) throws GeneralSecurityException {
        byte[] key = MessageAuthenticator.newKey();
        MessageSealer sealer = new MessageSealer(new MessageAuthenticator(key));
        byte[] umacKey = java.util.Arrays.copyOf(key, Umac.KEY_BYTES);
        List<Sealing> all = List.of(
                new Sealing("UMAC-64 (in use, TGA3)", inUse(sealer, payloadBytes)),
                new Sealing("UMAC-128", umac(new Umac(umacKey, 16))),
                new Sealing("UMAC-64, plain-Java NH kernel", umac(Umac.withScalarKernel(umacKey, 8))),
                new Sealing("AES-256-GCM in place (previous envelope, TGA2)", gcm(new SecretKeySpec(key, 0, 32, "AES"), false)),
                new Sealing("AES-128-GCM in place", gcm(new SecretKeySpec(key, 0, 16, "AES"), false)),
                new Sealing("GMAC (AES-256-GCM, envelope as associated data)", gcm(new SecretKeySpec(key, 0, 32, "AES"), true)),
                new Sealing("HMAC-SHA256", hmac(key)),
                new Sealing("ChaCha20-Poly1305 in place", chacha(key)));
        // header, payload and room for the longest tag (HMAC-SHA256's 32 bytes) after it
        byte[] envelope = new byte[MessageAuthenticator.OVERHEAD_BYTES + payloadBytes + 32];
        new SecureRandom().nextBytes(envelope);
        List<long[]> times = new ArrayList<>();
        for (int a = 0; a < all.size(); a++) {
            times.add(new long[repeats]);
        }
        long sequence = 0;
        for (int i = -Math.min(repeats, 1000); i < repeats; i++) { // warm-up rounds first
            for (int a = 0; a < all.size(); a++) {
                long t0 = System.nanoTime();
                all.get(a).body.seal(envelope, payloadBytes, ++sequence);
                long t1 = System.nanoTime();
                if (i >= 0) {
                    times.get(a)[i] = t1 - t0;
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("payloadBytes", payloadBytes);
        r.put("what", "median seconds to authenticate one envelope (header 24 B + payload, tag after it), interleaved, "
                + repeats + " repeats after " + Math.min(repeats, 1000) + " warm-up rounds, one thread");
        Map<String, Object> seconds = new LinkedHashMap<>();
        for (int a = 0; a < all.size(); a++) {
            seconds.put(all.get(a).name, Median.of(times.get(a)) / 1e9);
        }
        r.put("seconds", seconds);
        return r;
    }

    private static double sum(double[] v, int n) {
        double s = 0;
        for (int i = 0; i < Math.min(n, v.length); i++) {
            s += v[i];
        }
        return s;
    }

    private static byte[] nonce(long sequence) {
        return ByteBuffer.allocate(12).putLong(4, sequence).array();
    }

    /** AES-GCM, encrypting the payload in place, or (gmac) authenticating header and payload as associated data. */
    private static Body gcm(SecretKeySpec key, boolean gmac) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        return (env, p, seq) -> {
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce(seq)));
            if (gmac) {
                c.updateAAD(env, 0, MessageAuthenticator.HEADER_BYTES + p);
                c.doFinal(env, 0, 0, env, MessageAuthenticator.HEADER_BYTES + p);
            } else {
                c.updateAAD(env, 0, MessageAuthenticator.HEADER_BYTES);
                c.doFinal(env, MessageAuthenticator.HEADER_BYTES, p, env, MessageAuthenticator.HEADER_BYTES);
            }
        };
    }

    /** The authenticator in use, sealing its own envelope in place (header, random payload, 8-byte tag). */
    private static Body inUse(MessageSealer sealer, int payloadBytes) {
        byte[] own = new byte[MessageAuthenticator.OVERHEAD_BYTES + payloadBytes];
        new SecureRandom().nextBytes(own);
        return (env, p, seq) -> sealer.sealInPlace(own);
    }

    /** UMAC of header and payload with nonce = the header's sender id and sequence, the tag after the payload. */
    private static Body umac(Umac umac) {
        return (env, p, seq) -> {
            ByteBuffer.wrap(env, 12, 8).putLong(seq);
            umac.tag(env, 0, MessageAuthenticator.HEADER_BYTES + p, env, 4, 16, env, MessageAuthenticator.HEADER_BYTES + p);
        };
    }

    private static Body hmac(byte[] key) throws GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        // the 32-byte HMAC after header and payload (a truncated HMAC tag would be 16 bytes)
        return (env, p, seq) -> {
            m.update(env, 0, MessageAuthenticator.HEADER_BYTES + p);
            m.doFinal(env, MessageAuthenticator.HEADER_BYTES + p);
        };
    }

    private static Body chacha(byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        SecretKeySpec k = new SecretKeySpec(key, "ChaCha20");
        return (env, p, seq) -> {
            c.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce(seq)));
            c.updateAAD(env, 0, MessageAuthenticator.HEADER_BYTES);
            c.doFinal(env, MessageAuthenticator.HEADER_BYTES, p, env, MessageAuthenticator.HEADER_BYTES);
        };
    }

    @FunctionalInterface
    private interface Body {
        void seal(byte[] envelope, int payloadBytes, long sequence) throws GeneralSecurityException;
    }

    private record Sealing(String name, Body body) {
    }
}
