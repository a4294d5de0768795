package io.c254.streaming.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.c254.streaming.config.ConfigException;
import org.junit.jupiter.api.Test;

class DevMainTest {

    @Test
    void theServiceIsPointedAtTheEmbeddedBrokerInLocalModeUnlessTheEnvironmentSaysOtherwise() {
        assertThat(DevMain.serviceEnv(Map.of("HOME", "/home/dev"), "127.0.0.1:9092"))
                .containsEntry("ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
                .containsEntry("ACCESS_ENV", "local")
                .containsEntry("ACCESS_BIND_ADDRESS", "127.0.0.1")
                .containsEntry("HOME", "/home/dev");
        assertThat(DevMain.serviceEnv(Map.of("ACCESS_ENV", "development", "ACCESS_KAFKA_BOOTSTRAP", "kafka:29092"), "x"))
                .containsEntry("ACCESS_KAFKA_BOOTSTRAP", "kafka:29092")
                .containsEntry("ACCESS_ENV", "development");
    }

    @Test
    void theKafkaPortDefaultsTo9092AndCanBeOverridden() {
        assertThat(DevMain.kafkaPort(Map.of())).isEqualTo(9092);
        assertThat(DevMain.kafkaPort(Map.of("DEV_KAFKA_PORT", "19092"))).isEqualTo(19092);
        assertThatThrownBy(() -> DevMain.kafkaPort(Map.of("DEV_KAFKA_PORT", "kafka")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DEV_KAFKA_PORT");
        assertThatThrownBy(() -> DevMain.kafkaPort(Map.of("DEV_KAFKA_PORT", "70000")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void theBannerShowsCommandsForTheActualPorts() {
        String banner = Banner.text(8081, 19092, List.of("served.market.latest_prices.v1"), Instant.EPOCH);
        assertThat(banner)
                .contains("Console      http://localhost:8081/console/")
                .contains("curl -N \"http://localhost:8081/sse/stream?token=test-token\"")
                .contains("wscat -c \"ws://localhost:8081/ws/stream?token=test-token\"")
                .contains("kcat -P -b localhost:19092 -t served.market.latest_prices.v1");
    }
}
