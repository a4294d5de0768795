package io.c254.streaming.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The auth service's signing keys. The service URL is an OpenID Connect issuer (its discovery document
 * names `jwks_uri`) or a JWKS URL itself. Keys are cached; an unknown `kid` refetches them, at most
 * once per {@link #MIN_REFETCH}; {@link #refresh()} is called periodically so that rotation is seen
 * and health knows whether keys are fresh. Every method may block: call them off the event loops.
 */
public final class RemoteKeys implements JWKSource<SecurityContext> {

    private static final Logger log = LoggerFactory.getLogger(RemoteKeys.class);
    private static final Duration MIN_REFETCH = Duration.ofSeconds(5);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);
    private static final JWKSelector ANY_KEY = new JWKSelector(new JWKMatcher.Builder().build());

    private final String serviceUrl;
    private final Duration refreshInterval;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    private final AtomicReference<JWKSource<SecurityContext>> source = new AtomicReference<>();
    private volatile long lastLoadedNanos;
    private volatile boolean loaded;

    public RemoteKeys(String serviceUrl, Duration refreshInterval) {
        this.serviceUrl = serviceUrl;
        this.refreshInterval = refreshInterval;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        List<JWK> keys = source().get(selector, context);
        markLoaded();
        return keys;
    }

    /** Loads the keys now if their cache has expired; logs and keeps the old ones when the service is down. */
    public void refresh() {
        try {
            get(ANY_KEY, null);
        } catch (KeySourceException | RuntimeException e) {
            log.warn("cannot load signing keys from {}: {}", serviceUrl, e.getMessage());
        }
    }

    /** Keys were loaded within two refresh intervals. */
    public boolean fresh() {
        return loaded && System.nanoTime() - lastLoadedNanos < 2 * refreshInterval.toNanos();
    }

    private void markLoaded() {
        loaded = true;
        lastLoadedNanos = System.nanoTime();
    }

    private JWKSource<SecurityContext> source() throws KeySourceException {
        JWKSource<SecurityContext> current = source.get();
        if (current == null) {
            current = JWKSourceBuilder.<SecurityContext>create(jwksUrl())
                    .cache(refreshInterval.toMillis(), HTTP_TIMEOUT.toMillis())
                    .rateLimited(MIN_REFETCH.toMillis())
                    .retrying(true)
                    .build();
            source.compareAndSet(null, current);
            current = source.get();
        }
        return current;
    }

    /** `jwks_uri` from the discovery document, or the service URL itself when it serves no such document. */
    private URL jwksUrl() throws KeySourceException {
        URI discovery = URI.create(serviceUrl.replaceAll("/+$", "") + "/.well-known/openid-configuration");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(discovery).timeout(HTTP_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                JsonNode document = new ObjectMapper().readTree(response.body());
                String jwksUri = document.path("jwks_uri").asText(null);
                if (jwksUri != null) {
                    log.info("signing keys of issuer {} at {}", serviceUrl, jwksUri);
                    return URI.create(jwksUri).toURL();
                }
            }
            return URI.create(serviceUrl).toURL();
        } catch (IOException e) {
            throw new KeySourceException("auth service " + serviceUrl + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted while asking " + serviceUrl, e);
        }
    }
}
