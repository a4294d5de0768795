package io.c254.streaming.transport;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CorsPolicyTest {

    private final CorsPolicy production = new CorsPolicy(false, List.of("https://screens.example.com"));

    @Test
    void aRequestWithoutOriginIsNotABrowserPageAndIsAdmitted() {
        assertThat(production.admits(request("gateway.example.com", null))).isTrue();
    }

    @Test
    void anAllowedOriginIsAdmittedAndAnotherIsNot() {
        assertThat(production.admits(request("gateway.example.com", "https://screens.example.com"))).isTrue();
        assertThat(production.admits(request("gateway.example.com", "https://evil.example.com"))).isFalse();
    }

    @Test
    void aPageOfTheGatewayItselfIsAdmittedWhateverTheSchemeAProxyEnded() {
        assertThat(production.admits(request("gateway.example.com:8001", "http://gateway.example.com:8001"))).isTrue();
        assertThat(production.admits(request("gateway.example.com", "https://gateway.example.com"))).isTrue();
        assertThat(production.admits(request("gateway.example.com", "https://gateway.example.com.evil.example"))).isFalse();
        assertThat(production.admits(request("gateway.example.com:8001", "http://gateway.example.com:9999"))).isFalse();
        assertThat(production.admits(request(null, "http://gateway.example.com"))).as("no Host to compare with").isFalse();
    }

    @Test
    void localModeAdmitsEveryOrigin() {
        assertThat(new CorsPolicy(true, List.of()).admits(request("localhost:8001", "https://anywhere.example"))).isTrue();
    }

    private static HttpRequest request(String host, String origin) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws/stream");
        if (host != null) {
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        if (origin != null) {
            request.headers().set(HttpHeaderNames.ORIGIN, origin);
        }
        return request;
    }
}
