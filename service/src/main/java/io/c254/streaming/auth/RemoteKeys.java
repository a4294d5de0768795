package io.c254.streaming.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The auth service's signing keys. The service URL is an OpenID Connect issuer (its discovery document
 * names `jwks_uri`) or a JWKS URL itself. The key set is held in memory: a token whose `kid` is not in
 * it makes a refetch, at most one per {@link #MIN_REFETCH} however many such tokens arrive (so
 * forged key ids cannot flood the auth service), and {@link #refresh()} is called periodically so
 * that rotation is seen and health knows whether the keys are fresh. A failed fetch keeps the keys
 * already held. Every method may block: call them off the event loops.
 */
public final class RemoteKeys implements JWKSource<SecurityContext> {

    private static final Logger log = LoggerFactory.getLogger(RemoteKeys.class);
    static final Duration MIN_REFETCH = Duration.ofSeconds(5);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String serviceUrl;
    private final Duration refreshInterval;
    private final Duration minRefetch;
    private final Ticker ticker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    private volatile JWKSet keys;
    private volatile URI jwksUri;
    private volatile long loadedAtNanos;
    /** Not a monitor: waiting for the next fetch must not pin a virtual thread's carrier. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Only the housekeeping thread refreshes. */
    private boolean refreshFailing;
    private long lastAttemptNanos;
    private boolean attempted;

    public RemoteKeys(String serviceUrl, Duration refreshInterval) {
        this(serviceUrl, refreshInterval, MIN_REFETCH, Ticker.systemTicker());
    }

    /**
     * @param minRefetch how far apart fetches must be ({@link #MIN_REFETCH} in production)
     * @param ticker     the monotonic clock those intervals are measured on (the system's in production)
     */
    RemoteKeys(String serviceUrl, Duration refreshInterval, Duration minRefetch, Ticker ticker) {
        this.serviceUrl = serviceUrl;
        this.refreshInterval = refreshInterval;
        this.minRefetch = minRefetch;
        this.ticker = ticker;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        JWKSet held = keys;
        if (held == null) {
            held = fetchNewerThan(ticker.read());
        }
        List<JWK> found = selector.select(held);
        if (found.isEmpty()) {
            // an unknown key id: the issuer may have rotated its keys since we last looked
            found = selector.select(fetchNewerThan(ticker.read()));
        }
        return found;
    }

    /**
     * Fetches the keys now, keeping the old ones when the service is down. Logs when fetching starts
     * failing and when it works again, not at every attempt: an HS256-only deployment has no auth
     * service to ask, and would otherwise warn every refresh interval.
     */
    public void refresh() {
        try {
            fetchNewerThan(ticker.read());
            if (refreshFailing) {
                refreshFailing = false;
                log.info("signing keys loaded again from {}", serviceUrl);
            }
        } catch (KeySourceException e) {
            if (!refreshFailing) {
                refreshFailing = true;
                log.warn("{} (retrying every {} s; said once)", e.getMessage(), refreshInterval.toSeconds());
            }
        }
    }

    /** Keys were loaded within two refresh intervals. */
    public boolean fresh() {
        return keys != null && ticker.read() - loadedAtNanos < 2 * refreshInterval.toNanos();
    }

    /**
     * Keys fetched after the given instant. Fetches are at least {@code minRefetch} apart: a caller
     * waits for the next allowed fetch (callers are virtual threads), and callers that waited together
     * share its result. Without new keys, the keys held are returned.
     */
    private JWKSet fetchNewerThan(long requestedAtNanos) throws KeySourceException {
        lock.lock();
        try {
            // checked before waiting: keys loaded while this caller queued for the lock were fetched after
            // it asked, so they answer it (waiting a window first would make it wait for a fetch it never needs)
            if (keys != null && loadedAtNanos - requestedAtNanos >= 0) {
                return keys;
            }
            long wait = lastAttemptNanos + minRefetch.toNanos() - ticker.read();
            if (attempted && wait > 0) {
                Thread.sleep(Duration.ofNanos(wait));
            }
            return fetch();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted while waiting to load signing keys", e);
        } finally {
            lock.unlock();
        }
    }

    private JWKSet fetch() throws KeySourceException {
        attempted = true;
        lastAttemptNanos = ticker.read();
        try {
            URI uri = jwksUri != null ? jwksUri : discover();
            HttpResponse<String> response = get(uri);
            if (response.statusCode() != 200) {
                throw new KeySourceException("cannot load signing keys from " + serviceUrl + ": " + uri + " answered HTTP " + response.statusCode());
            }
            JWKSet fetched = JWKSet.parse(response.body());
            jwksUri = uri;
            keys = fetched;
            loadedAtNanos = ticker.read();
            return fetched;
        } catch (IOException | ParseException e) {
            throw new KeySourceException("cannot load signing keys from " + serviceUrl + ": " + FailureReason.of(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted while loading signing keys", e);
        }
    }

    /** `jwks_uri` from the discovery document, or the service URL itself when it serves no such document. */
    private URI discover() throws IOException, InterruptedException {
        URI discovery = URI.create(serviceUrl.replaceAll("/+$", "") + "/.well-known/openid-configuration");
        HttpResponse<String> response = get(discovery);
        if (response.statusCode() == 200) {
            JsonNode document = JSON.readTree(response.body());
            String uri = document.path("jwks_uri").asText(null);
            if (uri != null) {
                log.info("signing keys of issuer {} at {}", serviceUrl, uri);
                return URI.create(uri);
            }
        }
        return URI.create(serviceUrl);
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
