package io.github.dl4jcompress.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PortSupplier} for DL4J's Aeron transport that gives every JVM its own free UDP port, chosen once per JVM
 * and then returned on every call (DL4J asks the supplier several times per JVM and needs the same answer: the
 * driver sets the controller port from it twice, and each executor logs and then binds it).
 *
 * <p>Why: {@code VoidConfiguration.builder().unicastPort(p)} creates a {@code StaticPortSupplier(p)} whose
 * constructor never stores {@code p}, so every JVM uses 49876; two executor JVMs on one host then share one UDP port
 * and updates are silently lost. This supplier asks the OS for an ephemeral port that is free for both UDP and TCP
 * on the wildcard address, or uses {@code base + k} scanning upwards from a base port when one is given (for
 * firewalled clusters).
 */
public final class JvmFreePortSupplier implements PortSupplier {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(JvmFreePortSupplier.class);

    /** The port of this JVM; one value per JVM (class loader), set on first use. */
    private static volatile Integer jvmPort;

    private final int basePort;

    /** Any free ephemeral port. */
    public JvmFreePortSupplier() {
        this(0);
    }

    /**
     * @param basePort 0 for any free ephemeral port; otherwise the first free port {@code ≥ basePort} (≤ 65535)
     */
    public JvmFreePortSupplier(int basePort) {
        if (basePort < 0 || basePort > 65535) {
            throw new IllegalArgumentException("JvmFreePortSupplier: basePort must be 0 (any) or in 1..65535, got " + basePort);
        }
        this.basePort = basePort;
    }

    /** The base port given (0: any ephemeral port). */
    public int getBasePort() {
        return basePort;
    }

    @Override
    public int getPort() {
        Integer p = jvmPort;
        if (p == null) {
            synchronized (JvmFreePortSupplier.class) {
                p = jvmPort;
                if (p == null) {
                    p = choose(basePort);
                    jvmPort = p;
                    log.info("Aeron UDP port of this JVM: {}", p);
                }
            }
        }
        return p;
    }

    /** The port this JVM has chosen, or null if {@link #getPort()} has not been called in this JVM yet. */
    public static Integer portOfThisJvm() {
        return jvmPort;
    }

    static int choose(int base) {
        if (base == 0) {
            for (int attempt = 0; attempt < 50; attempt++) {
                int candidate;
                try (DatagramSocket udp = new DatagramSocket(0)) {
                    candidate = udp.getLocalPort();
                } catch (IOException e) {
                    throw new UncheckedIOException("JvmFreePortSupplier: cannot open a UDP socket", e);
                }
                if (isFree(candidate)) {
                    return candidate;
                }
            }
            throw new IllegalStateException("JvmFreePortSupplier: no port free for both UDP and TCP after 50 attempts");
        }
        for (int candidate = base; candidate <= 65535; candidate++) {
            if (isFree(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("JvmFreePortSupplier: no free port in " + base + "..65535");
    }

    static boolean isFree(int port) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress((InetAddress) null, port));
             ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress((InetAddress) null, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "JvmFreePortSupplier(base=" + basePort + ", thisJvm=" + jvmPort + ")";
    }
}
