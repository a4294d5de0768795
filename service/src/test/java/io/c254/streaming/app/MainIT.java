package io.c254.streaming.app;

import io.c254.streaming.testing.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Start-up as an operator sees it: the real main class in its own JVM. */
class MainIT {

    @Test
    void badConfigurationStopsStartUpWithOneLineNamingTheVariableAndExitCode2() throws Exception {
        try (ServiceProcess main = ServiceProcess.start(Map.of("ACCESS_MAX_WS_CONNECTIONS", "lots"))) {
            assertThat(main.awaitExit()).isEqualTo(2);
            assertThat(main.stderr().lines()).hasSize(1);
            assertThat(main.stderr()).startsWith("error: ACCESS_MAX_WS_CONNECTIONS:").contains("'lots'");
        }
    }

    @Test
    void takenPortStopsStartUpWithOneLineNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServiceProcess main = ServiceProcess.start(Map.of("ACCESS_PORT", Integer.toString(taken.getLocalPort()),
                     "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1"))) {
            assertThat(main.awaitExit()).isEqualTo(1);
            assertThat(main.stderr().lines()).hasSize(1);
            assertThat(main.stderr()).startsWith("error: cannot start on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
