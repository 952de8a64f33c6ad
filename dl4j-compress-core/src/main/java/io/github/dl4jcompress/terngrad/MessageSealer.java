package io.github.dl4jcompress.terngrad;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending side of authenticated messages: one per sender (a Spark executor's trainer), with a random 64-bit
 * sender id and a sequence number counting from 0, so that a restarted sender is a new sender and a receiver's
 * {@link ReplayWindow} never confuses them.
 */
public final class MessageSealer {

    private final MessageAuthenticator authenticator;
    private final long senderId;
    private final AtomicLong nextSequence = new AtomicLong();

    public MessageSealer(MessageAuthenticator authenticator) {
        this(authenticator, new SecureRandom().nextLong());
    }

    /** With a given sender id (tests; ids must be unique per key). */
    public MessageSealer(MessageAuthenticator authenticator, long senderId) {
        this.authenticator = authenticator;
        this.senderId = senderId;
    }

    /** The envelope of {@code payload} with this sender's id and next sequence number. */
    public byte[] seal(byte[] payload) {
        return authenticator.seal(senderId, nextSequence.getAndIncrement(), payload);
    }

    /**
     * The envelope of {@code message}: its bytes are written straight into the envelope and tagged there, so
     * sealing adds no copy of the payload to serializing it ({@link MessageAuthenticator#sealInPlace}).
     */
    public byte[] seal(TernaryMessage message) {
        byte[] envelope = new byte[MessageAuthenticator.OVERHEAD_BYTES + message.sizeInBytes()];
        message.writeTo(ByteBuffer.wrap(envelope, MessageAuthenticator.HEADER_BYTES, message.sizeInBytes()));
        sealInPlace(envelope);
        return envelope;
    }

    /** Seals, with this sender's id and next sequence number, an envelope whose payload is already in place. */
    public void sealInPlace(byte[] envelope) {
        authenticator.sealInPlace(senderId, nextSequence.getAndIncrement(), envelope);
    }

    public long senderId() {
        return senderId;
    }

    /** Messages sealed so far. */
    public long sealed() {
        return nextSequence.get();
    }
}
