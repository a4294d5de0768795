package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class WsCommandParserTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void subscribeCarriesTopicsAndFilters() throws Exception {
        WsCommand command = WsCommandParser.parse("""
                {"action":"subscribe","data":{"topics":["pricing.updates","curve.changes"],
                 "filters":{"commodity":"oil","region":["north_sea","gulf"]}}}""");

        assertThat(command).isInstanceOf(WsCommand.Subscribe.class);
        WsCommand.Subscribe subscribe = (WsCommand.Subscribe) command;
        assertThat(subscribe.topics()).containsExactly("pricing.updates", "curve.changes");
        assertThat(subscribe.filter().source())
                .isEqualTo(MAPPER.readTree("{\"commodity\":\"oil\",\"region\":[\"north_sea\",\"gulf\"]}"));
        assertThat(subscribe.filter().matches(object("{\"commodity\":\"oil\",\"region\":\"gulf\"}"))).isTrue();
        assertThat(subscribe.filter().matches(object("{\"commodity\":\"gas\",\"region\":\"gulf\"}"))).isFalse();
    }

    @Test
    void subscribeCarriesTheResumeCursorAndTheRateCap() {
        String cursor = io.c254.streaming.hub.Cursor.of(Map.of("a.b", new long[]{7, 9})).encode();
        WsCommand command = WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"],\"resume\":\""
                + cursor + "\",\"max_rate\":5}}");

        assertThat(command).isInstanceOfSatisfying(WsCommand.Subscribe.class, subscribe -> {
            assertThat(subscribe.options().resume().next("a.b")).containsExactly(7, 9);
            assertThat(subscribe.options().maxRate()).isEqualTo(5);
        });
        assertThat(((WsCommand.Subscribe) WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"]}}"))
                .options()).isEqualTo(io.c254.streaming.session.SubscribeOptions.LIVE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12", "\"not-a-cursor!\"", "\"AQE\""})
    void aResumeThatIsNotACursorTheGatewayWroteIsInvalidCursorNamingTheField(String resume) {
        WsCommand command = WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"],\"resume\":" + resume + "}}");

        assertThat(command).isInstanceOfSatisfying(WsCommand.Invalid.class, invalid -> {
            assertThat(invalid.problem().code()).isEqualTo(ErrorCode.INVALID_CURSOR);
            assertThat(invalid.problem().message()).contains("data.resume");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "1.5", "\"fast\"", "10001", "true"})
    void aMaxRateOutsideOneToTenThousandIsRefusedNamingTheFieldAndTheRange(String rate) {
        WsCommand command = WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"],\"max_rate\":" + rate + "}}");

        assertThat(command).isInstanceOfSatisfying(WsCommand.Invalid.class, invalid -> {
            assertThat(invalid.problem().code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
            assertThat(invalid.problem().message()).contains("data.max_rate", "from 1 to 10000");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"]}}",
            "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a.b\"],\"filters\":null}}"})
    void subscribeWithoutFiltersHasNoFilter(String frame) {
        WsCommand command = WsCommandParser.parse(frame);

        assertThat(command).isInstanceOf(WsCommand.Subscribe.class);
        assertThat(((WsCommand.Subscribe) command).filter().isEmpty()).isTrue();
    }

    @Test
    void duplicateTopicNamesAreCollapsedInOrder() {
        WsCommand command = WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"b\",\"a\",\"b\",\"a\"]}}");

        assertThat(((WsCommand.Subscribe) command).topics()).containsExactly("b", "a");
    }

    @Test
    void unsubscribeCarriesTopics() {
        WsCommand command = WsCommandParser.parse("{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"pricing.updates\",\"pricing.updates\"]}}");

        assertThat(command).isEqualTo(new WsCommand.Unsubscribe(List.of("pricing.updates")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"action\":\"ping\",\"data\":{}}", "{\"action\":\"ping\"}", "{\"action\":\"ping\",\"data\":{\"t\":1}}"})
    void pingWithOrWithoutDataIsAPing(String frame) {
        assertThat(WsCommandParser.parse(frame)).isEqualTo(new WsCommand.Ping());
    }

    @Test
    void topicsBeyondTheLimitAreRejected() {
        String atLimit = topics(WsCommandParser.MAX_TOPICS_PER_REQUEST);
        String overLimit = topics(WsCommandParser.MAX_TOPICS_PER_REQUEST + 1);

        assertThat(WsCommandParser.parse(atLimit)).isInstanceOf(WsCommand.Subscribe.class);
        assertThat(problem(WsCommandParser.parse(overLimit)).code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void badFrameIsAnsweredWithTheErrorCodeNamingIt(String description, String frame, ErrorCode code, String messageMentions) {
        Problem problem = problem(WsCommandParser.parse(frame));

        assertThat(problem.code()).isEqualTo(code);
        assertThat(problem.message()).contains(messageMentions);
    }

    static Stream<Arguments> badFrames() {
        return Stream.of(
                Arguments.of("not JSON", "subscribe please", ErrorCode.INVALID_MESSAGE, "not valid JSON"),
                Arguments.of("truncated JSON", "{\"action\":\"subscribe\"", ErrorCode.INVALID_MESSAGE, "not valid JSON"),
                Arguments.of("empty frame", "", ErrorCode.INVALID_MESSAGE, "JSON object"),
                Arguments.of("a JSON array", "[{\"action\":\"ping\"}]", ErrorCode.INVALID_MESSAGE, "JSON object"),
                Arguments.of("a JSON string", "\"ping\"", ErrorCode.INVALID_MESSAGE, "JSON object"),
                Arguments.of("no action", "{\"data\":{\"topics\":[\"a\"]}}", ErrorCode.MISSING_FIELD, "'action'"),
                Arguments.of("empty action", "{\"action\":\"\"}", ErrorCode.MISSING_FIELD, "'action'"),
                Arguments.of("action not a string", "{\"action\":1}", ErrorCode.MISSING_FIELD, "'action'"),
                Arguments.of("unknown action", "{\"action\":\"publish\"}", ErrorCode.UNKNOWN_ACTION, "'publish'"),
                Arguments.of("action in wrong case", "{\"action\":\"Subscribe\"}", ErrorCode.UNKNOWN_ACTION, "'Subscribe'"),
                Arguments.of("subscribe without data", "{\"action\":\"subscribe\"}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("subscribe with data a list", "{\"action\":\"subscribe\",\"data\":[\"a\"]}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("subscribe without topics", "{\"action\":\"subscribe\",\"data\":{}}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("subscribe with empty topics", "{\"action\":\"subscribe\",\"data\":{\"topics\":[]}}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("topics not a list", "{\"action\":\"subscribe\",\"data\":{\"topics\":\"a.b\"}}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("unsubscribe without topics", "{\"action\":\"unsubscribe\",\"data\":{}}", ErrorCode.MISSING_FIELD, "data.topics"),
                Arguments.of("topic not a string", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\",42]}}", ErrorCode.INVALID_MESSAGE, "42"),
                Arguments.of("illegal topic name", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"bad topic!\"]}}", ErrorCode.INVALID_MESSAGE, "bad topic!"),
                Arguments.of("topic name with colon", "{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"a:b\"]}}", ErrorCode.INVALID_MESSAGE, "a:b"),
                Arguments.of("empty topic name", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"\"]}}", ErrorCode.INVALID_MESSAGE, "Topic names"),
                Arguments.of("filters not an object", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\"],\"filters\":\"oil\"}}", ErrorCode.INVALID_FILTER, "object"),
                Arguments.of("filter with nested object", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\"],\"filters\":{\"c\":{\"x\":1}}}}", ErrorCode.INVALID_FILTER, "'c'"),
                Arguments.of("filter with empty list", "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\"],\"filters\":{\"c\":[]}}}", ErrorCode.INVALID_FILTER, "'c'"));
    }

    @Test
    void filterWithANumberTooLargeForADoubleIsAcceptedAndMatchesThatNumber() throws Exception {
        String frame = "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\"],\"filters\":{\"price\":1e400}}}";

        WsCommand command = WsCommandParser.parse(frame);

        assertThat(command).isInstanceOf(WsCommand.Subscribe.class);
        WsCommand.Subscribe subscribe = (WsCommand.Subscribe) command;
        assertThat(subscribe.topics()).containsExactly("a");
        assertThat(subscribe.filter().source()).isEqualTo(MAPPER.readTree("{\"price\":1e400}"));
        assertThat(subscribe.filter().matches(object("{\"price\":1e400}"))).isTrue();
        assertThat(subscribe.filter().matches(object("{\"price\":75.5}"))).isFalse();
    }

    @Test
    void filterLimitsOfTheConnectionApply() {
        String frame = "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"a\"],\"filters\":{\"c\":\"oil\",\"r\":\"gulf\"}}}";

        Problem problem = problem(WsCommandParser.parse(frame, new Filter.Limits(1, 10)));

        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_FILTER);
        assertThat(problem.message()).isEqualTo("Invalid filters: filters may name at most 1 fields");
        assertThat(WsCommandParser.parse(frame, new Filter.Limits(2, 10))).isInstanceOf(WsCommand.Subscribe.class);
    }

    @Test
    void refreshCarriesTheNewToken() {
        assertThat(WsCommandParser.parse("{\"action\":\"refresh\",\"data\":{\"token\":\"eyJ.new.token\"}}"))
                .isEqualTo(new WsCommand.Refresh("eyJ.new.token"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"action\":\"refresh\"}",
            "{\"action\":\"refresh\",\"data\":{}}",
            "{\"action\":\"refresh\",\"data\":{\"token\":\" \"}}",
            "{\"action\":\"refresh\",\"data\":{\"token\":42}}"})
    void refreshWithoutATokenIsAMissingField(String frame) {
        Problem problem = problem(WsCommandParser.parse(frame));

        assertThat(problem.code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(problem.message()).contains("'data.token'");
    }

    @Test
    void illegalTopicIsNamedInTheErrorDetails() {
        Problem problem = problem(WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"bad topic!\"]}}"));

        assertThat(problem.details()).isEqualTo(Map.of("topic", "bad topic!"));
    }

    @Test
    void veryLongIllegalTopicIsAbbreviatedInTheError() {
        String longName = "x".repeat(300) + "!";
        Problem problem = problem(WsCommandParser.parse("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + longName + "\"]}}"));

        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(problem.message()).hasSizeLessThan(250).doesNotContain(longName);
    }

    private static Problem problem(WsCommand command) {
        assertThat(command).isInstanceOf(WsCommand.Invalid.class);
        return ((WsCommand.Invalid) command).problem();
    }

    private static String topics(int count) {
        return IntStream.range(0, count).mapToObj(i -> "\"t" + i + "\"")
                .collect(Collectors.joining(",", "{\"action\":\"subscribe\",\"data\":{\"topics\":[", "]}}"));
    }

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) MAPPER.readTree(json);
    }

    @Test
    void trailingContentAfterTheCommandIsNotIgnored() {
        Problem problem = problem(WsCommandParser.parse("{\"action\":\"ping\"} junk"));

        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(problem.message()).startsWith("Frame is not valid JSON");
    }
}
