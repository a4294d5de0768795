package io.c254.streaming.app;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Start-up as an operator sees it: the real main class in its own JVM. */
class MainIT {

    /** Runs Main with these variables; returns its exit code and its standard error. */
    private record Run(int exitCode, String stderr) {
    }

    private static Run main(Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                // as the jar's manifest allows it: Netty's native transport
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        builder.environment().putAll(env);
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), stderr);
    }

    @Test
    void badConfigurationStopsStartUpWithOneLineNamingTheVariableAndExitCode2() throws Exception {
        Run run = main(Map.of("ACCESS_MAX_WS_CONNECTIONS", "lots"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr().lines()).hasSize(1);
        assertThat(run.stderr()).startsWith("error: ACCESS_MAX_WS_CONNECTIONS:").contains("'lots'");
    }

    @Test
    void takenPortStopsStartUpWithOneLineNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = main(Map.of("ACCESS_BIND_ADDRESS", "127.0.0.1", "ACCESS_PORT", Integer.toString(taken.getLocalPort()),
                    "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1"));

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.stderr().lines()).hasSize(1);
            assertThat(run.stderr()).startsWith("error: cannot start on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
