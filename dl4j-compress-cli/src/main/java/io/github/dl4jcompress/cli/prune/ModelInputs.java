package io.github.dl4jcompress.cli.prune;

import io.github.dl4jcompress.prune.AnyNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Random inputs of a given CxHxW shape in whichever layout the network accepts: NCHW
 * ({@code InputType.convolutional}) first, then flat {@code [N, C*H*W]} ({@code convolutionalFlat}).
 * The layout is found by a trial forward pass, since saved configurations do not record input types.
 */
public final class ModelInputs {

    private static final Logger log = LoggerFactory.getLogger(ModelInputs.class);

    private ModelInputs() {
    }

    /** Uniform [0,1) values (image-like), in the network's parameter data type. */
    public static INDArray random(AnyNetwork net, InputShape shape, int batch, long seed) throws UnusableInputException {
        DataType type = net.model().params().dataType();
        Nd4j.getRandom().setSeed(seed);
        INDArray nchw = Nd4j.rand(type, shape.nchw(batch));
        RuntimeException first;
        try {
            net.output(nchw);
            return nchw;
        } catch (RuntimeException e) {
            first = e;
            log.debug("NCHW input {} rejected: {}", shape, e.toString());
        }
        INDArray flat = nchw.reshape('c', shape.flat(batch));
        try {
            net.output(flat);
            return flat;
        } catch (RuntimeException e) {
            throw new UnusableInputException("the model accepts neither NCHW nor flat inputs of shape " + shape
                    + " (use --input CxHxW): " + first.getMessage());
        }
    }
}
