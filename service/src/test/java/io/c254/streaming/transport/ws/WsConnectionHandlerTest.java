package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.entitlements.RoleEntitlements;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.Subscriber;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.Admission;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.ConnectionRateLimits;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.Subscriptions;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.ChannelSubscriber;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.WireHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One WebSocket connection's handler on an {@link EmbeddedChannel}, behind Netty's real frame decoder:
 * what a client sees for a bad frame, an oversize frame, a flood, a connection too slow to keep up, and
 * after it has left a topic.
 */
class WsConnectionHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FRAME = 1024;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT);
    private ChannelSubscriber connection;
    private final List<Object> seen = new ArrayList<>();

    @AfterEach
    void release() {
        seen.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    /** The connection after its handshake, for alice (a viewer), with these settings besides the defaults. */
    private void open(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(Map.of("ACCESS_ENV", "local", "ACCESS_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME)));
        all.putAll(env);
        Config config = ConfigLoader.load(all);
        StreamingMetrics metrics = new StreamingMetrics();
        SessionRegistry registry = new SessionRegistry(config.limits());
        Subscriptions subscriptions = new Subscriptions(TopicRegistry.load(config), new RoleEntitlements(), index, 10, metrics);
        Sessions sessions = new Sessions(new Authenticator(true, Optional.empty(), Executors.newVirtualThreadPerTaskExecutor()),
                registry, new ConnectionRateLimits(config.rates()), subscriptions, metrics);
        WebSocketDecoderConfig decoding = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(MAX_FRAME).allowExtensions(false).closeOnProtocolViolation(false).build();
        channel.pipeline().addLast(WireHandler.NAME, WireHandler.INSTANCE);
        channel.pipeline().addLast(new WebSocket13FrameDecoder(decoding));
        connection = new ChannelSubscriber(channel, WsDataFormat.INSTANCE, WsFrames.INSTANCE, new DeliveryStats().counter(Transport.WEBSOCKET));
        Session session = ((Admission.Admitted) registry.open(new Identity("alice", "acme", Set.of("viewer"), false), null,
                Transport.WEBSOCKET, connection)).session();
        WsConnectionHandler handler = new WsConnectionHandler(session, sessions,
                new WebSocketServerHandshaker13("ws://localhost/ws/stream", null, decoding), config, metrics);
        channel.pipeline().addLast(handler);
        handler.onEstablished(channel.pipeline().context(handler));
        assertThat(nextText().path("type").asText()).isEqualTo("connection_established");
    }

    @Test
    void aFrameThatIsNotJsonGetsAnErrorAndTheConnectionStaysOpen() {
        open(Map.of());

        send("{\"action\":");

        JsonNode error = nextText();
        assertThat(error.path("error").asText()).isEqualTo("INVALID_MESSAGE");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(channel.isActive()).isTrue();
        send("{\"action\":\"ping\",\"data\":{}}");
        assertThat(nextText().path("type").asText()).isEqualTo("pong");
    }

    @Test
    void aBinaryFrameIsRefusedAsUnsupported() {
        open(Map.of());

        channel.writeInbound(masked(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[]{1, 2, 3}))));

        assertThat(nextText().path("error").asText()).isEqualTo("UNSUPPORTED_FRAME");
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void oneFrameOverTheLimitClosesWith1009AndIsRecordedAsMessageTooBig() {
        open(Map.of());

        channel.writeInbound(masked(new TextWebSocketFrame("x".repeat(MAX_FRAME + 1))));

        CloseWebSocketFrame close = next(CloseWebSocketFrame.class);
        assertThat(close.statusCode()).isEqualTo(1009);
        assertThat(connection.closeReason()).isEqualTo(CloseReason.MESSAGE_TOO_BIG);
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aFloodIsRefusedMessageByMessageThenClosedAsRateLimited() {
        open(Map.of("ACCESS_RATE_MESSAGES_PER_SECOND", "1", "ACCESS_RATE_MESSAGE_BURST", "1", "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "2"));

        // one within the rate, one refused (the first breach), one more (the second breach) and the connection closes
        for (int i = 0; i < 3; i++) {
            send("{\"action\":\"ping\",\"data\":{}}");
        }

        assertThat(nextText().path("type").asText()).isEqualTo("pong");
        assertThat(nextText().path("error").asText()).isEqualTo("RATE_LIMITED");
        assertThat(next(CloseWebSocketFrame.class).statusCode()).isEqualTo(CloseReason.RATE_LIMITED.code());
        assertThat(connection.closeReason()).isEqualTo(CloseReason.RATE_LIMITED);
    }

    @Test
    void aConnectionStillHoldingMoreThanItsBoundTakesNoMoreAndIsClosedAsSlowConsumerWhenTheHubSaysSo() {
        open(Map.of());
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        channel.write(Unpooled.buffer(64).writerIndex(64));
        assertThat(channel.isWritable()).isFalse();

        ByteBuf frame = Unpooled.copiedBuffer("frame", StandardCharsets.UTF_8);
        Subscriber.Written written = connection.write(frame);
        frame.release();
        assertThat(written).isEqualTo(Subscriber.Written.BACKED_UP);
        assertThat(connection.replayRoom()).as("no room for replays either").isZero();

        connection.tooSlow();
        assertThat(connection.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        channel.flush();
        assertThat(drain()).anySatisfy(message -> assertThat(message).isInstanceOfSatisfying(CloseWebSocketFrame.class,
                close -> assertThat(close.statusCode()).isEqualTo(CloseReason.SLOW_CONSUMER.code())));
    }

    @Test
    void nothingOfATopicFollowsItsUnsubscribedAcknowledgement() {
        open(Map.of());
        send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TopicRegistry.CURVE_UPDATES + "\"]}}");
        assertThat(nextText().path("error").asText()).as("a viewer may not read curves").isEqualTo("SUBSCRIPTION_DENIED");
        deliver(TopicRegistry.LATEST_PRICES, 1);
        List<JsonNode> delivered = dataFrames(drain());
        assertThat(delivered).as("the default topic delivers").hasSize(1);
        assertThat(delivered.getFirst().path("offset").asLong()).isEqualTo(1);
        assertThat(Cursor.read(delivered.getFirst().path("cursor").asText())).as("with its cursor")
                .isEqualTo(new Cursor.Read.Valid(Cursor.of(Map.of(TopicRegistry.LATEST_PRICES, new long[]{2}))));

        send("{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + TopicRegistry.LATEST_PRICES + "\"]}}");
        assertThat(nextText().path("type").asText()).isEqualTo("unsubscribed");
        deliver(TopicRegistry.LATEST_PRICES, 2);

        assertThat(drain()).isEmpty();
    }

    /** The data messages among what was written, as a real client decodes the bytes. */
    private static List<JsonNode> dataFrames(List<Object> written) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
        try {
            for (Object message : written) {
                client.writeInbound(((ByteBuf) message).retain());
            }
            List<JsonNode> frames = new ArrayList<>();
            for (TextWebSocketFrame frame = client.readInbound(); frame != null; frame = client.readInbound()) {
                frames.add(JSON.readTree(frame.text()));
                frame.release();
            }
            return frames;
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            client.finishAndReleaseAll();
        }
    }

    private void deliver(String topic, long offset) {
        ObjectNode value = JSON.createObjectNode().put("n", offset);
        fanOut.dispatch(List.of(new Message(topic, 0, offset, 1_700_000_000_000L, null, value, value.toString().getBytes(StandardCharsets.UTF_8), null)));
        channel.runPendingTasks();
    }

    private void send(String text) {
        channel.writeInbound(masked(new TextWebSocketFrame(text)));
    }

    /** The frame as a browser sends it: masked, through a real client encoder. */
    private static ByteBuf masked(Object frame) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        client.writeOutbound(frame);
        ByteBuf bytes = Unpooled.buffer();
        for (ByteBuf part = client.readOutbound(); part != null; part = client.readOutbound()) {
            bytes.writeBytes(part);
            part.release();
        }
        client.finishAndReleaseAll();
        return bytes;
    }

    private JsonNode nextText() {
        TextWebSocketFrame text = next(TextWebSocketFrame.class);
        try {
            return JSON.readTree(text.text());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text.text(), e);
        }
    }

    private <T> T next(Class<T> type) {
        channel.runPendingTasks();
        Object message = channel.readOutbound();
        assertThat(message).as("the next frame written").isInstanceOf(type);
        seen.add(message);
        return type.cast(message);
    }

    private List<Object> drain() {
        channel.runPendingTasks();
        List<Object> messages = new ArrayList<>();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            messages.add(message);
        }
        seen.addAll(messages);
        return messages;
    }
}
