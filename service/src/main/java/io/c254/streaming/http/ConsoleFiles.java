package io.c254.streaming.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The web console's files (`/console/...`), read from the jar once at start-up: the pages, the
 * JavaScript client as published, and uPlot from its WebJar. A fixed set: no path ever reaches the
 * file system or the class path from a request.
 */
final class ConsoleFiles {

    static final String PREFIX = "/console/";

    private static final Logger log = LoggerFactory.getLogger(ConsoleFiles.class);
    private static final String UPLOT = "META-INF/resources/webjars/uplot/";
    /**
     * The pages load only what this instance serves, talk only to it, and may not be framed: a page of
     * another origin cannot dress the console up and click through it.
     */
    private static final String POLICY = "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'";

    private final Map<String, Asset> files;

    private record Asset(byte[] bytes, String contentType) {
    }

    private ConsoleFiles(Map<String, Asset> files) {
        this.files = files;
    }

    static ConsoleFiles load() {
        Map<String, Asset> files = new LinkedHashMap<>();
        add(files, "", "console/index.html");
        add(files, "console.js", "console/console.js");
        add(files, "console.css", "console/console.css");
        add(files, "streaming-client.js", "console/streaming-client.js");
        uplotVersion().ifPresentOrElse(version -> {
            add(files, "uplot/uPlot.esm.js", UPLOT + version + "/dist/uPlot.esm.js");
            add(files, "uplot/uPlot.min.css", UPLOT + version + "/dist/uPlot.min.css");
        }, () -> log.warn("uPlot is not on the class path: the console's pages will not run (they import it)"));
        return new ConsoleFiles(files);
    }

    /** The answer to `/console/<name>`, or empty for a name that is not one of the files. */
    Optional<FullHttpResponse> answer(String path) {
        Asset file = files.get(path.substring(PREFIX.length()));
        if (file == null) {
            return Optional.empty();
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(file.bytes()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, file.contentType())
                // small files, and a new jar must show at once: the browser asks again each time
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, POLICY)
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        return Optional.of(response);
    }

    private static void add(Map<String, Asset> files, String name, String resource) {
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                log.warn("console file {} is not in the jar: /console/{} answers 404", resource, name);
                return;
            }
            files.put(name, new Asset(in.readAllBytes(), contentType(resource)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + resource, e);
        }
    }

    private static Optional<String> uplotVersion() {
        Properties properties = new Properties();
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            properties.load(in);
            return Optional.ofNullable(properties.getProperty("version"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String contentType(String resource) {
        if (resource.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (resource.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/javascript; charset=utf-8";
    }
}
