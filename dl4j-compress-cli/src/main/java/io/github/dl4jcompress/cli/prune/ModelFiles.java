package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reading and writing models saved with {@link ModelSerializer}. Reading checks the zip structure and
 * the configuration kind before DL4J sees the file, so that a truncated or foreign file gives one clear
 * message; writing goes to a temporary file in the target directory that is moved into place only
 * once complete, so a failure never leaves a partial model under the target name.
 */
public final class ModelFiles {

    private static final String CONFIGURATION = "configuration.json";
    private static final String COEFFICIENTS = "coefficients.bin";

    private ModelFiles() {
    }

    /** Loads a MultiLayerNetwork or ComputationGraph (with updater state if saved). */
    public static AnyNetwork load(File file) throws UnusableInputException {
        if (file == null || !file.exists()) {
            throw new UnusableInputException("No such model file: " + file);
        }
        if (!file.isFile() || !file.canRead()) {
            throw new UnusableInputException("Not a readable file: " + file);
        }
        boolean graph;
        try (ZipFile zip = new ZipFile(file)) {
            ZipEntry conf = zip.getEntry(CONFIGURATION);
            if (conf == null || zip.getEntry(COEFFICIENTS) == null) {
                throw new UnusableInputException(file + " is a zip file but not a DL4J model (no "
                        + CONFIGURATION + " / " + COEFFICIENTS + ")");
            }
            JsonNode json;
            try (InputStream in = zip.getInputStream(conf)) {
                json = new ObjectMapper().readTree(in);
            }
            if (json != null && json.has("vertices")) {
                graph = true;
            } else if (json != null && json.has("confs")) {
                graph = false;
            } else {
                throw new UnusableInputException(file + ": " + CONFIGURATION
                        + " is neither a MultiLayerNetwork nor a ComputationGraph configuration");
            }
        } catch (IOException e) {
            throw new UnusableInputException(file + " is not a readable model zip (truncated or not a zip file): "
                    + e.getMessage(), e);
        }
        try {
            return graph ? AnyNetwork.of(ModelSerializer.restoreComputationGraph(file, true))
                    : AnyNetwork.of(ModelSerializer.restoreMultiLayerNetwork(file, true));
        } catch (Exception | OutOfMemoryError e) {
            throw new UnusableInputException(file + " could not be restored as a "
                    + (graph ? "ComputationGraph" : "MultiLayerNetwork") + ": " + e, e);
        }
    }

    /**
     * Writes {@code model} (with updater state) to {@code target} atomically: to a temporary file in the
     * same directory first, then moved over the target. On failure the target is untouched. The file gets the
     * user's umask, as any file the user creates.
     */
    public static void saveAtomically(Model model, File target) throws IOException {
        AnyNetwork.of(model).save(target);
    }
}
