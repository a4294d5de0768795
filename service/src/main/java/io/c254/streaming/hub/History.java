package io.c254.streaming.hub;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the records a resuming subscription missed are read from (Kafka; see the ingest's KafkaHistory).
 * The hub asks once per resumed topic, right after the subscription went live on its event loop: live
 * records are held back for it meanwhile. The history reads from the client's positions to the end of
 * every partition, hands the records over a chunk at a time, at the pace the client takes them, and asks
 * whether the subscription has caught up; it reads on to the new end until it has.
 */
public interface History {

    /** @param from per partition, the next offset the client has not been given; partitions past its end: from their start */
    void replay(String topic, long[] from, Replay replay);

    /** A history that holds nothing: a resume goes on from live at once (tests of the hub without Kafka). */
    History NONE = (topic, from, replay) -> replay.begin(from, List.of(), List.of())
            .thenCompose(begun -> replay.caughtUp(from));

    /** One resumed subscription as the history sees it. Called on the history's thread; every answer comes back to it. */
    interface Replay {

        /** The subscription has ended (unsubscribed, revoked, closed): stop reading for it. */
        boolean cancelled();

        /**
         * Where reading begins in each partition, after `missing` (removed by retention) and `beyondEnd` (the
         * cursor ahead of the partition's end) were skipped. Completes once the client has been told.
         */
        CompletableFuture<Void> begin(long[] from, List<Gap> missing, List<Gap> beyondEnd);

        /** Records removed while they were being read (retention went past the reader): the client is told, reading goes on. */
        CompletableFuture<Void> skipped(List<Gap> missing);

        /** Records of the topic in partition order; completes once written to the client, or dropped because it left. */
        CompletableFuture<Void> deliver(List<Message> records);

        /**
         * The reader has handed over everything before `reached` (per partition). Completes true when the
         * subscription is live from here; false when live records came faster than it could hold back, and the
         * reader must read on to the partitions' new end.
         */
        CompletableFuture<Boolean> caughtUp(long[] reached);
    }
}
