package io.c254.streaming.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version and commit, written into the jar by the build (build-info.properties, filtered by Maven). */
record BuildInfo(String version, String commit) {

    static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/build-info.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown": health must answer even from a damaged jar
        }
        return new BuildInfo(clean(properties.getProperty("version")), clean(properties.getProperty("commit")));
    }

    private static String clean(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }
}
