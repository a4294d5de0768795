package io.c254.streaming.testing;

import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's own files, for tests that hold the build and the deployment files to what they promise. */
public final class ProjectFiles {

    private ProjectFiles() {
    }

    /** Surefire and failsafe run in service/; the repository root is its parent. */
    public static Path root() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        if (!Files.exists(root.resolve("service/pom.xml"))) {
            throw new IllegalStateException("tests must run in service/, not in " + Path.of("").toAbsolutePath());
        }
        return root;
    }

    /** The project version, as the parent pom declares it. */
    public static String version() {
        try {
            Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(root().resolve("pom.xml").toFile());
            return XPathFactory.newInstance().newXPath().evaluate("/project/version", pom);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the version from pom.xml", e);
        }
    }
}
