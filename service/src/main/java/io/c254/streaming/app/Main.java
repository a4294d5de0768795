package io.c254.streaming.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.config.ConfigLoader;
import io.netty.util.ResourceLeakDetector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicReference;

/** Starts the service from environment variables. A bad value stops start-up with one line and exit code 2. */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        disableLeakDetectionUnlessAsked();
        Config config = loadOrExit();
        applyLogLevel(config.logLevel());
        // SIGTERM (Kubernetes, docker stop) and SIGINT drain the service and exit 0: a planned stop is
        // not a failure. A plain shutdown hook would run the same drain but leave exit status 143. The
        // handlers come first: a signal while the service starts (it logs its port before start returns) stops it too
        AtomicReference<StreamingService> running = new AtomicReference<>();
        Signal.handle(new Signal("TERM"), signal -> stopAndExit(running.get()));
        Signal.handle(new Signal("INT"), signal -> stopAndExit(running.get()));
        running.set(startOrExit(config));
    }

    /**
     * Netty's leak detector samples one buffer in 128, and a sampled frame records a stack trace for each of
     * its retained duplicates: one per subscriber of a record. On a fan-out to thousands of connections that
     * is most of the CPU the gateway spends outside the kernel. It stays available for hunting a leak:
     * `-Dio.netty.leakDetection.level=simple` (or `paranoid`) turns it back on. The tests run with it on.
     */
    private static void disableLeakDetectionUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** @param service null when the stop came before the service had started: there is nothing to drain */
    private static void stopAndExit(StreamingService service) {
        if (service == null) {
            log.info("stop requested while starting: exiting");
            System.exit(0);
        }
        log.info("stop requested: draining");
        try {
            service.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("shutdown failed", e);
            System.exit(1);
        }
        System.exit(0);
    }

    static Config loadOrExit() {
        try {
            Config config = ConfigLoader.load(System.getenv());
            ConfigLoader.unknownVariables(System.getenv()).forEach(name ->
                    log.warn("{} is set but is no variable of this service, so it has no effect; is it misspelt?", name));
            return config;
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    /** Registry file problems are configuration errors too, found while building the service. */
    static StreamingService startOrExit(Config config) throws InterruptedException {
        try {
            return StreamingService.start(config);
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            throw e;
        } catch (Exception e) {
            // Netty rethrows a taken port as a checked BindException; the operator needs the one line, not the trace
            System.err.println("error: cannot start on " + config.bindAddress() + ":" + config.port() + ": " + e.getMessage());
            System.exit(1);
            throw new IllegalStateException(e);
        }
    }

    static void applyLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
