package io.c254.streaming.config;

/** A bad configuration value. Its message is one line naming the variable and the expected form. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String variable, String problem) {
        // one line whatever the offending value holds: operators grep start-up errors
        super((variable + ": " + problem).replaceAll("[\\r\\n]+", " "));
    }
}
