package io.c254.streaming.registry;

import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicRegistryTest {

    @TempDir
    Path directory;

    @Test
    void builtInTopicsAreServedWithoutARegistryFile() {
        TopicRegistry registry = TopicRegistry.load(ConfigLoader.load(Map.of()));

        assertThat(registry.topics()).extracting(TopicDefinition::name).containsExactlyInAnyOrder(
                "served.market.latest_prices.v1", "pricing.curve.updates.v1", "market.data.updates.v1");
        assertThat(registry.defaultTopics()).extracting(TopicDefinition::name)
                .containsExactly("served.market.latest_prices.v1");
    }

    @Test
    void latestPricesAreOpenToViewersWhileCurvesNeedAnalysts() {
        TopicRegistry registry = TopicRegistry.load(ConfigLoader.load(Map.of()));

        TopicDefinition prices = registry.find(TopicRegistry.LATEST_PRICES).orElseThrow();
        assertThat(prices.requiredRoles()).contains("viewer");
        assertThat(prices.mode()).isEqualTo(TopicMode.LATEST);
        assertThat(registry.find(TopicRegistry.CURVE_UPDATES).orElseThrow().requiredRoles())
                .contains("analyst").doesNotContain("viewer");
        assertThat(registry.find("pricing.updates")).isEmpty();
    }

    @Test
    void registryFileAddsTopics() {
        TopicRegistry registry = load("""
                topics:
                  - name: weather.forecasts.v1
                    required_roles: [meteorologist, admin]
                    mode: latest
                    key_field: station_id
                    default: true
                  - name: trades_raw-v2
                """);

        assertThat(registry.topics()).hasSize(5);
        assertThat(registry.find("weather.forecasts.v1")).contains(new TopicDefinition(
                "weather.forecasts.v1", List.of("meteorologist", "admin"), TopicMode.LATEST, "station_id", true));
        assertThat(registry.find("trades_raw-v2")).contains(new TopicDefinition(
                "trades_raw-v2", List.of(), TopicMode.STREAM, null, false));
        assertThat(registry.defaultTopics()).extracting(TopicDefinition::name)
                .containsExactlyInAnyOrder("served.market.latest_prices.v1", "weather.forecasts.v1");
    }

    @Test
    void registryFileOverridesBuiltInTopicByName() {
        TopicRegistry registry = load("""
                topics:
                  - name: pricing.curve.updates.v1
                    required_roles: [viewer]
                    mode: stream
                    default: true
                """);

        assertThat(registry.topics()).hasSize(3);
        assertThat(registry.find(TopicRegistry.CURVE_UPDATES)).contains(new TopicDefinition(
                "pricing.curve.updates.v1", List.of("viewer"), TopicMode.STREAM, null, true));
        assertThat(registry.defaultTopics()).extracting(TopicDefinition::name)
                .containsExactlyInAnyOrder("served.market.latest_prices.v1", "pricing.curve.updates.v1");
    }

    @Test
    void emptyTopicListKeepsTheBuiltIns() {
        assertThat(load("topics: []\n").topics()).hasSize(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badRegistryFileFailsStartupNamingTheVariable(String description, String yaml, String messageMentions) {
        Config config = config(yaml);

        assertThatThrownBy(() -> TopicRegistry.load(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_TOPIC_REGISTRY_FILE: ")
                .hasMessageContaining(messageMentions)
                .hasMessageNotContaining("\n");
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("not YAML", "topics: [unclosed\n  - {name: x\n", "YAML"),
                Arguments.of("no topics list", "streams:\n  - name: a.b\n", "'topics:'"),
                Arguments.of("topics not a list", "topics: a.b\n", "'topics:'"),
                Arguments.of("an empty file", "", "'topics:'"),
                Arguments.of("a topic that is not a mapping", "topics:\n  - a.b\n", "topics[0]"),
                Arguments.of("an unknown key", "topics:\n  - name: a.b\n    colour: red\n", "'colour'"),
                Arguments.of("a misspelt key", "topics:\n  - name: a.b\n    required_role: [x]\n", "'required_role'"),
                Arguments.of("a missing name", "topics:\n  - mode: stream\n", "name"),
                Arguments.of("an illegal topic name", "topics:\n  - name: a.b\n  - name: 'bad topic!'\n", "topics[1].name"),
                Arguments.of("the name '..'", "topics:\n  - name: '..'\n", "name"),
                Arguments.of("a bad mode", "topics:\n  - name: a.b\n    mode: sometimes\n", "'sometimes'"),
                Arguments.of("a default that is not a boolean", "topics:\n  - name: a.b\n    default: sometimes\n", "default"),
                Arguments.of("roles not a list", "topics:\n  - name: a.b\n    required_roles: admin\n", "required_roles"));
    }

    private TopicRegistry load(String yaml) {
        return TopicRegistry.load(config(yaml));
    }

    private Config config(String yaml) {
        try {
            Path file = Files.writeString(Files.createTempFile(directory, "topics", ".yaml"), yaml);
            return ConfigLoader.load(Map.of("ACCESS_TOPIC_REGISTRY_FILE", file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
