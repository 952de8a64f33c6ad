package io.github.dl4jcompress.prune;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Where each parameter's updater state lives in the flat updater state view.
 *
 * <p>DL4J groups consecutive parameters with equal updater configuration into an {@link UpdaterBlock};
 * a block of P parameters owns {@code k*P} state values laid out as k consecutive chunks (Adam: m then
 * v; Nesterov: v), each chunk in flattened-parameter order. So chunk j of parameter p starts at
 * {@code blockStateStart + j*P + (paramStart - blockParamStart)}.
 */
final class UpdaterStateLayout {

    /** State of one parameter: {@code chunks} segments of {@code length} values starting at {@code offsets}. */
    record Segments(long[] offsets, int length) {
    }

    private final Map<String, Map<String, Segments>> segments = new HashMap<>();

    static UpdaterStateLayout of(BaseMultiLayerUpdater<?> updater, Map<String, Trainable> trainablesById) {
        Map<Trainable, String> ids = new IdentityHashMap<>();
        trainablesById.forEach((id, t) -> ids.put(t, id));
        UpdaterStateLayout layout = new UpdaterStateLayout();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            int params = block.getParamOffsetEnd() - block.getParamOffsetStart();
            int state = block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart();
            if (state == 0 || params == 0) {
                continue;
            }
            if (state % params != 0) {
                throw new PruningException("Updater " + block.getGradientUpdater() + " keeps " + state
                        + " state values for " + params + " parameters; cannot slice its state");
            }
            int chunks = state / params;
            for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                String id = ids.get(ps.getLayer());
                if (id == null) {
                    throw new PruningException("Updater block refers to an unknown layer " + ps.getLayer().getConfig().getLayerName());
                }
                long[] offsets = new long[chunks];
                for (int j = 0; j < chunks; j++) {
                    offsets[j] = block.getUpdaterViewOffsetStart() + (long) j * params
                            + (ps.getParamOffsetStart() - block.getParamOffsetStart());
                }
                layout.segments.computeIfAbsent(id, k -> new HashMap<>())
                        .put(ps.getParamName(), new Segments(offsets, ps.getParamOffsetEnd() - ps.getParamOffsetStart()));
            }
        }
        return layout;
    }

    Segments get(String nodeId, String paramKey) {
        Map<String, Segments> m = segments.get(nodeId);
        return m == null ? null : m.get(paramKey);
    }

    Map<String, Map<String, Segments>> all() {
        return segments;
    }
}
