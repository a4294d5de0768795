package io.c254.streaming.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes to Nchan with HTTP/1.1 POSTs to {@code /pub/<channel>}, the record as the body, over keep-alive
 * connections. Sends are asynchronous so that a slow answer does not hold the schedule; at most
 * {@link #MAX_IN_FLIGHT} are under way at once.
 */
final class NchanPublisher implements Publisher {

    private static final int MAX_IN_FLIGHT = 64;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final HttpClient client;
    private final URI uri;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final AtomicLong failures = new AtomicLong();

    private NchanPublisher(HttpClient client, URI uri) {
        this.client = client;
        this.uri = uri;
    }

    static NchanPublisher open(String host, int port, String channel) {
        HttpClient client = HttpClient.newBuilder()
                // plain HTTP/1.1: the default would offer an h2c upgrade on every new connection
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(REQUEST_TIMEOUT)
                .build();
        return new NchanPublisher(client, URI.create("http://" + host + ":" + port + "/pub/" + channel));
    }

    @Override
    public void publish(int instrument, byte[] record) {
        try {
            if (!inFlight.tryAcquire(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                failures.incrementAndGet();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.incrementAndGet();
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(record))
                .build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            inFlight.release();
            if (error != null || response.statusCode() >= 300) {
                failures.incrementAndGet();
            }
        });
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        try {
            if (inFlight.tryAcquire(MAX_IN_FLIGHT, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                inFlight.release(MAX_IN_FLIGHT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.shutdownNow();
    }
}
