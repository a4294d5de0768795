package io.c254.streaming.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Optional TLS on the listening port: with a certificate and key (PEM) the same port serves https:// and
 * wss:// and nothing in plain text. The certificate is made here with the JDK's keytool, self-signed
 * for 127.0.0.1, and the clients trust exactly it.
 */
class TlsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;
    private static Path certificatePem;
    private static Path keyPem;
    private static SSLContext trusting;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("gw.p12");
        Process keytool = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "gw", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true)
                .start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        String keytoolOutput = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.exitValue()).as("keytool: %s", keytoolOutput).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        Certificate certificate = store.getCertificate("gw");
        Key key = store.getKey("gw", PASSWORD);
        assertThat(key).isInstanceOf(PrivateKey.class);
        assertThat(key.getFormat()).isEqualTo("PKCS#8");
        certificatePem = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", certificate.getEncoded()));
        keyPem = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("gw", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, trustManagers.getTrustManagers(), null);

        server = TestServer.builder()
                .env("ACCESS_TLS_CERT_FILE", certificatePem.toString())
                .env("ACCESS_TLS_KEY_FILE", keyPem.toString())
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static HttpClient tlsClient() {
        return HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void httpsHealthAnswers200() throws Exception {
        try (HttpClient client = tlsClient()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/health"))
                    .timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.sslSession()).isPresent();
            assertThat(JSON.readTree(response.body()).path("service").asText()).isEqualTo("streaming");
        }
    }

    @Test
    void wssWebSocketConnectsAndIsConfirmed() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        try (HttpClient client = tlsClient()) {
            WebSocket socket = client.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("wss://127.0.0.1:" + server.port() + "/ws/stream?token=" + TestTokens.jwt("tls-user", "tenant-tls", "viewer")),
                            new WebSocket.Listener() {
                                private final StringBuilder partial = new StringBuilder();

                                @Override
                                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                                    partial.append(data);
                                    if (last) {
                                        messages.add(partial.toString());
                                        partial.setLength(0);
                                    }
                                    ws.request(1);
                                    return null;
                                }
                            })
                    .orTimeout(15, TimeUnit.SECONDS)
                    .join();
            try {
                String first = messages.poll(10, TimeUnit.SECONDS);
                assertThat(first).as("first message over wss").isNotNull();
                JsonNode established = JSON.readTree(first);
                assertThat(established.path("type").asText()).isEqualTo("connection_established");
                assertThat(established.path("user_id").asText()).isEqualTo("tls-user");

                socket.sendText("{\"action\":\"ping\",\"data\":{}}", true).orTimeout(10, TimeUnit.SECONDS).join();
                String pong = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pong == null && System.nanoTime() < deadline) {
                    String next = messages.poll(1, TimeUnit.SECONDS);
                    if (next != null && JSON.readTree(next).path("type").asText().equals("pong")) {
                        pong = next;
                    }
                }
                assertThat(pong).as("pong over wss").isNotNull();
            } finally {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
                socket.abort();
            }
        }
    }

    @Test
    void aConnectionThatNeverStartsItsTlsHandshakeIsClosedAfterTheRequestTimeout() throws Exception {
        try (TestServer strict = TestServer.builder()
                .env("ACCESS_TLS_CERT_FILE", certificatePem.toString())
                .env("ACCESS_TLS_KEY_FILE", keyPem.toString())
                .env("ACCESS_REQUEST_TIMEOUT_MS", "500")
                .start();
             RawHttp silent = RawHttp.open(strict.port())) {
            // no 408 can be written without a handshake; the socket is closed all the same, within the timeout and a
            // short grace, well before Netty's own TLS handshake timeout of 10 s (a read timeout fails the test)
            assertThat(silent.readTimeout(Duration.ofSeconds(5)).readToEnd()).isEmpty();
        }
    }

    @Test
    void plainHttpToTheTlsPortFails() {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            Throwable failure = catchThrowable(() -> {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                throw new AssertionError("plain HTTP was answered on the TLS port: " + response.statusCode() + " " + response.body());
            });
            assertThat(failure).isInstanceOf(IOException.class);
        }
    }

    @Test
    void certificateWithoutKeyFailsConfigurationWithOneLineNamingTheKeyVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_TLS_CERT_FILE", certificatePem.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_TLS_KEY_FILE:")
                .message().doesNotContain("\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_TLS_KEY_FILE", keyPem.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_TLS_CERT_FILE:");
    }

    @Test
    void certificateWithoutKeyStopsTheRealMainWithExitCode2AndOneLine() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-cp", System.getProperty("java.class.path"), io.c254.streaming.app.Main.class.getName());
        builder.environment().put("ACCESS_TLS_CERT_FILE", certificatePem.toString());
        builder.environment().remove("ACCESS_TLS_KEY_FILE");
        Process process = builder.start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.exitValue()).isEqualTo(2);
            assertThat(stderr.lines()).hasSize(1);
            assertThat(stderr).startsWith("error: ACCESS_TLS_KEY_FILE:");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void unusablePemFailsStartUpNamingTheCertificateVariable() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TestServer.builder()
                .env("ACCESS_TLS_CERT_FILE", garbage.toString())
                .env("ACCESS_TLS_KEY_FILE", keyPem.toString())
                .start())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_TLS_CERT_FILE:");
    }
}
