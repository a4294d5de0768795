package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.app.Main;
import org.awaitility.core.ConditionTimeoutException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * The real Main in a JVM of its own, as an operator runs it: configured only by the environment given
 * here, with the production logging configuration (one JSON object per stdout line), stdout and stderr
 * in files. It listens on a port it picks itself (ACCESS_PORT=0 unless given), which the test learns
 * from its start-up line, so no port is picked, freed and raced for.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("streaming service started on port (\\d+)");

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ServiceProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The production logback.xml, from the service's main resources on the test classpath. */
    public static URL productionLogConfig() {
        URL config = ServiceProcess.class.getResource("/logback.xml");
        assertThat(config).as("the production logback.xml on the test classpath").isNotNull();
        return config;
    }

    public static ServiceProcess start(Map<String, String> env) throws IOException {
        Path stdout = Files.createTempFile("streaming-stdout", ".log");
        Path stderr = Files.createTempFile("streaming-stderr", ".log");
        ProcessBuilder builder = new ProcessBuilder(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--enable-native-access=ALL-UNNAMED",
                "-Dlogback.configurationFile=" + productionLogConfig(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
        // only what is set here, whatever the machine running the tests has exported
        builder.environment().keySet().removeIf(name -> name.startsWith("ACCESS_"));
        builder.environment().putAll(Map.of("ACCESS_BIND_ADDRESS", "127.0.0.1", "ACCESS_PORT", "0"));
        builder.environment().putAll(env);
        builder.redirectOutput(stdout.toFile());
        builder.redirectError(stderr.toFile());
        return new ServiceProcess(builder.start(), stdout, stderr);
    }

    public Process process() {
        return process;
    }

    /** Waits for a log line that parses as JSON and matches; fails with what was written if none comes. */
    public JsonNode awaitLine(Predicate<JsonNode> wanted) {
        try {
            return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> find(wanted), Optional::isPresent).get();
        } catch (ConditionTimeoutException e) {
            return fail("no such log line within " + PATIENCE + "; " + output(), e);
        }
    }

    /** The first written line that matches; fails at once if the service has exited. */
    private Optional<JsonNode> find(Predicate<JsonNode> wanted) throws IOException {
        String written = Files.readString(stdout);
        // what follows the last newline may still be being written; every line before it must be JSON
        for (String line : written.substring(0, written.lastIndexOf('\n') + 1).lines().toList()) {
            JsonNode json = tryParse(line);
            assertThat(json != null && json.isObject()).as("a JSON object per stdout line, got: %s", line).isTrue();
            if (wanted.test(json)) {
                return Optional.of(json);
            }
        }
        if (!process.isAlive()) {
            fail("the service exited with " + process.exitValue() + "; " + output());
        }
        return Optional.empty();
    }

    /** The port the service listens on, from its start-up line (written at INFO). */
    public int awaitPort() {
        JsonNode started = awaitLine(line -> STARTED.matcher(line.path("message").asText()).find());
        Matcher port = STARTED.matcher(started.path("message").asText());
        assertThat(port.find()).isTrue();
        return Integer.parseInt(port.group(1));
    }

    public URI uri(int port, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    public int status(int port, String path) {
        return TestServer.send(HttpRequest.newBuilder(uri(port, path)).build()).statusCode();
    }

    /** SIGTERM, as an orchestrator stops it; waits for the exit and returns its status. */
    public int stop() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the service stops on SIGTERM").isTrue();
        return process.exitValue();
    }

    /** Every line written to stdout, each of which must be a JSON object. */
    public List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(stdout)) {
            JsonNode json = tryParse(line);
            assertThat(json).as("a JSON object per stdout line, got: %s", line).isNotNull();
            assertThat(json.isObject()).as("a JSON object per stdout line, got: %s", line).isTrue();
            lines.add(json);
        }
        return lines;
    }

    /** Waits for the process to end by itself (a start-up that fails) and returns its exit status. */
    public int awaitExit() throws InterruptedException {
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the service exits by itself; %s", output()).isTrue();
        return process.exitValue();
    }

    /** What the process wrote to standard error, without surrounding blank space. */
    public String stderr() {
        try {
            return Files.readString(stderr).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String output() {
        try {
            return "stdout:\n" + Files.readString(stdout) + "\nstderr:\n" + Files.readString(stderr);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static JsonNode tryParse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
    }
}
