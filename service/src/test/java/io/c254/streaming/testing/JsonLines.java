package io.c254.streaming.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A captured log event as the production logback.xml writes it to stdout: one JSON object. */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Encoder<ILoggingEvent> encoder;

    private JsonLines() {
    }

    public static synchronized JsonNode encode(ILoggingEvent event) {
        try {
            return JSON.readTree(new String(encoder().encode(event), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Encoder<ILoggingEvent> encoder() {
        if (encoder == null) {
            LoggerContext context = new LoggerContext();
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            try {
                configurator.doConfigure(ServiceProcess.productionLogConfig());
            } catch (JoranException e) {
                throw new IllegalStateException("the production logback.xml does not load", e);
            }
            var appenders = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
            encoder = ((OutputStreamAppender<ILoggingEvent>) appenders.next()).getEncoder();
        }
        return encoder;
    }
}
