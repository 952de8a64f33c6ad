package io.github.dl4jcompress.listeners.compress;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The procedure's checkpoints: one model zip per step ({@code <step>.zip}, ModelSerializer with updater state) and
 * {@code report.json}, each written to a temporary file and moved into place, so a kill never leaves a half-written
 * checkpoint. Without a directory the networks are kept in memory (no resume, but back-off still works).
 */
final class Checkpoints {

    static final String REPORT = "report.json";

    private final File dir;
    private final boolean graph;
    private final Map<String, AnyNetwork> memory = new HashMap<>();
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    Checkpoints(File dir, boolean graph) {
        this.dir = dir;
        this.graph = graph;
    }

    void save(AnyNetwork net, String step) throws IOException {
        if (dir == null) {
            memory.put(step, net.copy());
            return;
        }
        net.save(new File(dir, step + ".zip"));            // atomic, with the user's umask
    }

    AnyNetwork load(String step) throws IOException {
        if (dir == null) {
            AnyNetwork t = memory.get(step);
            if (t == null) {
                throw new IOException("no checkpoint of step " + step);
            }
            return t.copy();
        }
        File f = new File(dir, step + ".zip");
        if (!f.isFile()) {
            throw new IOException("missing checkpoint " + f);
        }
        return AnyNetwork.load(f, graph);
    }

    void saveReport(CompressionReport report) throws IOException {
        if (dir == null) {
            return;
        }
        // a fresh name, created by the writer with the user's umask (Files.createTempFile would make it 0600)
        Path tmp = dir.toPath().resolve(".report." + java.util.UUID.randomUUID() + ".tmp");
        try {
            json.writeValue(tmp.toFile(), report);
            AnyNetwork.moveReplacing(tmp, new File(dir, REPORT).toPath());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The report of an earlier run in the directory, or null if there is none. */
    CompressionReport loadReport() throws IOException {
        File f = dir == null ? null : new File(dir, REPORT);
        return f == null || !f.isFile() ? null : json.readValue(f, CompressionReport.class);
    }

    /** Removes an earlier run's checkpoints (only the files this class writes) and creates the directory. */
    void clear() throws IOException {
        memory.clear();
        if (dir == null) {
            return;
        }
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new IOException("cannot create checkpoint directory " + dir);
        }
        File[] files = dir.listFiles((d, name) -> name.equals(REPORT)
                || name.matches("(control|sparsify-\\d+|prune-\\d+|finetune|backoff-\\d+|epoch-\\d+-\\d+|lower)\\.zip"));
        for (File f : files == null ? new File[0] : files) {
            Files.delete(f.toPath());
        }
    }
}
