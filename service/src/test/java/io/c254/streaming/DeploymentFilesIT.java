package io.c254.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.ProjectFiles;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile, docker-compose.yml and deploy/k8s/ cannot be run here (no Docker engine, no cluster),
 * so what they promise is checked against what the build and the server actually do: the files parse,
 * the probes ask paths the server answers, the image copies what `mvn package` produces, and the
 * variables they set are ones the service reads.
 */
class DeploymentFilesIT {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern PROBE_REQUEST = Pattern.compile("GET (/\\S*) HTTP");
    private static final Pattern ACCESS_VARIABLE = Pattern.compile("ACCESS_[A-Z_]+");

    private static final Path ROOT = ProjectFiles.root();

    private static Map<String, List<JsonNode>> k8sByKind;
    private static JsonNode compose;
    private static List<String> dockerfile;

    @BeforeAll
    static void readFiles() throws IOException {
        assertThat(ROOT.resolve("Dockerfile")).exists();
        k8sByKind = new HashMap<>();
        for (Path file : yamlFiles(ROOT.resolve("deploy"))) {
            for (JsonNode doc : readAll(file)) {
                k8sByKind.computeIfAbsent(doc.path("kind").asText(), kind -> new ArrayList<>()).add(doc);
            }
        }
        compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        dockerfile = instructions(Files.readString(ROOT.resolve("Dockerfile")));
    }

    @Test
    void everyManifestParsesAndNamesItsKindAndItself() throws IOException {
        List<Path> files = yamlFiles(ROOT.resolve("deploy"));
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            List<JsonNode> docs = readAll(file);
            assertThat(docs).as(file.toString()).isNotEmpty().allSatisfy(doc -> {
                assertThat(doc.path("apiVersion").asText()).as("%s apiVersion", file).isNotBlank();
                assertThat(doc.path("kind").asText()).as("%s kind", file).isNotBlank();
            });
        }
        assertThat(k8sByKind).containsKeys("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "HorizontalPodAutoscaler");
        k8sByKind.forEach((kind, docs) -> {
            if (!kind.equals("Kustomization")) {
                docs.forEach(doc -> assertThat(doc.path("metadata").path("name").asText()).as(kind + " name").isNotBlank());
            }
        });
        assertThat(compose.path("services").path("streaming-service").isObject()).isTrue();
    }

