package io.github.dl4jcompress.cli.spark;

import java.io.File;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.dl4jcompress.cli.prune.ModelFiles;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The driver's model after a completed epoch of a Spark job, saved so that a killed driver resumes from it:
 * {@code <dir>/<name>.zip} (model and updater state, written to a temporary file and moved into place) and then
 * {@code <name>.json} (epochs done, cumulative fit seconds and test accuracy after each epoch, also moved into place).
 * The progress file is written after the model, so it never names an epoch the zip does not hold; a zip newer than its
 * progress (killed between the two moves) is the model after one more epoch, and {@link #load} refuses the pair
 * unless the zip's own epoch count (DL4J's {@code epochCount}, set to the epochs done before saving) matches.
 */
public final class EpochCheckpoint {

    /** What a resumed job needs: the model, and the progress it had reached. */
    record State(MultiLayerNetwork network, int epochsDone, List<Double> fitSecondsByEpoch, List<Double> accuracyByEpoch) {
    }

    private final File zip;
    private final File progress;

    EpochCheckpoint(File dir, String name) {
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new IllegalArgumentException("--checkpoint-dir: cannot create " + dir.getAbsolutePath());
        }
        this.zip = new File(dir, name + ".zip");
        this.progress = new File(dir, name + ".json");
    }

    File zip() {
        return zip;
    }

    /** Saves the model after {@code epochsDone} epochs (model first, then progress; each atomically). */
    void save(MultiLayerNetwork net, int epochsDone, int testExamples, List<Double> fitSecondsByEpoch,
              List<Double> accuracyByEpoch)
            throws IOException {
        net.setEpochCount(epochsDone); // stored in the zip's configuration: ties the zip to its progress file
        ModelFiles.saveAtomically(net, zip);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("epochsDone", epochsDone);
        p.put("fitSecondsByEpoch", fitSecondsByEpoch);
        p.put("accuracyByEpoch", accuracyByEpoch);
        p.put("testExamples", testExamples); // accuracyByEpoch is on the first testExamples test examples
        p.put("model", zip.getName());
        p.put("paramsSha256", paramsHash(net)); // of the parameters as saved: any later change shows
        File tmp = new File(progress.getParentFile(), "." + progress.getName() + ".tmp");
        new ObjectMapper().writeValue(tmp, p);
        try {
            Files.move(tmp.toPath(), progress.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp.toPath(), progress.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The last checkpoint, or null if there is none; a model that does not match its progress file is refused. */
    State load() throws IOException, io.github.dl4jcompress.cli.prune.UnusableInputException {
        if (!progress.isFile()) {
            return null;
        }
        JsonNode p = new ObjectMapper().readTree(progress);
        MultiLayerNetwork net = (MultiLayerNetwork) ModelFiles.load(zip).model();
        int epochs = p.get("epochsDone").asInt();
        if (net.getEpochCount() != epochs) {
            throw new IllegalStateException(zip + " holds the model after " + net.getEpochCount() + " epochs but "
                    + progress + " records " + epochs + " (killed between the two writes?): remove both to start over");
        }
        return new State(net, epochs, doubles(p.get("fitSecondsByEpoch")), doubles(p.get("accuracyByEpoch")));
    }

    /** SHA-256 of the parameters' bytes (hex). */
    static String paramsHash(MultiLayerNetwork net) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(net.params().data().asBytes());
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Double> doubles(JsonNode a) {
        List<Double> out = new ArrayList<>();
        a.forEach(v -> out.add(v.asDouble()));
        return out;
    }

    /**
     * Checks a saved checkpoint ({@code <name>.json} beside its zip) against what the driver recorded: the zip loads
     * as a complete MultiLayerNetwork with {@code expectedParams} finite parameters whose SHA-256 is the one recorded
     * at saving, its epoch count equals the epochs done, and its accuracy on the first {@code testExamples} of {@code test} equals the accuracy the driver
     * measured after that epoch — exactly, so the zip is the model as it was after that epoch, not a state between.
     */
    public static Map<String, Object> verify(File progressJson, long expectedParams, org.nd4j.linalg.dataset.DataSet test) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", progressJson.getPath());
        try {
            JsonNode p = new ObjectMapper().readTree(progressJson);
            File zip = new File(progressJson.getParentFile(), p.get("model").asText());
            int epochs = p.get("epochsDone").asInt();
            MultiLayerNetwork net = (MultiLayerNetwork) ModelFiles.load(zip).model();
            int n = p.get("testExamples").asInt();
            org.nd4j.linalg.dataset.DataSet t = n >= test.numExamples() ? test : (org.nd4j.linalg.dataset.DataSet) test.getRange(0, n);
            double accuracy = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(t.batchBy(256)))
                    .accuracy();
            double recorded = p.get("accuracyByEpoch").get(epochs - 1).asDouble();
            boolean finite = !net.params().isNaN().any() && !net.params().isInfinite().any();
            out.put("epochsDone", epochs);
            out.put("accuracy", accuracy);
            out.put("recordedAccuracy", recorded);
            String problem = net.numParams() != expectedParams ? net.numParams() + " parameters, expected " + expectedParams
                    : net.getEpochCount() != epochs ? "epoch count " + net.getEpochCount() + " != epochs done " + epochs
                    : !finite ? "non-finite parameters"
                    : p.has("paramsSha256") && !paramsHash(net).equals(p.get("paramsSha256").asText())
                    ? "parameters differ from those saved after epoch " + epochs
                    : accuracy != recorded ? "accuracy " + accuracy + " != recorded " + recorded : null;
            out.put("paramsHashChecked", p.has("paramsSha256")); // checkpoints of jobs before the hash: accuracy only
            out.put("valid", problem == null);
            out.put("problem", problem);
        } catch (Exception | Error e) {
            out.put("valid", false);
            out.put("problem", e.toString());
        }
        return out;
    }
}
