package io.c254.streaming.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class FilterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void absentFilterMeansNoFilter() {
        assertThat(Filter.parse(null)).isEqualTo(new Filter.Parsed.Valid(Filter.none()));
        assertThat(Filter.parse(NullNode.instance)).isEqualTo(new Filter.Parsed.Valid(Filter.none()));
        assertThat(Filter.parse(MissingNode.getInstance())).isEqualTo(new Filter.Parsed.Valid(Filter.none()));
        assertThat(Filter.none().isEmpty()).isTrue();
    }

    @Test
    void noFilterMatchesAnyRecord() {
        assertThat(Filter.none().matches(object("{}"))).isTrue();
        assertThat(Filter.none().matches(object("{\"commodity\":\"oil\"}"))).isTrue();
    }

    @Test
    void singleValueMatchesOnlyThatValue() {
        Filter oil = filter("{\"commodity\":\"oil\"}");

        assertThat(oil.isEmpty()).isFalse();
        assertThat(oil.matches(object("{\"commodity\":\"oil\",\"price\":75.5}"))).isTrue();
        assertThat(oil.matches(object("{\"commodity\":\"gas\"}"))).isFalse();
        assertThat(oil.matches(object("{\"commodity\":\"Oil\"}"))).isFalse();
    }

    @Test
    void listMatchesAnyOfItsValues() {
        Filter oilOrGas = filter("{\"commodity\":[\"oil\",\"gas\"]}");

        assertThat(oilOrGas.matches(object("{\"commodity\":\"oil\"}"))).isTrue();
        assertThat(oilOrGas.matches(object("{\"commodity\":\"gas\"}"))).isTrue();
        assertThat(oilOrGas.matches(object("{\"commodity\":\"coal\"}"))).isFalse();
    }

    @Test
    void everyFieldMustMatch() {
        Filter filter = filter("{\"commodity\":\"oil\",\"region\":[\"north_sea\",\"gulf\"]}");

        assertThat(filter.matches(object("{\"commodity\":\"oil\",\"region\":\"gulf\"}"))).isTrue();
        assertThat(filter.matches(object("{\"commodity\":\"oil\",\"region\":\"asia\"}"))).isFalse();
        assertThat(filter.matches(object("{\"commodity\":\"gas\",\"region\":\"gulf\"}"))).isFalse();
    }

    @Test
    void recordWithoutTheFieldNeverMatches() {
        Filter filter = filter("{\"commodity\":\"oil\",\"region\":\"gulf\"}");

        assertThat(filter.matches(object("{\"commodity\":\"oil\"}"))).isFalse();
        assertThat(filter.matches(object("{\"commodity\":\"oil\",\"region\":null}"))).isFalse();
    }

    @Test
    void recordFieldHoldingObjectOrListNeverMatches() {
        Filter filter = filter("{\"region\":\"gulf\"}");

        assertThat(filter.matches(object("{\"region\":{\"name\":\"gulf\"}}"))).isFalse();
        assertThat(filter.matches(object("{\"region\":[\"gulf\"]}"))).isFalse();
    }

    @Test
    void stringNeverMatchesNumberWrittenTheSame() {
        assertThat(filter("{\"price\":\"75.5\"}").matches(object("{\"price\":75.5}"))).isFalse();
        assertThat(filter("{\"price\":75.5}").matches(object("{\"price\":\"75.5\"}"))).isFalse();
        assertThat(filter("{\"volume\":1}").matches(object("{\"volume\":\"1\"}"))).isFalse();
    }

    @ParameterizedTest(name = "filter {0} matches record {1}")
    @CsvSource(delimiter = ';', value = {
            "75.5;75.50", "75.50;75.5", "1;1.0", "1.0;1", "100;1e2", "0;-0.0", "-3;-3.000",
            "1e20;100000000000000000000"})
    void numericFilterMatchesEqualNumberWrittenDifferently(String filterNumber, String recordNumber) {
        Filter filter = filter("{\"price\":" + filterNumber + "}");

        assertThat(filter.matches(object("{\"price\":" + recordNumber + "}"))).isTrue();
    }

    @ParameterizedTest(name = "filter {0} does not match record {1}")
    @CsvSource(delimiter = ';', value = {"75.5;75.51", "1;10", "1;-1", "0.1;1"})
    void numericFilterRejectsDifferentNumber(String filterNumber, String recordNumber) {
        Filter filter = filter("{\"price\":" + filterNumber + "}");

        assertThat(filter.matches(object("{\"price\":" + recordNumber + "}"))).isFalse();
    }

    @Test
    void booleanFilterMatchesOnlyThatBoolean() {
        Filter active = filter("{\"active\":true}");

        assertThat(active.matches(object("{\"active\":true}"))).isTrue();
        assertThat(active.matches(object("{\"active\":false}"))).isFalse();
        assertThat(active.matches(object("{\"active\":\"true\"}"))).isFalse();
        assertThat(active.matches(object("{\"active\":1}"))).isFalse();
    }

    @Test
    void filterKeepsWhatTheClientWroteForAcknowledgements() {
        String written = "{\"commodity\":[\"oil\",\"gas\"],\"price\":75.50}";

        assertThat(filter(written).source()).isEqualTo(object(written));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFilters")
    void invalidFilterIsRejectedWithReasonNamingTheProblem(String description, String json, String reasonMentions) {
        Filter.Parsed parsed = Filter.parse(node(json));

        assertThat(parsed).isInstanceOf(Filter.Parsed.Invalid.class);
        assertThat(((Filter.Parsed.Invalid) parsed).reason()).contains(reasonMentions);
    }

    static Stream<Arguments> invalidFilters() {
        return Stream.of(
                Arguments.of("a list instead of an object", "[\"oil\"]", "object"),
                Arguments.of("a string instead of an object", "\"oil\"", "object"),
                Arguments.of("a nested object value", "{\"region\":{\"name\":\"gulf\"}}", "'region'"),
                Arguments.of("an empty list", "{\"region\":[]}", "'region' must list at least one value"),
                Arguments.of("a null value", "{\"region\":null}", "'region'"),
                Arguments.of("a list holding an object", "{\"region\":[\"gulf\",{\"a\":1}]}", "'region' may list only"),
                Arguments.of("a list holding a list", "{\"region\":[[\"gulf\"]]}", "'region'"),
                Arguments.of("an empty field name", "{\"\":\"oil\"}", "field names must not be empty"),
                Arguments.of("too many fields", fields(Filter.MAX_FIELDS + 1), "at most " + Filter.MAX_FIELDS + " fields"),
                Arguments.of("too many values", values(Filter.MAX_VALUES + 1), "at most " + Filter.MAX_VALUES + " values"));
    }

    @Test
    void filterAtTheLimitsIsAccepted() {
        assertThat(Filter.parse(node(fields(Filter.MAX_FIELDS)))).isInstanceOf(Filter.Parsed.Valid.class);
        assertThat(Filter.parse(node(values(Filter.MAX_VALUES)))).isInstanceOf(Filter.Parsed.Valid.class);
    }

    @Test
    void valuesAreCountedAcrossAllFields() {
        int half = Filter.MAX_VALUES / 2 + 1;
        String json = "{\"a\":" + list(0, half) + ",\"b\":" + list(0, half) + "}";

        assertThat(Filter.parse(node(json))).isEqualTo(new Filter.Parsed.Invalid("filters may list at most " + Filter.MAX_VALUES + " values in all"));
        assertThat(Filter.parse(node("{\"a\":" + list(0, half) + "}"))).isInstanceOf(Filter.Parsed.Valid.class);
    }

    @Test
    void limitsOtherThanTheDefaultApply() {
        Filter.Limits small = new Filter.Limits(2, 3);

        assertThat(Filter.parse(node("{\"a\":1,\"b\":[1,2]}"), small)).isInstanceOf(Filter.Parsed.Valid.class);
        assertThat(Filter.parse(node("{\"a\":1,\"b\":2,\"c\":3}"), small))
                .isEqualTo(new Filter.Parsed.Invalid("filters may name at most 2 fields"));
        assertThat(Filter.parse(node("{\"a\":1,\"b\":[1,2,3]}"), small))
                .isEqualTo(new Filter.Parsed.Invalid("filters may list at most 3 values in all"));
    }

    @Test
    void aValueListedTwiceCountsOnce() {
        Filter.Limits oneValue = new Filter.Limits(1, 1);

        assertThat(Filter.parse(node("{\"c\":[\"oil\",\"oil\"]}"), oneValue)).isInstanceOf(Filter.Parsed.Valid.class);
    }

    @Test
    void filterNumberTooLargeForADoubleIsAcceptedAndMatchesThatNumber() {
        Filter.Parsed parsed = Filter.parse(node("{\"price\":1e400}"));

        assertThat(parsed).isInstanceOf(Filter.Parsed.Valid.class);
        Filter filter = ((Filter.Parsed.Valid) parsed).filter();
        assertThat(filter.source()).isEqualTo(object("{\"price\":1e400}"));
        assertThat(filter.matches(object("{\"price\":1e400}"))).isTrue();
        assertThat(filter.matches(object("{\"price\":-1e400}"))).isFalse();
        assertThat(filter.matches(object("{\"price\":1.7976931348623157e308}"))).isFalse();
        assertThat(filter.matches(object("{\"price\":\"1e400\"}"))).isFalse();
        assertThat(filter.matches(object("{\"price\":75.5}"))).isFalse();
    }

    @Test
    void integersTooLargeForADoubleStillCompareExactly() {
        String tenToThe400 = "1" + "0".repeat(400);
        Filter filter = filter("{\"id\":" + tenToThe400 + "}");

        assertThat(filter.matches(object("{\"id\":" + tenToThe400 + "}"))).isTrue();
        assertThat(filter.matches(object("{\"id\":2" + "0".repeat(400) + "}"))).isFalse();
        assertThat(filter.matches(object("{\"id\":" + tenToThe400 + "1}"))).isFalse();
    }

    @Test
    void recordNumberTooLargeForADoubleSimplyDoesNotMatch() {
        Filter filter = filter("{\"price\":75.5}");

        assertThat(filter.matches(object("{\"price\":1e400}"))).isFalse();
        assertThat(filter.matches(object("{\"price\":-1e400}"))).isFalse();
    }

    private static String fields(int count) {
        return IntStream.range(0, count).mapToObj(i -> "\"f" + i + "\":" + i).collect(Collectors.joining(",", "{", "}"));
    }

    private static String values(int count) {
        return "{\"id\":" + list(0, count) + "}";
    }

    private static String list(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    static Filter filter(String json) {
        Filter.Parsed parsed = Filter.parse(node(json));
        assertThat(parsed).as("filter %s", json).isInstanceOf(Filter.Parsed.Valid.class);
        return ((Filter.Parsed.Valid) parsed).filter();
    }

    static ObjectNode object(String json) {
        return (ObjectNode) node(json);
    }

    private static JsonNode node(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
