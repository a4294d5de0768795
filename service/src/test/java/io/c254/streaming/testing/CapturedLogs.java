package io.c254.streaming.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The lines one logger of the service writes while a test runs (the service runs in the test JVM), at
 * a level the test chooses; the logger's level and additivity are restored on close. Each event is
 * frozen as it is logged: logback reads the MDC lazily, from whichever thread asks, so an event read
 * later from the test's thread would show the test's MDC instead of the logging thread's.
 */
public final class CapturedLogs implements AutoCloseable {

    private final Logger logger;
    private final Level previousLevel;
    private final boolean previousAdditive;
    private final Capture capture = new Capture();

    private CapturedLogs(Logger logger) {
        this.logger = logger;
        this.previousLevel = logger.getLevel();
        this.previousAdditive = logger.isAdditive();
    }

    /** Captures what the named logger writes at this level or above; the lines no longer reach the console meanwhile. */
    public static CapturedLogs of(String loggerName, Level level) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        CapturedLogs logs = new CapturedLogs(context.getLogger(loggerName));
        logs.capture.setContext(context);
        logs.capture.start();
        logs.logger.addAppender(logs.capture);
        logs.logger.setLevel(level);
        logs.logger.setAdditive(false);
        return logs;
    }

    public List<ILoggingEvent> events() {
        return List.copyOf(capture.events);
    }

    public List<ILoggingEvent> events(Predicate<ILoggingEvent> wanted) {
        return capture.events.stream().filter(wanted).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(capture);
        logger.setLevel(previousLevel);
        logger.setAdditive(previousAdditive);
        capture.stop();
    }

    private static final class Capture extends AppenderBase<ILoggingEvent> {
        private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            // message, thread and MDC as they are now, on the logging thread
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    }
}