    @Test
    void kustomizationAppliesEveryManifest() throws IOException {
        Path k8s = ROOT.resolve("deploy/k8s");
        Set<String> listed = new TreeSet<>();
        only("Kustomization").path("resources").forEach(resource -> listed.add(resource.asText()));
        Set<String> present = new TreeSet<>();
        for (Path file : yamlFiles(k8s)) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                present.add(k8s.relativize(file).toString());
            }
        }
        assertThat(listed).isEqualTo(present);
    }

    @Test
    void everyProbeAsksAPathTheServerAnswersWith200() throws InterruptedException {
        JsonNode container = container();
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");

        Set<String> paths = new TreeSet<>();
        for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
            paths.add(container.path(probe).path("httpGet").path("path").asText());
        }
        paths.addAll(requestedPaths(instruction("HEALTHCHECK")));
        paths.addAll(requestedPaths(compose.path("services").path("streaming-service").path("healthcheck").path("test").toString()));
        assertThat(paths).contains("/health/live", "/health/ready");

        TestServer server = TestServer.builder().start();
        try {
            for (String path : paths) {
                assertThat(server.get(path).statusCode()).as("GET %s", path).isEqualTo(200);
            }
        } finally {
            server.close();
        }
    }

    @Test
    void everyPortIsTheOneTheServiceListensOn() {
        JsonNode container = container();
        assertThat(container.path("ports").get(0).path("name").asText()).isEqualTo("http");
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8001);
        for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).as(probe).isEqualTo("http");
        }
        JsonNode servicePort = only("Service").path("spec").path("ports").get(0);
        assertThat(servicePort.path("port").asInt()).isEqualTo(8001);
        assertThat(servicePort.path("targetPort").asText()).isEqualTo("http");
        assertThat(instruction("EXPOSE")).isEqualTo("EXPOSE 8001");
        assertThat(compose.path("services").path("streaming-service").path("ports").get(0).asText()).isEqualTo("8001:8001");
    }

    @Test
    void productionModeWithTheJwtSecretFromOutsideTheFiles() {
        Map<String, JsonNode> env = containerEnv();
        assertThat(env.get("ACCESS_ENV").path("value").asText()).isEqualTo("production");
        JsonNode secret = env.get("ACCESS_JWT_SECRET").path("valueFrom").path("secretKeyRef");
        assertThat(secret.path("name").asText()).isNotBlank();
        assertThat(secret.path("key").asText()).isNotBlank();

        JsonNode composeEnv = compose.path("services").path("streaming-service").path("environment");
        assertThat(composeEnv.path("ACCESS_ENV").asText()).isEqualTo("production");
        assertThat(composeEnv.path("ACCESS_KAFKA_BOOTSTRAP").asText()).isEqualTo("kafka:9092");
        assertThat(composeEnv.path("ACCESS_JWT_SECRET").asText()).startsWith("${ACCESS_JWT_SECRET");
        assertThat(dockerfile).contains("ENV ACCESS_ENV=production");
    }

    @Test
    void everyVariableTheFilesSetIsOneTheServiceReadsAndTheReadmeDocuments() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Set<String> used = new TreeSet<>(containerEnv().keySet());
        compose.path("services").path("streaming-service").path("environment").fieldNames().forEachRemaining(used::add);
        Matcher inDockerfile = ACCESS_VARIABLE.matcher(String.join("\n", dockerfile));
        while (inDockerfile.find()) {
            used.add(inDockerfile.group());
        }
        // a misspelt name would be ignored by the service (bar a start-up warning), which then runs on its default
        assertThat(used).isNotEmpty();
        Map<String, String> asEnvironment = new HashMap<>();
        used.forEach(name -> asEnvironment.put(name, "set"));
        assertThat(ConfigLoader.unknownVariables(asEnvironment)).as("ACCESS_* variables set by the deployment files that the service never reads")
                .isEmpty();
        assertThat(used).as("ACCESS_* variables set by the deployment files but not documented in README.md")
                .filteredOn(name -> !readme.contains("`" + name + "`")).isEmpty();
    }

    @Test
    void registryConfigMapIsMountedWhereTheServiceReadsItAndLoads() throws IOException {
        JsonNode configMap = only("ConfigMap");
        JsonNode pod = only("Deployment").path("spec").path("template").path("spec");
        JsonNode volume = findByName(pod.path("volumes"), "topic-registry");
        assertThat(volume.path("configMap").path("name").asText()).isEqualTo(configMap.path("metadata").path("name").asText());
        JsonNode mount = findByName(container().path("volumeMounts"), "topic-registry");
        String registryFile = containerEnv().get("ACCESS_TOPIC_REGISTRY_FILE").path("value").asText();
        String key = Path.of(registryFile).getFileName().toString();
        assertThat(Path.of(mount.path("mountPath").asText()).resolve(key).toString()).isEqualTo(registryFile);
        assertThat(configMap.path("data").has(key)).as("ConfigMap key %s", key).isTrue();

        Path copy = Files.createTempFile("topics", ".yaml");
        try {
            Files.writeString(copy, configMap.path("data").path(key).asText());
            TopicRegistry registry = TopicRegistry.load(ConfigLoader.load(Map.of("ACCESS_TOPIC_REGISTRY_FILE", copy.toString())));
            assertThat(registry.topics()).extracting(TopicDefinition::name)
                    .contains(TopicRegistry.LATEST_PRICES, TopicRegistry.CURVE_UPDATES, TopicRegistry.MARKET_DATA);
            assertThat(registry.defaultTopics()).extracting(TopicDefinition::name).containsExactly(TopicRegistry.LATEST_PRICES);
        } finally {
            Files.delete(copy);
        }
    }

    @Test
    void podsRunAsTheImagesNonRootUserAndGetTimeToCloseTheirClients() {
        JsonNode pod = only("Deployment").path("spec").path("template").path("spec");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        String imageUser = instruction("USER").substring("USER ".length());
        assertThat(imageUser).isEqualTo(pod.path("securityContext").path("runAsUser").asText() + ":"
                + pod.path("securityContext").path("runAsGroup").asText());
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
        assertThat(container().path("resources").path("requests").path("cpu").asText())
                .as("the HPA's CPU utilization is relative to the request").isNotBlank();
    }

    @Test
    void imageCopiesWhatMavenPackageProducesAndBuildsAsTheReadmeSays() throws IOException {
        String jar = "streaming-service-" + ProjectFiles.version() + ".jar";
        assertThat(dockerfile).contains("COPY --from=build /build/service/target/" + jar + " ./",
                "COPY --from=build /build/service/target/lib/ lib/");
        assertThat(instruction("ENTRYPOINT")).contains("/app/" + jar);
        // copy-dependencies writes the runtime jars to target/lib, where the jar's manifest looks for them
        assertThat(Files.readString(ROOT.resolve("service/pom.xml"))).contains("<outputDirectory>${project.build.directory}/lib</outputDirectory>",
                "<classpathPrefix>lib/</classpathPrefix>");

        String build = "mvn -B -ntp -DskipTests package -pl service -am";
        assertThat(dockerfile).anySatisfy(line -> assertThat(line).startsWith("RUN " + build));
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains(build);

        // what the service's build reads from outside service/ (the JavaScript client the console serves) enters the build too
        Matcher outside = Pattern.compile(
                "<directory>\\.\\./([^<]+)</directory>.*?<include>([^<]+)</include>", Pattern.DOTALL)
                .matcher(Files.readString(ROOT.resolve("service/pom.xml")));
        int outsideFiles = 0;
        while (outside.find()) {
            String file = outside.group(1) + "/" + outside.group(2);
            assertThat(dockerfile).as("the image build copies %s", file).anySatisfy(line -> assertThat(line).startsWith("COPY " + file + " "));
            outsideFiles++;
        }
        assertThat(outsideFiles).as("the console's client, at least").isPositive();

        List<String> admitted = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .filter(line -> line.startsWith("!")).map(line -> line.substring(1)).toList();
        for (String copy : dockerfile.stream().filter(line -> line.startsWith("COPY ") && !line.contains("--from")).toList()) {
            String[] words = copy.split("\\s+");
            for (String source : List.of(words).subList(1, words.length - 1)) {
                String path = source.replaceAll("/$", "");
                assertThat(ROOT.resolve(path)).as("%s copies an existing path", copy).exists();
                assertThat(admitted).as("%s: .dockerignore admits %s", copy, path).contains(path);
            }
        }
    }

    private static JsonNode only(String kind) {
        List<JsonNode> docs = k8sByKind.getOrDefault(kind, List.of());
        assertThat(docs).as("one %s", kind).hasSize(1);
        return docs.get(0);
    }

    private static JsonNode container() {
        JsonNode containers = only("Deployment").path("spec").path("template").path("spec").path("containers");
        assertThat(containers.size()).isEqualTo(1);
        return containers.get(0);
    }

    private static Map<String, JsonNode> containerEnv() {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container().path("env").forEach(variable -> env.put(variable.path("name").asText(), variable));
        return env;
    }

    private static JsonNode findByName(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("no entry named " + name + " in " + list);
    }

    private static Set<String> requestedPaths(String text) {
        Set<String> paths = new TreeSet<>();
        Matcher matcher = PROBE_REQUEST.matcher(text);
        while (matcher.find()) {
            paths.add(matcher.group(1));
        }
        assertThat(paths).as("a probe request in %s", text).isNotEmpty();
        return paths;
    }

    private static String instruction(String keyword) {
        List<String> found = dockerfile.stream().filter(line -> line.startsWith(keyword + " ")).toList();
        assertThat(found).as("Dockerfile %s", keyword).hasSize(1);
        return found.get(0);
    }

    /** Dockerfile instructions, one per entry, continuation lines joined and comments dropped. */
    private static List<String> instructions(String text) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            boolean continues = trimmed.endsWith("\\");
            current.append(continues ? trimmed.substring(0, trimmed.length() - 1).strip() + " " : trimmed);
            if (!continues) {
                result.add(current.toString().strip());
                current.setLength(0);
            }
        }
        return result;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(file -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<JsonNode> readAll(Path file) throws IOException {
        try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            return docs.readAll().stream().filter(doc -> !doc.isNull() && !doc.isMissingNode()).toList();
        }
    }
}
