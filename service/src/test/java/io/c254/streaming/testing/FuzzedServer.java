package io.c254.streaming.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server for a fuzz suite, with its {@link FuzzInvariants}: started before the suite's tests (and
 * before its own `@BeforeAll` methods), the invariants checked after each test, the leak check made and
 * everything closed after the last. Register it on a static field with `@RegisterExtension`.
 */
public final class FuzzedServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final String topic;
    private final Map<String, String> env = new LinkedHashMap<>();
    private TestServer server;
    private FuzzInvariants invariants;

    private FuzzedServer(String topic) {
        this.topic = topic;
        // every case is a new connection of one user from one address: the rules under test are others
        env.put("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", "100000");
        env.put("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER", "100000");
    }

    /** @param topic registered and created in Kafka; the bystanders of the invariants read it */
    public static FuzzedServer withTopic(String topic) {
        return new FuzzedServer(topic);
    }

    public FuzzedServer env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public TestServer server() {
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        TestServer.Builder builder = TestServer.builder().topic(topic);
        env.forEach(builder::env);
        server = builder.start();
        invariants = FuzzInvariants.watch(server, topic);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        invariants.assertHeld();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            invariants.assertNoLeaks();
        } finally {
            invariants.close();
            server.close();
        }
    }
}
