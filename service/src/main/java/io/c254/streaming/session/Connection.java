package io.c254.streaming.session;

import io.c254.streaming.hub.Subscriber;

/** A client connection as sessions see it: the hub's subscriber, which can also be ended with a reason. */
public interface Connection extends Subscriber {

    /** Ends the connection with a reason the client can read; safe from any thread. */
    void close(CloseReason reason);

    /** Tells the client of an error that is no answer to anything it sent (a revocation); safe from any thread. */
    void notify(Problem problem);

    /** Data messages written to this connection so far; read on its event loop. */
    long messagesSent();

    /** Why the server ended the connection, or null while it has not (or the client left first). */
    CloseReason closeReason();
}
