package io.c254.streaming.app;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Start-up as an operator sees it: the real main class in its own JVM. */
class MainTest {

    @Test
    void badConfigurationStopsStartUpWithOneLineNamingTheVariableAndExitCode2() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        builder.environment().put("ACCESS_MAX_WS_CONNECTIONS", "lots");
        builder.redirectErrorStream(false);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(stderr.lines()).hasSize(1);
        assertThat(stderr).startsWith("error: ACCESS_MAX_WS_CONNECTIONS:").contains("'lots'");
    }
}
