package io.c254.streaming.transport.ws;

import io.c254.streaming.session.SubscribeOptions;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.Problem;

import java.util.List;

/** A client's frame, parsed: one of the actions, or the error to answer it with. */
sealed interface WsCommand {

    /** @param options the cursor to resume from (`data.resume`) and the rate cap (`data.max_rate`) */
    record Subscribe(List<String> topics, Filter filter, SubscribeOptions options) implements WsCommand {
    }

    record Unsubscribe(List<String> topics) implements WsCommand {
    }

    record Ping() implements WsCommand {
    }

    /** A fresh token for the same user and tenant, to go on past the current token's expiry. */
    record Refresh(String token) implements WsCommand {
    }

    record Invalid(Problem problem) implements WsCommand {
    }
}
