package io.c254.streaming;

import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.ProjectFiles;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "Try it" block, line by line, as a user types it, against a test instance (its ports in
 * place of dev mode's 8001 and 9092) with the clients the README names. A line this test does not know
 * how to check fails it, so a new line comes with its check.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeTryItIT {

    private static final String INSTALL = "apt-get install kcat python3-websockets (./test.sh does so when run as root)";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void everyTryItLineDoesWhatTheReadmeSays() throws Exception {
        assertThat(run("command -v kcat && /usr/bin/python3 -c 'import websockets'", "").exitCode())
                .as("the Try it clients are installed: " + INSTALL).isZero();
        List<Command> commands = tryItBlock();
        assertThat(commands).as("the README has a Try it block").hasSizeGreaterThanOrEqualTo(5);

        for (Command command : commands) {
            String line = command.line()
                    .replace("localhost:8001", "127.0.0.1:" + server.port())
                    .replace("localhost:9092", TestKafka.broker().bootstrapServers());
            check(command, line);
        }
    }

    private static void check(Command command, String line) throws Exception {
        String as = "README line: " + command.line();
        if (line.startsWith("curl -N ")) {
            Output out = run("timeout 3 " + line, "");
            assertThat(out.text()).as(as).contains("event: connection_established", "data: {\"connection_id\":");
        } else if (line.startsWith("python3 -m websockets ")) {
            assertThat(command.input()).as(as + ": the message to type is on the next line").isNotNull();
            String typed = "{ sleep 1; printf '%s\\n' '" + command.input() + "'; sleep 3; } | timeout 10 " + line;
            Output out = run(typed, "");
            assertThat(out.text()).as(as).contains("\"type\":\"connection_established\"", "\"type\":\"subscribed\"",
                    "\"topics\":[\"" + TopicRegistry.CURVE_UPDATES + "\"]");
        } else if (line.startsWith("curl ") && line.endsWith("/health")) {
            assertThat(run(line, "").text()).as(as).contains("\"service\":\"streaming\"", "\"status\":\"ok\"");
        } else if (line.startsWith("curl ") && line.endsWith("/stats")) {
            assertThat(run(line, "").text()).as(as).contains("\"websocket\":{", "\"subscriptions\":{");
        } else if (line.contains("kcat -P")) {
            try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
                stream.nextMatching(e -> e.name().equals("connection_established"), SseClient.PATIENCE);
                assertThat(run(line, "").exitCode()).as(as).isZero();
                SseClient.Event published = stream.nextMatching(e -> e.name().equals("data")
                        && e.json().path("data").path("instrument_id").asText().equals("BRENT_CRUDE")
                        && e.json().path("data").path("price").asDouble() == 83.10, Duration.ofSeconds(30));
                assertThat(published.json().path("topic").asText()).isEqualTo(TopicRegistry.LATEST_PRICES);
            }
        } else {
            throw new AssertionError(as + ": this test does not know how to check it; add its check here");
        }
    }

    /** A command of the block, with the message the README says to type into it (a comment line starting `#   {`). */
    private record Command(String line, String input) {
    }

    private static List<Command> tryItBlock() throws IOException {
        List<String> readme = Files.readAllLines(ProjectFiles.root().resolve("README.md"), StandardCharsets.UTF_8);
        int heading = readme.indexOf(readme.stream().filter(l -> l.startsWith("### Try it")).findFirst().orElseThrow());
        int open = heading + 1;
        while (!readme.get(open).startsWith("```")) {
            open++;
        }
        List<Command> commands = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (int i = open + 1; !readme.get(i).startsWith("```"); i++) {
            String text = readme.get(i);
            if (text.startsWith("#")) {
                String typed = text.substring(1).strip();
                if (typed.startsWith("{") && !commands.isEmpty()) {
                    Command last = commands.removeLast();
                    commands.add(new Command(last.line(), typed));
                }
                continue;
            }
            if (text.endsWith("\\")) {
                pending.append(text, 0, text.length() - 1);
                continue;
            }
            pending.append(text);
            commands.add(new Command(withoutComment(pending.toString().strip()), null));
            pending.setLength(0);
        }
        return commands;
    }

    /** The line without its trailing `# ...` remark (none of the commands has a # inside quotes). */
    private static String withoutComment(String line) {
        int remark = line.indexOf("  #");
        return remark < 0 ? line : line.substring(0, remark).strip();
    }

    private record Output(int exitCode, String text) {
    }

    /** Runs a line with bash, Debian's python3 first on the PATH (as the README advises where another comes first). */
    private static Output run(String line, String stdin) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", line).redirectErrorStream(true);
        builder.environment().put("PATH", "/usr/bin:/bin:" + System.getenv("PATH"));
        Process process = builder.start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("'%s' ended", line).isTrue();
        return new Output(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
