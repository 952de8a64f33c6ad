package io.github.dl4jcompress.regularization;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;

/**
 * Which place of a network's flat parameter vector each bound layout has been applied to. DL4J hands a regularizer a
 * view of that vector; a Group Lasso bound to layer 'b' but put on the global builder is copied into every layer, and
 * its copy in layer 'a' would silently penalise 'a' with 'b''s groups when both have the same shape. Two places of one
 * parameter buffer claimed for the same layer reveal it; the claim is checked before anything is changed.
 *
 * <p>Buffers are told apart by identity (weakly held, keyed by address), so another network, re-initialised parameters
 * or a standalone array start afresh.
 */
final class WeightClaims {

    private static final Map<Long, Claims> BY_ADDRESS = new HashMap<>();

    private static final class Claims {
        final WeakReference<DataBuffer> buffer;
        final Map<String, Long> offsetByLayer = new HashMap<>();

        Claims(DataBuffer buffer) {
            this.buffer = new WeakReference<>(buffer);
        }
    }

    private WeightClaims() {
    }

    /**
     * Records that {@code who}, bound to {@code layout}, acts on {@code param}; throws {@link IllegalStateException}
     * if a weight at another offset of the same parameter buffer was already claimed for that layer.
     */
    static synchronized void claim(String who, WeightLayout layout, INDArray param) {
        DataBuffer root = param.data() == null ? null : param.data().originalDataBuffer();
        if (root == null) {
            return; // not a view of a network's parameter vector
        }
        while (root.originalDataBuffer() != null) {
            root = root.originalDataBuffer();
        }
        long address = root.address();
        Claims claims = BY_ADDRESS.get(address);
        if (claims == null || claims.buffer.get() != root) {
            if (BY_ADDRESS.size() > 64) {
                BY_ADDRESS.values().removeIf(c -> c.buffer.get() == null);
            }
            claims = new Claims(root);
            BY_ADDRESS.put(address, claims);
        }
        long offset = param.offset();
        Long previous = claims.offsetByLayer.putIfAbsent(layout.getLayerName(), offset);
        if (previous != null && previous != offset) {
            throw new IllegalStateException(who + " bound to " + layout.describeLayer() + ", parameter W " + layout.describeShape()
                    + ", was applied to two different weights of one network (parameter offsets " + previous + " and " + offset
                    + "): a Group Lasso bound to one layer is in the regularization list of another layer of the same shape "
                    + "(a bound instance put on the global NeuralNetConfiguration.Builder is copied into every layer), and "
                    + "would penalise it with " + layout.describeLayer() + "'s groups. Nothing was changed. Bind one instance "
                    + "per layer with StructuredSparsity...applyTo(conf) or GroupLasso.bind.");
        }
    }
}
