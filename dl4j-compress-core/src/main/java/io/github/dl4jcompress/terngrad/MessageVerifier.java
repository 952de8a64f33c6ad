package io.github.dl4jcompress.terngrad;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of authenticated messages: {@link MessageAuthenticator#open} (format, MAC) then
 * {@link ReplayWindow#accept} (sender, sequence); a receiver that also sends refuses its own sender id, so its own
 * messages cannot be reflected back to it and applied twice. A rejected envelope is dropped, counted by
 * {@link RejectedMessageException.Reason}, and logged (the first of each reason, then every 1000th), so a flood of
 * forgeries neither fills the log nor stops training; its payload is never returned. Thread-safe.
 */
public final class MessageVerifier {

    private static final Logger log = LoggerFactory.getLogger(MessageVerifier.class);
    private static final long LOG_EVERY = 1000;

    private final MessageAuthenticator authenticator;
    private final ReplayWindow window = new ReplayWindow();
    private final String receiver;
    private final Long ownSenderId;
    private final AtomicLong accepted = new AtomicLong();
    private final Map<RejectedMessageException.Reason, AtomicLong> rejected =
            new EnumMap<>(RejectedMessageException.Reason.class);

    /** @param receiver who receives (for the log), e.g. "driver" or "executor 1" */
    public MessageVerifier(MessageAuthenticator authenticator, String receiver) {
        this(authenticator, receiver, null);
    }

    /** For a receiver that also sends with {@code own}: its own messages are refused as replays. */
    public MessageVerifier(MessageAuthenticator authenticator, String receiver, MessageSealer own) {
        this.authenticator = authenticator;
        this.receiver = receiver;
        this.ownSenderId = own == null ? null : own.senderId();
        for (RejectedMessageException.Reason r : RejectedMessageException.Reason.values()) {
            rejected.put(r, new AtomicLong());
        }
    }

    /** The authentic, first-seen payload of {@code envelope}, or null if it was rejected (then counted and logged). */
    public byte[] open(byte[] envelope) {
        try {
            MessageAuthenticator.Envelope e = authenticator.open(envelope);
            if (ownSenderId != null && ownSenderId == e.senderId()) {
                throw new RejectedMessageException(RejectedMessageException.Reason.REPLAYED, String.format(
                        "sender %016x is this receiver itself: its own message reflected back", e.senderId()));
            }
            if (!window.accept(e.senderId(), e.sequence())) {
                throw new RejectedMessageException(RejectedMessageException.Reason.REPLAYED, String.format(
                        "sender %016x sequence %d was already accepted or is older than the window of %d",
                        e.senderId(), e.sequence(), ReplayWindow.WIDTH));
            }
            accepted.incrementAndGet();
            return e.payload();
        } catch (RejectedMessageException e) {
            reject(e.reason(), e.getMessage());
            return null;
        }
    }

    /**
     * Counts and logs a message refused before it could be opened (e.g. a transport array of the wrong type);
     * counted as {@link RejectedMessageException.Reason#MALFORMED}.
     */
    public void rejectMalformed(String why) {
        reject(RejectedMessageException.Reason.MALFORMED, RejectedMessageException.Reason.MALFORMED + ": " + why);
    }

    private void reject(RejectedMessageException.Reason reason, String message) {
        long n = rejected.get(reason).incrementAndGet();
        if (n == 1 || n % LOG_EVERY == 0) {
            log.warn("Authenticated TernGrad: {} dropped a received message ({} so far for this reason): {}",
                    receiver, n, message);
        }
    }

    /** Envelopes accepted. */
    public long accepted() {
        return accepted.get();
    }

    /** Envelopes rejected for {@code reason}. */
    public long rejected(RejectedMessageException.Reason reason) {
        return rejected.get(reason).get();
    }

    /** Envelopes rejected for any reason. */
    public long rejected() {
        return rejected.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
