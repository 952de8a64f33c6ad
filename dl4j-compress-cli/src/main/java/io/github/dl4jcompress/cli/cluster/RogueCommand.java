package io.github.dl4jcompress.cli.cluster;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.nd4j.parameterserver.distributed.v2.transport.impl.AeronUdpTransport;
import org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dl4jc cluster-rogue}: an attacker on the training network. It joins DL4J's Aeron mesh as any host can (the
 * mesh has no authentication: it introduces itself to the driver's controller port like an executor), records the
 * per-layer TernGrad envelopes the mesh relays to it, and broadcasts through the mesh — to the driver and every
 * executor — (1) forgeries: well-formed envelopes over a ternary-sized payload under a key it made up, half of them
 * with a real sender's id and a fresh sequence number; (2) replays of recorded envelopes; (3) corruptions: a recorded
 * envelope with one random bit flipped. Writes what it sent to {@code --out}. Run it in its own network namespace
 * next to a {@code spark-terngrad --modes terngradPerLayer} job ({@code cluster.sh rogue}).
 */
@Command(name = "cluster-rogue", mixinStandardHelpOptions = true,
        description = "Attack a running per-layer TernGrad job over DL4J's Aeron mesh: forged, replayed, corrupted envelopes")
public final class RogueCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RogueCommand.class);

    @Option(names = "--controller", required = true, description = "the driver's address (its Aeron controller)")
    String controller;

    @Option(names = "--controller-port", description = "the driver's Aeron port (default ${DEFAULT-VALUE}, DL4J's)",
            defaultValue = "" + VoidConfiguration.DEFAULT_AERON_UDP_PORT)
    int controllerPort;

    @Option(names = "--stream-id", description = "the job's Aeron stream id (SharedTrainingMaster draws one per job; "
            + "cluster.sh reads it from a captured frame); default ${DEFAULT-VALUE}, DL4J's",
            defaultValue = "119")
    int streamId;

    @Option(names = "--ip", required = true, description = "this process's address")
    String ip;

    @Option(names = "--port", description = "this process's Aeron UDP port (default ${DEFAULT-VALUE})", defaultValue = "40400")
    int port;

    @Option(names = "--seconds", description = "attack for this long after joining (default ${DEFAULT-VALUE})",
            defaultValue = "60")
    int seconds;

    @Option(names = "--per-second", description = "messages sent per second (default ${DEFAULT-VALUE})", defaultValue = "10")
    double perSecond;

    @Option(names = "--join-timeout", description = "seconds to wait for the driver's introduction (default ${DEFAULT-VALUE})",
            defaultValue = "240")
    int joinTimeout;

    @Option(names = "--stay", description = "after the attack, stay in the mesh until killed (default ${DEFAULT-VALUE})",
            defaultValue = "true", arity = "1")
    boolean stay;

    @Option(names = "--out", description = "JSON of what was sent (default ${DEFAULT-VALUE})", defaultValue = "rogue.json")
    File out;

    @Override
    public Integer call() throws Exception {
        List<byte[]> recorded = new ArrayList<>();
        AtomicLong heard = new AtomicLong();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rogue", ip + ":" + port);
        result.put("controller", controller + ":" + controllerPort);
        result.put("streamId", streamId);
        long t0 = System.currentTimeMillis();
        AeronUdpTransport transport = null;
        ModelParameterServer server = null;
        int attempts = 0;
        // the driver's transport exists only while a fit runs (one session per fit): retry until it answers
        while (System.currentTimeMillis() - t0 < joinTimeout * 1000L) {
            attempts++;
            int p = port + attempts - 1;
            VoidConfiguration vc = VoidConfiguration.builder().controllerAddress(controller)
                    .portSupplier(new StaticPortSupplier(p)).build();
            vc.setUnicastControllerPort(controllerPort);
            vc.setStreamId(streamId);
            transport = new AeronUdpTransport(ip, p, controller, controllerPort, vc);
            server = new ModelParameterServer(vc, transport, false);
            server.addUpdatesSubscriber(new Recorder(recorded, heard));
            log.info("rogue {}:{}: joining the mesh of {}:{} on stream {} (attempt {})", ip, p, controller, controllerPort,
                    streamId, attempts);
            try {
                server.launch();
                long until = System.currentTimeMillis() + 15_000;
                while (!transport.isIntroduced() && System.currentTimeMillis() < until) {
                    Thread.sleep(100);
                }
            } catch (RuntimeException e) {
                log.warn("rogue: attempt {} failed: {}", attempts, e.toString());
            }
            if (transport.isIntroduced()) {
                break;
            }
            try {
                server.shutdown();
            } catch (RuntimeException e) {
                log.debug("rogue: shutdown after a failed attempt: {}", e.toString());
            }
            Thread.sleep(1000);
        }
        result.put("joinAttempts", attempts);
        result.put("joined", transport.isIntroduced());
        result.put("secondsToJoin", (System.currentTimeMillis() - t0) / 1e3);
        Map<String, Long> sent = new LinkedHashMap<>(Map.of("forged", 0L, "replayed", 0L, "corrupted", 0L));
        if (transport.isIntroduced()) {
            log.info("rogue: introduced to the driver after {} s; attacking for {} s", result.get("secondsToJoin"), seconds);
            attack(server, recorded, sent);
        } else {
            log.error("rogue: the driver {}:{} did not introduce this node within {} s", controller, controllerPort, joinTimeout);
        }
        result.put("envelopesHeard", heard.get());
        result.put("sent", sent);
        result.put("sentTotal", sent.values().stream().mapToLong(Long::longValue).sum());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, result);
        log.info("rogue: {}", result);
        // stays in the mesh (leaving would make the driver remap it mid-fit) until cluster.sh ends it
        if (transport.isIntroduced() && stay) {
            Thread.sleep(Long.MAX_VALUE);
        }
        server.shutdown();
        return transport.isIntroduced() ? 0 : 1;
    }

    private void attack(ModelParameterServer server, List<byte[]> recorded, Map<String, Long> sent) throws InterruptedException {
        Random random = new Random(7);
        MessageAuthenticator madeUp = new MessageAuthenticator(MessageAuthenticator.newKey());
        long end = System.currentTimeMillis() + seconds * 1000L;
        long pause = Math.max(1, Math.round(1000 / perSecond));
        int i = 0;
        while (System.currentTimeMillis() < end) {
            byte[] real;
            synchronized (recorded) {
                real = recorded.isEmpty() ? null : recorded.get(random.nextInt(recorded.size())).clone();
            }
            String kind;
            byte[] bytes;
            if (real == null || i % 3 == 0) {
                kind = "forged";
                int payload = real == null ? 107_854 : real.length - MessageAuthenticator.OVERHEAD_BYTES;
                byte[] p = new byte[payload];
                random.nextBytes(p);
                // a real sender's id (bytes 4..11 of a recorded envelope) with a fresh sequence, or a new sender
                long sender = real != null && random.nextBoolean() ? java.nio.ByteBuffer.wrap(real, 4, 8).getLong()
                        : random.nextLong();
                bytes = madeUp.seal(sender, 1_000_000 + i, p);
            } else if (i % 3 == 1) {
                kind = "replayed";
                bytes = real;
            } else {
                kind = "corrupted";
                int bit = random.nextInt(real.length * 8);
                real[bit / 8] ^= (byte) (1 << (bit % 8));
                bytes = real;
            }
            server.sendUpdate(Nd4j.createFromArray(bytes));
            sent.merge(kind, 1L, Long::sum);
            i++;
            Thread.sleep(pause);
        }
    }

    /** Records the INT8 envelopes the mesh relays to this node (up to 64) and counts everything it hears. */
    private record Recorder(List<byte[]> recorded, AtomicLong heard) implements UpdatesHandler {
        @Override
        public void onNext(INDArray array) {
            heard.incrementAndGet();
            if (array != null && array.dataType() == DataType.INT8) {
                synchronized (recorded) {
                    if (recorded.size() < 64) {
                        recorded.add(array.data().asBytes());
                    }
                }
            }
        }

        @Override
        public INDArray getParametersArray() {
            return null;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }
}
