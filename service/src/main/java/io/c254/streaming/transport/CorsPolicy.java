package io.c254.streaming.transport;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * Web apps of other origins use the gateway directly, so responses name the request's origin when it is
 * allowed: any origin in local mode, otherwise those of ACCESS_ALLOWED_ORIGINS ("*" allows all).
 */
public final class CorsPolicy {

    private final boolean anyOrigin;
    private final List<String> origins;

    public CorsPolicy(boolean anyOrigin, List<String> origins) {
        this.anyOrigin = anyOrigin || origins.contains("*");
        this.origins = List.copyOf(origins);
    }

    public boolean allows(String origin) {
        return origin != null && (anyOrigin || origins.contains(origin));
    }

    /**
     * Whether a request may act: no `Origin` (not a browser page), an allowed one, or the gateway's own
     * (the page came from this host, as the web console does; compared by host and port, since a proxy
     * in front may end TLS).
     */
    public boolean admits(HttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        return origin == null || allows(origin) || isOwn(origin, request.headers().get(HttpHeaderNames.HOST));
    }

    private static boolean isOwn(String origin, String host) {
        int scheme = origin.indexOf("://");
        return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    public void apply(HttpRequest request, HttpHeaders response) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (allows(origin)) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }

    public void applyPreflight(HttpRequest request, HttpHeaders response) {
        apply(request, response);
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS");
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, Last-Event-ID");
        response.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
    }
}
