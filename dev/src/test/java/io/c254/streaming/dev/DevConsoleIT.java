package io.c254.streaming.dev;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import io.c254.streaming.testing.Browser;
import io.c254.streaming.testing.ProjectFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What `./dev.sh` promises: it prints the console's address, and the console there shows the demo feed
 * live, in a real browser. Runs the dev jar as `./dev.sh` does (its own process, its own broker, any free
 * ports). The README's screenshots come from here: `-Dconsole.screenshots=../docs/console`.
 */
class DevConsoleIT {

    private static final Pattern CONSOLE_LINE = Pattern.compile("Console\\s+(http://\\S+/console/)");
    private static final Path SCREENSHOTS = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
    private static final Page.WaitForFunctionOptions PATIENTLY = new Page.WaitForFunctionOptions().setTimeout(60_000);

    private static Process dev;
    private static String console;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of("target/streaming-dev-" + ProjectFiles.version() + ".jar");
        assertThat(jar).as("the dev jar, built by the package phase").exists();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-jar", jar.toString()).redirectErrorStream(true);
        builder.environment().put("DEV_KAFKA_PORT", "0");
        builder.environment().put("ACCESS_PORT", "0");
        builder.environment().put("ACCESS_LOG_LEVEL", "warn");
        dev = builder.start();
        console = consoleAddress(dev);
        browser = Browser.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.close();
        }
        if (dev != null) {
            dev.destroy();
            if (!dev.waitFor(30, TimeUnit.SECONDS)) {
                dev.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Timeout(180)
    void theConsoleWhoseAddressDevModePrintsShowsTheDemoFeedLive() throws IOException, InterruptedException {
        Page tail = browser.newPage();
        tail.navigate(console + "#tail");
        tail.locator("#tail-topic option[value='pricing.curve.updates.v1']").waitFor(new Locator.WaitForOptions().setState(
                com.microsoft.playwright.options.WaitForSelectorState.ATTACHED).setTimeout(60_000));
        tail.selectOption("#tail-topic", "pricing.curve.updates.v1");
        tail.click("#tail-start");
        tail.waitForFunction("() => document.querySelectorAll('#tail-rows tr').length >= 5", null, PATIENTLY);
        tail.locator("#tail-rows tr").first().click();
        assertThat(tail.locator("#tail-detail").textContent()).contains("\"topic\": \"pricing.curve.updates.v1\"", "\"price\"");

        Page overview = browser.newPage();
        overview.navigate(console + "#overview");
        overview.waitForFunction("() => Number(document.querySelector('#chart-delivered').dataset.points) >= 2", null, PATIENTLY);
        // a client with a bad token, so that the refusals chart has something to show
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(console.replace("/console/", "/sse/stream?token=expired")))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
        }
        overview.waitForFunction("() => Number(document.querySelector('#chart-delivered').dataset.points) >= 20"
                + " && JSON.parse(document.querySelector('#chart-delivered').dataset.last).WebSocket > 0", null, PATIENTLY);
        overview.waitForFunction("() => Object.keys(JSON.parse(document.querySelector('#chart-refusals').dataset.last)).length > 0",
                null, PATIENTLY);
        screenshot(overview, "overview.png");

        overview.navigate(console + "#topics");
        overview.waitForFunction("() => [...document.querySelectorAll('#topics-rows tr')].filter(tr => Number(tr.cells[8].textContent.replaceAll(',', '')) > 0)"
                + ".length >= 3", null, PATIENTLY);
        overview.setViewportSize(1400, 260);
        screenshot(overview, "topics.png");
        screenshot(tail, "tail.png");
    }

    private static void screenshot(Page page, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name)).setFullPage(true));
    }

    /** Reads dev mode's output until its banner names the console (the rest is drained, so the process never blocks). */
    private static String consoleAddress(Process process) throws InterruptedException {
        BlockingQueue<String> found = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("dev-output").start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    Matcher console = CONSOLE_LINE.matcher(line);
                    if (console.find()) {
                        found.add(console.group(1));
                    }
                }
            } catch (IOException e) {
                // the process ended: the wait below fails with its message
            }
        });
        String address = found.poll(120, TimeUnit.SECONDS);
        assertThat(address).as("dev mode printed the console's address within 120 s").isNotNull();
        return address;
    }
}
