package io.github.dl4jcompress.cli.compress;

import io.github.dl4jcompress.cli.data.ShuffledBatches;
import io.github.dl4jcompress.cli.prune.InputShape;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Mini-batches of flat image features ({@link ShuffledBatches}, which slices rows of a 2-d array), reshaped to NCHW
 * per batch when the network takes images as {@code [n, C, H, W]}.
 */
final class ImageBatches {

    private ImageBatches() {
    }

    /** @param nchw the image shape to reshape each batch to, or null to keep the flat features */
    static ShuffledBatches of(DataSet flat, int batch, long seed, boolean shuffle, InputShape nchw) {
        ShuffledBatches b = new ShuffledBatches(flat, batch, seed, shuffle);
        if (nchw != null) {
            b.setPreProcessor(ds -> ((DataSet) ds).setFeatures(ds.getFeatures().reshape('c', nchw.nchw(ds.getFeatures().size(0)))));
        }
        return b;
    }
}
