package io.github.dl4jcompress.spark;

import io.github.dl4jcompress.terngrad.MalformedTernaryMessageException;
import io.github.dl4jcompress.terngrad.SegmentLayout;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import io.github.dl4jcompress.terngrad.TernaryMessageDecoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a {@link TernaryMessage} rides DL4J's gradient-sharing transport: its bytes ({@code 20 + 8·segments + ⌈N/4⌉})
 * wrapped in an INT8 vector, the only array type DL4J's {@code GradientsUpdateMessage} needs. DL4J's own messages are
 * INT vectors (threshold or bitmap encoding), so a mix-up is detected and named.
 */
final class TernGradWire {

    private TernGradWire() {
    }

    static INDArray wrap(TernaryMessage message) {
        return Nd4j.createFromArray(message.toBytes());
    }

    /**
     * Decodes and validates one received array against the receiver's per-layer layout: a message cut 3+3+3 is
     * refused by a 4+5 model although both cover 9 parameters.
     *
     * @throws MalformedTernaryMessageException if it is not an INT8 TernGrad message cut exactly like {@code layout}
     */
    static TernaryMessage decode(INDArray array, SegmentLayout layout) {
        if (array == null) {
            throw new MalformedTernaryMessageException("Received a null update");
        }
        if (array.dataType() != DataType.INT8) {
            throw new MalformedTernaryMessageException("Received a " + array.dataType() + " update of length "
                    + array.length() + ", not a TernGrad message (INT8): is another training master (DL4J's threshold "
                    + "encoding) sharing this parameter server?");
        }
        TernaryMessage message = TernaryMessageDecoder.decode(array.data().asBytes());
        if (message.totalLength() != layout.totalLength()) {
            throw new MalformedTernaryMessageException("Received a TernGrad message for " + message.totalLength()
                    + " parameters but this model has " + layout.totalLength());
        }
        TernaryMessageDecoder.checkLayout(message, layout);
        return message;
    }
}
