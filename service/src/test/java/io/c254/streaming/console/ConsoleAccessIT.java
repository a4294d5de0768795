package io.c254.streaming.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import io.c254.streaming.testing.Browser;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console outside local mode: it asks for a token, reads only with the admin role, and a page of
 * another origin can neither read the admin views nor open a stream with an admin's token.
 */
class ConsoleAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = TestTokens.jwt("ops-1", "tenant-ops", "admin");
    private static final String VIEWER = TestTokens.jwt("viewer-1", "tenant-ops", "viewer");
    private static final String TOPIC = TestKafka.uniqueTopic("console-access");

    private static TestServer gateway;
    private static Browser browser;
    private static HttpServer elsewhere;
    private Page page;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestServer.builder().env("ACCESS_ENV", "production").topic(TOPIC).start();
        browser = Browser.start();
        elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/", exchange -> {
            byte[] page = foreignPage().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        elsewhere.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (elsewhere != null) {
            elsewhere.stop(0);
        }
        if (browser != null) {
            browser.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @AfterEach
    void closePage() {
        if (page != null) {
            page.context().close();
        }
    }

    @Test
    void theConsoleAsksForATokenAndOpensOnlyForTheAdminRole() {
        page = browser.newPage();
        page.navigate(gateway.http("/console/").toString());
        page.locator("#sign-in").waitFor();
        assertThat(page.locator("#sign-in-problem").textContent()).contains("token is required");

        page.fill("#token", VIEWER);
        page.click("#sign-in-form button");
        page.locator("#sign-in-problem").filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText("admin")).waitFor();
        assertThat(page.locator("#sign-in-problem").textContent()).contains("'admin' role", "viewer-1");

        page.fill("#token", ADMIN);
        page.click("#sign-in-form button");
        page.locator("#status").filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText("Updated")).waitFor();
        assertThat(page.locator("#sign-in").isHidden()).isTrue();
        assertThat(page.evaluate("() => sessionStorage.getItem('streaming-console-token')")).as("kept for this tab only").isEqualTo(ADMIN);
        assertThat(page.locator("#instance").textContent()).doesNotContain("local mode");
    }

    @Test
    void theConsolesOwnWebSocketIsAdmittedOutsideLocalModeWithoutListingItsOrigin() {
        page = browser.newPage();
        page.navigate(gateway.http("/console/").toString());
        page.fill("#token", ADMIN);
        page.click("#sign-in-form button");
        page.locator("#status").filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText("Updated")).waitFor();
        page.navigate(gateway.http("/console/#tail").toString());
        ConsoleIT.watch(page, TOPIC, "{}", "websocket");

        String run = java.util.UUID.randomUUID().toString();
        TestKafka.publish(TOPIC, "k", "{\"marker\":\"" + run + "\"}");
        ConsoleIT.tailRow(page, run);
    }

    @Test
    void aPageOfAnotherOriginCannotReadTheAdminViewsNorOpenAStream() throws Exception {
        page = browser.newPage();
        page.navigate("http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/");
        page.waitForFunction("() => document.body.dataset.result", null, new Page.WaitForFunctionOptions().setTimeout(30_000));
        JsonNode result = JSON.readTree(page.locator("body").getAttribute("data-result"));

        assertThat(result.path("overview").asText()).as("the browser got nothing to read").isEqualTo("blocked");
        assertThat(result.path("stream").asText()).as("the WebSocket never opened").isEqualTo("closed before opening");

        String foreign = "http://127.0.0.1:" + elsewhere.getAddress().getPort();
        HttpResponse<String> replayed = TestServer.send(HttpRequest.newBuilder(gateway.http("/admin/overview"))
                .header("Origin", foreign).header("Authorization", "Bearer " + ADMIN).build());
        assertThat(replayed.statusCode()).as("the gateway refuses the origin, not only the browser").isEqualTo(403);
        assertThat(replayed.body()).contains("FORBIDDEN", foreign);
    }

    @Test
    void theOverviewNeedsAnAdminToken() {
        assertThat(gateway.get("/admin/overview").statusCode()).isEqualTo(401);
        HttpResponse<String> viewer = TestServer.send(HttpRequest.newBuilder(gateway.http("/admin/overview"))
                .header("Authorization", "Bearer " + VIEWER).build());
        assertThat(viewer.statusCode()).isEqualTo(403);
        HttpResponse<String> admin = TestServer.send(HttpRequest.newBuilder(gateway.http("/admin/overview"))
                .header("Authorization", "Bearer " + ADMIN).build());
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.body()).contains("\"local_mode\":false");
    }

    /** What a page of another site would try with an admin's token it got hold of. */
    private static String foreignPage() {
        String http = gateway.http("").toString();
        String ws = gateway.ws("/ws/stream?token=" + ADMIN).toString();
        return """
                <!doctype html><html><body><script>
                (async () => {
                  const result = {};
                  try {
                    const answer = await fetch("%s/admin/overview", { headers: { Authorization: "Bearer %s" } });
                    result.overview = "read, status " + answer.status;
                  } catch (blocked) {
                    result.overview = "blocked";
                  }
                  result.stream = await new Promise((resolve) => {
                    const socket = new WebSocket("%s");
                    socket.onopen = () => { resolve("opened"); socket.close(); };
                    socket.onclose = () => resolve("closed before opening");
                  });
                  document.body.dataset.result = JSON.stringify(result);
                })();
                </script></body></html>
                """.formatted(http.replaceAll("/$", ""), ADMIN, ws);
    }
}
