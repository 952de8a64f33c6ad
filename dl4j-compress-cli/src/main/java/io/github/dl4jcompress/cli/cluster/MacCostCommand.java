package io.github.dl4jcompress.cli.cluster;

import io.github.dl4jcompress.cost.Median;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.github.dl4jcompress.cli.ssl.LeNet;
import io.github.dl4jcompress.terngrad.MessageAuthenticator;
import io.github.dl4jcompress.terngrad.MessageSealer;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.Ternarizer;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import io.github.dl4jcompress.terngrad.Umac;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What authenticating a per-layer TernGrad message costs: on LeNet's layout (431,080 parameters in 8 arrays) and on
 * larger single-segment vectors, the median time of {@code Ternarizer.encode(g, layout).toBytes()} (encode), of
 * {@link MessageSealer#seal} (UMAC-64 envelope) and of {@link MessageVerifier#open} (tag check, payload copy + replay window),
 * measured interleaved in one loop so that machine load hits all three alike; writes
 * {@code results/terngrad-mac.json} with {@code seal in place / encode} per size (the executors' seal; target ≤ 5%)
 * and {@code (seal + open) / encode}, the first envelopes' cost in this still cold JVM ({@code coldStart}, what a
 * short-lived Spark executor pays) and the JDK's other authenticators on LeNet's envelope ({@code alternatives},
 * {@link MacAlternatives}).
 */
@Command(name = "terngrad-mac-cost", mixinStandardHelpOptions = true,
        description = "Cost of the UMAC-64 envelope of per-layer TernGrad messages vs encode time (results/terngrad-mac.json)")
public final class MacCostCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(MacCostCommand.class);
    /** Untimed rounds per size first: C2 needs a few hundred same-size calls to compile the MAC (see coldStart). */
    private static final int WARM_UP_ROUNDS = 300;

    @Option(names = "--repeats", description = "timed messages per size (median; with a few hundred, the MAC may still be interpreted and its cost overstated; default ${DEFAULT-VALUE})")
    int repeats = 2000;

    @Option(names = "--sizes", split = ",", description = "extra single-segment vector sizes (default ${DEFAULT-VALUE})")
    int[] sizes = {1_000_000, 4_000_000};

    @Option(names = "--cold-messages", description = "LeNet-size envelopes sealed and opened first, in the still cold "
            + "JVM, as a short-lived Spark executor does (default ${DEFAULT-VALUE})")
    int coldMessages = 300;

    @Option(names = "--out", description = "output directory (default ${DEFAULT-VALUE})")
    File out = new File("results");

    @Override
    public Integer call() throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("what", "median seconds per message of encode (ternarize + bytes), seal (UMAC-64 envelope of the "
                + "bytes, a copy), seal in place (the message serialized straight into its envelope, as the executors "
                + "send it, then tagged where it lies) and open (tag check, payload copy + replay window), "
                + "interleaved in one loop, one thread, after " + WARM_UP_ROUNDS + " untimed rounds per size; "
                + "coldStartScalarKernel: the first UMAC-64 tags in this JVM with the plain-Java NH kernel; coldStart: "
                + "the first envelopes sealed and opened in this JVM (NH kernel in use); both with wall seconds per "
                + "message and CPU seconds (this thread over the first 141, the whole process over all: JIT and GC "
                + "included); alternatives: other authenticators on LeNet's envelope");
        json.put("loadAverageBefore", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        json.put("kernel", Ternarizer.kernelName());
        json.put("mac", "UMAC-64 (RFC 4418), envelope TGA3, NH kernel " + new Umac(new byte[Umac.KEY_BYTES], 8).kernelName());
        json.put("repeats", repeats);
        json.put("java", System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")");
        MultiLayerNetwork lenet = new MultiLayerNetwork(LeNet.configuration(1, new Sgd(0.02)));
        lenet.init();
        SegmentLayout lenetLayout = SegmentLayout.perParameter(lenet);
        int lenetBytes = (int) TernaryMessage.sizeInBytes(lenetLayout.count(), lenetLayout.totalLength());
        // first: this JVM is still cold (the scalar kernel's run warms none of the vector kernel's code)
        json.put("coldStartScalarKernel", MacAlternatives.coldStartScalarKernel(lenetBytes, coldMessages));
        json.put("coldStart", MacAlternatives.coldStart(lenetBytes, coldMessages));
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("lenet-per-layer", measure(lenetLayout));
        for (int n : sizes) {
            rows.put("single-" + n, measure(SegmentLayout.single(n)));
        }
        json.put("messages", rows);
        json.put("alternatives", MacAlternatives.compare(lenetBytes, repeats));
        json.put("loadAverageAfter", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.mkdirs();
        File file = new File(out, "terngrad-mac.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file, json);
        log.info("Wrote {}", file);
        return 0;
    }

    private Map<String, Object> measure(SegmentLayout layout) {
        int n = layout.totalLength();
        Nd4j.getRandom().setSeed(7);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, n).muli(0.01);
        Ternarizer ternarizer = new Ternarizer(2.5, 7);
        MessageAuthenticator auth = new MessageAuthenticator(MessageAuthenticator.newKey());
        MessageSealer sealer = new MessageSealer(auth);
        MessageVerifier verifier = new MessageVerifier(auth, "benchmark");
        long[] encode = new long[repeats];
        long[] serialize = new long[repeats];
        long[] seal = new long[repeats];
        long[] intoEnvelope = new long[repeats];
        long[] sealInPlace = new long[repeats];
        long[] open = new long[repeats];
        long sink = 0;
        int bytes = 0;
        for (int i = -WARM_UP_ROUNDS; i < repeats; i++) {
            long t0 = System.nanoTime();
            TernaryMessage m = ternarizer.encode(g, layout);
            long t1 = System.nanoTime();
            byte[] message = m.toBytes();
            long t2 = System.nanoTime();
            byte[] envelope = sealer.seal(message); // copying: payload bytes -> a new envelope
            long t3 = System.nanoTime();
            // what the executors do: the message serialized straight into its envelope, then sealed where it lies
            byte[] inPlace = new byte[MessageAuthenticator.OVERHEAD_BYTES + m.sizeInBytes()];
            m.writeTo(ByteBuffer.wrap(inPlace, MessageAuthenticator.HEADER_BYTES, m.sizeInBytes()));
            long t4 = System.nanoTime();
            sealer.sealInPlace(inPlace);
            long t5 = System.nanoTime();
            byte[] opened = verifier.open(inPlace);
            long t6 = System.nanoTime();
            byte[] openedCopy = verifier.open(envelope);
            if (opened == null || openedCopy == null || !Arrays.equals(opened, message)
                    || !Arrays.equals(openedCopy, message)) {
                throw new IllegalStateException("benchmark envelope refused or changed");
            }
            sink += opened[opened.length - 1];
            bytes = message.length;
            if (i >= 0) {
                encode[i] = t2 - t0;
                serialize[i] = t2 - t1;
                seal[i] = t3 - t2;
                intoEnvelope[i] = t4 - t3;
                sealInPlace[i] = t5 - t4;
                open[i] = t6 - t5;
            }
        }
        double e = Median.of(encode) / 1e9;
        double s = Median.of(seal) / 1e9;
        double p = Median.of(sealInPlace) / 1e9;
        double o = Median.of(open) / 1e9;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("parameters", n);
        row.put("segments", layout.count());
        row.put("messageBytes", bytes);
        row.put("envelopeOverheadBytes", MessageAuthenticator.OVERHEAD_BYTES);
        row.put("encodeSeconds", e);
        row.put("serializeSeconds", Median.of(serialize) / 1e9);
        row.put("serializeIntoEnvelopeSeconds", Median.of(intoEnvelope) / 1e9);
        row.put("sealSeconds", s);
        row.put("sealInPlaceSeconds", p);
        row.put("openSeconds", o);
        row.put("sealOverEncode", s / e);
        row.put("sealInPlaceOverEncode", p / e);
        row.put("sealAndOpenOverEncode", (s + o) / e);
        log.info("{} parameters / {} segments: encode {} ms, seal {} ms (in place {} ms), open {} ms: seal {}% (in place"
                        + " {}%) and seal+open {}% of encode (sink {})", n, layout.count(), fmt(e * 1e3), fmt(s * 1e3),
                fmt(p * 1e3), fmt(o * 1e3), fmt(100 * s / e), fmt(100 * p / e), fmt(100 * (s + o) / e), sink % 2);
        return row;
    }

    private static String fmt(double v) {
        return String.format("%.3f", v);
    }
}
