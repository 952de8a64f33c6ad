package io.github.dl4jcompress.terngrad;

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

    public long senderId() {
        return senderId;
    }

    /** Messages sealed so far. */
    public long sealed() {
        return nextSequence.get();
    }
}
