package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.hub.Message;
import io.c254.streaming.session.Admission;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.ChannelSubscriber;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.WireHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data frames pass below the idle handler that times heartbeats, so the stream's handler asks whether
 * data went out before it writes one: a stream that carries data needs no comment to stay open.
 */
class SseHeartbeatTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private ChannelSubscriber data;

    @BeforeEach
    void openStream() {
        Config config = ConfigLoader.load(Map.of());
        SessionRegistry sessions = new SessionRegistry(config.limits());
        channel.pipeline().addLast(WireHandler.NAME, WireHandler.INSTANCE);
        data = new ChannelSubscriber(channel, SseEvents.DATA, SseFrames.INSTANCE, new DeliveryStats().counter(Transport.SSE));
        Session session = ((Admission.Admitted) sessions.open(new Identity("alice", "acme", Set.of("viewer"), false), null,
                Transport.SSE, data)).session();
        channel.pipeline().addLast(new SseConnectionHandler(session, data, INTERVAL));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aQuietStreamGetsAHeartbeatCommentWhenTheWriterIsIdle() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);

        assertThat(written()).containsExactly(": heartbeat\n\n");
    }

    @Test
    void aStreamThatJustCarriedDataGetsNoHeartbeat() {
        ByteBuf event = SseEvents.DATA.encode(message(), UnpooledByteBufAllocator.DEFAULT);
        data.write(event);
        data.flush();
        event.release();

        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);

        assertThat(written()).singleElement().asString().contains("event: data");
    }

    private List<String> written() {
        List<String> out = new ArrayList<>();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ByteBuf bytes = message instanceof HttpContent content ? content.content() : (ByteBuf) message;
            out.add(bytes.toString(StandardCharsets.UTF_8));
            bytes.release();
        }
        return out;
    }

    private static Message message() {
        ObjectNode value = new ObjectMapper().createObjectNode().put("price", 1);
        return new Message("served.market.latest_prices.v1", 0, 1, 1L, null, value, value.toString().getBytes(StandardCharsets.UTF_8));
    }
}
