package io.github.dl4jcompress.spark;

import java.util.concurrent.atomic.LongAdder;

import io.github.dl4jcompress.terngrad.MessageSealer;
import io.github.dl4jcompress.terngrad.MessageVerifier;
import io.github.dl4jcompress.terngrad.TernaryMessage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.v2.transport.UpdatesHandler;
import org.reactivestreams.Subscription;

/**
 * The authenticated envelope of per-layer TernGrad on DL4J's transport: {@link #seal} wraps an encoded message (the
 * INT8 array of {@code TernGradWire}, unchanged) in an HMAC-SHA256 envelope with this sender's id and sequence
 * number; as an {@link UpdatesHandler} subscribed to the parameter server in place of {@code inner}, it opens every
 * received array with a {@link MessageVerifier} and passes on only authentic, first-seen payloads. Anything else —
 * a forged, corrupted or replayed envelope, a bare TernGrad message, DL4J's own INT threshold/bitmap arrays — is
 * dropped, counted and logged by the verifier and never reaches {@code inner}, so it never touches a parameter and
 * does not stop training.
 */
final class AuthenticatedUpdates implements UpdatesHandler {

    private final MessageVerifier verifier;
    private final UpdatesHandler inner;
    private final LongAdder openNanos = new LongAdder();

    AuthenticatedUpdates(MessageVerifier verifier, UpdatesHandler inner) {
        this.verifier = verifier;
        this.inner = inner;
    }

    /** The envelope of {@code message} as an INT8 array (serialized straight into the envelope, sealed in place). */
    static INDArray seal(MessageSealer sealer, TernaryMessage message) {
        return Nd4j.createFromArray(sealer.seal(message));
    }

    @Override
    public void onNext(INDArray array) {
        if (array == null || array.dataType() != DataType.INT8) {
            verifier.rejectMalformed(array == null ? "a null update" : "a " + array.dataType() + " update of length "
                    + array.length() + " is not an authenticated TernGrad envelope (INT8); DL4J's threshold "
                    + "encoding from another training master on this parameter server?");
            return;
        }
        long t0 = System.nanoTime();
        byte[] payload = verifier.open(array.data().asBytes());
        openNanos.add(System.nanoTime() - t0);
        if (payload != null) {
            inner.onNext(Nd4j.createFromArray(payload));
        }
    }

    /** Wall seconds spent checking received envelopes (on the transport's thread). */
    double openSeconds() {
        return openNanos.sum() / 1e9;
    }

    MessageVerifier verifier() {
        return verifier;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        inner.onSubscribe(subscription);
    }

    @Override
    public void onError(Throwable throwable) {
        inner.onError(throwable);
    }

    @Override
    public void onComplete() {
        inner.onComplete();
    }

    @Override
    public INDArray getParametersArray() {
        return inner.getParametersArray();
    }
}
