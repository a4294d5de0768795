package io.c254.streaming.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import io.c254.streaming.testing.Browser;
import io.c254.streaming.testing.MessageSchemas;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real browser (Debian's headless Chromium, driven by Playwright) against a
 * gateway with a real broker, in local mode: the overview's charts draw and move while records flow,
 * the topics page shows the registry, and the live tail shows records as the JavaScript client gets them.
 * Every WebSocket frame the client sends or gets is checked against `api/asyncapi.yaml`.
 * Each page's screenshot is written to `target/console-screenshots/`, or to `-Dconsole.screenshots=<dir>`
 * (the README's are refreshed with `-Dconsole.screenshots=../docs/console`).
 */
class ConsoleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FEED = TestKafka.uniqueTopic("console-feed");
    private static final String QUIET = TestKafka.uniqueTopic("console-quiet");
    private static final Path SCREENSHOTS = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));

    private static TestServer server;
    private static Browser browser;
    private static Feeder feeder;
    private static WsClient subscriber;
    private Page page;
    private final List<String> pageErrors = new CopyOnWriteArrayList<>();
    /** Frames the JavaScript client sent and got, each checked against api/asyncapi.yaml as it passes. */
    private final List<String> framesSent = new CopyOnWriteArrayList<>();
    private final List<String> frameViolations = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        TestKafka.broker().createTopic(FEED, 2);
        server = TestServer.builder()
                .topicNotInKafka(FEED)
                .topic(QUIET, "mode: latest\nkey_field: instrument_id\nrequired_roles: [analyst]")
                .start();
        feeder = Feeder.start(FEED);
        subscriber = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        subscriber.nextOfType("connection_established");
        subscriber.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + FEED + "\"]}}");
        subscriber.nextOfType("subscribed");
        browser = Browser.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.close();
        }
        if (subscriber != null) {
            subscriber.close();
        }
        if (feeder != null) {
            feeder.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closePage() {
        if (page != null) {
            page.context().close();
        }
        assertThat(pageErrors).as("errors the console's scripts threw").isEmpty();
        assertThat(frameViolations).as("WebSocket frames of the JavaScript client that api/asyncapi.yaml does not describe").isEmpty();
    }

    @Test
    void theOverviewsChartsDrawAndMoveWhileRecordsFlow() throws IOException {
        page = open("#overview");
        Locator delivered = page.locator("#chart-delivered");
        page.waitForFunction("() => { const last = JSON.parse(document.querySelector('#chart-delivered').dataset.last || '{}');"
                + " return last.WebSocket > 0; }", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        assertThat(delivered.locator("canvas").count()).as("uPlot drew the chart on a canvas").isEqualTo(1);
        assertThat(last(page, "#chart-connections").path("WebSocket").asInt()).as("the test's subscriber").isGreaterThanOrEqualTo(1);
        assertThat(last(page, "#chart-lag").fieldNames()).toIterable().as("one lag series per partition of the feed")
                .contains(FEED + "/0", FEED + "/1");

        // a refused connection and a refused subscription show on the refusals chart, by reason
        assertThat(server.get("/sse/stream?token=not-a-token").statusCode()).isEqualTo(401);
        subscriber.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"no.such.topic\"]}}");
        page.waitForFunction("() => { const last = Object.keys(JSON.parse(document.querySelector('#chart-refusals').dataset.last || '{}'));"
                + " return last.includes('refused UNAUTHORIZED') && last.includes('denied UNKNOWN_TOPIC'); }", null,
                new Page.WaitForFunctionOptions().setTimeout(30_000));

        int points = points(page, "#chart-delivered");
        byte[] before = delivered.screenshot();
        page.waitForFunction("n => Number(document.querySelector('#chart-delivered').dataset.points) >= n + 2", points,
                new Page.WaitForFunctionOptions().setTimeout(30_000));
        byte[] after = delivered.screenshot();
        assertThat(Arrays.equals(before, after)).as("the chart moved: its pixels changed as new points came").isFalse();
        assertThat(Double.parseDouble(page.locator("#card-rate").textContent().replace(",", ""))).as("the card's delivered rate").isPositive();
        screenshot(page, "overview.png");
    }

    @Test
    void theTopicsPageShowsTheRegistryWithSubscribersAndRates() throws IOException {
        page = open("#topics");
        Locator feedRow = page.locator("#topics-rows tr", new Page.LocatorOptions().setHasText(FEED));
        feedRow.waitFor();
        page.waitForFunction("topic => [...document.querySelectorAll('#topics-rows tr')].some(tr => tr.cells[0].textContent === topic"
                + " && Number(tr.cells[8].textContent) > 0 && tr.cells[7].textContent === '1')", FEED,
                new Page.WaitForFunctionOptions().setTimeout(30_000));
        assertThat(cells(feedRow)).startsWith(FEED, "stream", "any user", "shared");
        assertThat(cells(feedRow)[7]).as("subscribers: the test's own WebSocket client").isEqualTo("1");
        assertThat(cells(feedRow)[9]).as("partitions").isEqualTo("2");

        String[] quiet = cells(page.locator("#topics-rows tr", new Page.LocatorOptions().setHasText(QUIET)));
        assertThat(quiet).startsWith(QUIET, "latest", "analyst", "shared", "instrument_id");
        screenshot(page, "topics.png");
    }

    @Test
    void theLiveTailShowsARecordPublishedWithAKafkaProducerAndAFilterNarrowsIt() throws IOException {
        page = open("#tail");
        watch(page, FEED, "{}");
        String run = UUID.randomUUID().toString();
        TestKafka.publish(FEED, 1, "k", "{\"marker\":\"" + run + "\",\"commodity\":\"coal\",\"price\":71.5}");
        Locator row = tailRow(page, run);
        row.click();
        assertThat(page.locator("#tail-detail").textContent()).as("the message as formatted JSON")
                .contains("\"topic\": \"" + FEED + "\"", "\"partition\": 1", "\"marker\": \"" + run + "\"", "\"price\": 71.5");

        watch(page, FEED, "{\"commodity\":\"coal\"}");
        TestKafka.publish(FEED, 0, "k", "{\"marker\":\"" + run + "-gas\",\"commodity\":\"gas\"}");
        TestKafka.publish(FEED, 0, "k", "{\"marker\":\"" + run + "-coal\",\"commodity\":\"coal\"}");
        tailRow(page, run + "-coal");
        assertThat(page.locator("#tail-rows td.value").allTextContents()).as("only what the filter lets through, though the feed goes on")
                .isNotEmpty().allSatisfy(value -> assertThat(value).contains("\"commodity\":\"coal\""));
        screenshot(page, "tail.png");
        assertThat(framesSent).as("the client's subscribes, checked against the description").hasSizeGreaterThanOrEqualTo(2)
                .anySatisfy(frame -> assertThat(frame).contains("\"filters\":{\"commodity\":\"coal\"}"));
    }

    @Test
    void filtersTheTailCannotUseGetAClearError() {
        page = open("#tail");
        page.selectOption("#tail-topic", FEED);
        page.fill("#tail-filters", "{commodity: coal}");
        page.click("#tail-start");
        assertThat(page.locator("#tail-state").textContent()).contains("The filters are not JSON", "{\"commodity\": \"oil\"}");

        page.fill("#tail-filters", "{\"commodity\":{\"in\":[\"coal\"]}}");
        page.click("#tail-start");
        page.locator("#tail-state").filter(new Locator.FilterOptions().setHasText("INVALID_FILTER")).waitFor();
        assertThat(page.locator("#tail-state").textContent()).as("the refusal names the field").contains("commodity");
    }

    @Test
    void pausingAndResumingTheTailMissesNothing() {
        page = open("#tail");
        watch(page, FEED, "{\"commodity\":\"coal\"}");
        String run = UUID.randomUUID().toString();
        TestKafka.publish(FEED, 0, "k", "{\"marker\":\"" + run + "-before\",\"commodity\":\"coal\"}");
        tailRow(page, run + "-before");
        page.click("#tail-pause");
        page.locator("#tail-state").filter(new Locator.FilterOptions().setHasText("Paused")).waitFor();
        for (int i = 0; i < 3; i++) {
            TestKafka.publish(FEED, i % 2, "k", "{\"marker\":\"" + run + "-paused-" + i + "\",\"commodity\":\"coal\"}");
        }
        page.click("#tail-pause");
        for (int i = 0; i < 3; i++) {
            tailRow(page, run + "-paused-" + i);
        }
        // a duplicate would come before a record published after all of them
        TestKafka.publish(FEED, 0, "k", "{\"marker\":\"" + run + "-sentinel\",\"commodity\":\"coal\"}");
        tailRow(page, run + "-sentinel");
        assertThat(markers(page, run)).as("each record once").doesNotHaveDuplicates().hasSize(5);
    }

    static void watch(Page page, String topic, String filters) {
        watch(page, topic, filters, "auto");
    }

    static void watch(Page page, String topic, String filters, String transport) {
        page.locator("#tail-topic option[value='" + topic + "']").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.ATTACHED));
        page.selectOption("#tail-topic", topic);
        page.selectOption("#tail-transport", transport);
        page.fill("#tail-filters", filters);
        page.click("#tail-start");
        page.locator("#tail-state").filter(new Locator.FilterOptions().setHasText("Watching " + topic)).waitFor();
    }

    static Locator tailRow(Page page, String marker) {
        return tailRow(page, marker, Duration.ofSeconds(30));
    }

    static Locator tailRow(Page page, String marker, Duration patience) {
        Locator row = page.locator("#tail-rows tr", new Page.LocatorOptions().setHasText("\"" + marker + "\""));
        row.waitFor(new Locator.WaitForOptions().setTimeout(patience.toMillis()));
        return row;
    }

    /** The markers of the tail's rows that belong to a run, oldest first. */
    static List<String> markers(Page page, String run) {
        List<String> values = new ArrayList<>(page.locator("#tail-rows td.value").allTextContents());
        Collections.reverse(values);
        Pattern marker = Pattern.compile("\"marker\":\"(" + Pattern.quote(run) + "[^\"]*)\"");
        return values.stream().map(marker::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
    }

    private Page open(String fragment) {
        Page opened = browser.newPage();
        opened.onPageError(pageErrors::add);
        opened.onWebSocket(socket -> {
            socket.onFrameSent(frame -> {
                framesSent.add(frame.text());
                checkFrame(frame.text(), true);
            });
            socket.onFrameReceived(frame -> checkFrame(frame.text(), false));
        });
        opened.onConsoleMessage(message -> {
            if (message.type().equals("error")) {
                pageErrors.add(message.text());
            }
        });
        opened.navigate(server.http("/console/" + fragment).toString());
        opened.locator("#status").filter(new Locator.FilterOptions().setHasText("Updated"))
                .waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.ATTACHED).setTimeout(30_000));
        return opened;
    }

    /** A client's command is described by the schema of its action; a server message by its type. */
    private void checkFrame(String text, boolean sent) {
        try {
            JsonNode message = JSON.readTree(text);
            String schema = sent ? switch (message.path("action").asText()) {
                case "subscribe" -> "SubscribeCommand";
                case "unsubscribe" -> "UnsubscribeCommand";
                case "ping" -> "PingCommand";
                case "refresh" -> "RefreshCommand";
                default -> "an action the description lacks: " + message.path("action");
            } : message.path("type").asText();
            frameViolations.addAll(MessageSchemas.violations(schema, message));
        } catch (IOException e) {
            frameViolations.add("not JSON: " + text);
        }
    }

    private static JsonNode last(Page page, String chart) {
        try {
            return JSON.readTree(page.locator(chart).getAttribute("data-last"));
        } catch (IOException e) {
            throw new AssertionError("the chart's last point is not JSON", e);
        }
    }

    private static int points(Page page, String chart) {
        return Integer.parseInt(page.locator(chart).getAttribute("data-points"));
    }

    private static String[] cells(Locator row) {
        return row.locator("td").allTextContents().toArray(String[]::new);
    }

    private static void screenshot(Page page, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name)));
    }

    /** Publishes a record to each partition every 100 ms until closed (ten minutes at most, should a run forget to). */
    static final class Feeder implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;

        private Feeder(String topic) {
            thread = Thread.ofPlatform().daemon().name("console-feeder").start(() -> {
                long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                for (int seq = 0; running && System.nanoTime() < end; seq++) {
                    TestKafka.publish(topic, seq % 2, "k" + seq, "{\"seq\":" + seq + ",\"commodity\":\"" + (seq % 3 == 0 ? "gas" : "oil")
                            + "\",\"price\":" + (80 + seq % 7) + ",\"run\":\"" + UUID.randomUUID() + "\"}");
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static Feeder start(String topic) {
            return new Feeder(topic);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5_000);
        }
    }
}
