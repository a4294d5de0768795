package io.c254.streaming.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.testing.MessageSchemas;
import io.c254.streaming.testing.ProjectFiles;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `api/openapi.yaml` is valid OpenAPI, names the endpoints the router serves, and what a running instance
 * answers fits its schemas. `api/asyncapi.yaml` names the catalogues and resolves; its message schemas are
 * checked by the test clients on every message of every integration test (see MessageSchemas).
 */
class ApiDescriptionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OPENAPI = ProjectFiles.root().resolve("api/openapi.yaml");
    private static JsonNode document;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        document = new YAMLMapper().readTree(OPENAPI.toFile());
        server = TestServer.builder().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void theFileIsOpenApi31WithoutAParserComplaint() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readLocation(OPENAPI.toUri().toString(), null, options);

        assertThat(parsed.getMessages()).isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.1");
    }

    @Test
    void itDescribesEveryPlainEndpointTheRouterServesAndNoOther() {
        Set<String> described = new TreeSet<>();
        document.path("paths").fieldNames().forEachRemaining(described::add);
        Set<String> plain = new TreeSet<>(HttpRouter.ENDPOINTS);
        // the streams and their messages are asyncapi.yaml's
        plain.removeAll(List.of("/ws/stream", "/sse/stream"));

        assertThat(described).isEqualTo(plain);
    }

    @Test
    void itsErrorCodesAreTheCatalogue() {
        List<String> described = new ArrayList<>();
        document.path("components").path("schemas").path("ErrorCode").path("enum").forEach(code -> described.add(code.asText()));

        assertThat(described).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    }

    @Test
    void healthProbesAndStatsAnswerInTheirSchemas() throws Exception {
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            assertFits(server.get("/health"), "Health");
            assertFits(server.get("/health/live"), "Live");
            assertFits(server.get("/health/ready"), "Ready");
            assertFits(server.get("/stats"), "Stats");
            assertFits(server.get("/admin/overview"), "Overview");
        }
    }

    @Test
    void refusalsAnswerInTheErrorShape() throws Exception {
        assertFits(server.get("/no-such-endpoint"), "Problem");
        assertFits(server.postForm("/sse/subscribe?token=test-token", "connection_id=nobody&topic=x"), "ControlProblem");
    }

    @Test
    void controlCallsAnswerInTheirSchemas() throws Exception {
        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            String connection = stream.nextNamed("connection_established").json().path("connection_id").asText();
            String topic = io.c254.streaming.registry.TopicRegistry.CURVE_UPDATES;
            assertFits(server.postForm("/sse/subscribe?token=test-token",
                    "connection_id=" + connection + "&topic=" + topic + "&filters=%7B%22commodity%22%3A%22oil%22%7D"), "Subscribed");
            assertFits(server.postForm("/sse/unsubscribe?token=test-token", "connection_id=" + connection + "&topic=" + topic), "Unsubscribed");
        }
    }

    @Test
    void theAsyncApiFileNamesTheCataloguesAndEveryReferenceResolves() throws Exception {
        JsonNode asyncapi = new YAMLMapper().readTree(MessageSchemas.ASYNCAPI.toFile());
        assertThat(asyncapi.path("asyncapi").asText()).isEqualTo("3.0.0");
        List<String> codes = new ArrayList<>();
        asyncapi.path("components").path("schemas").path("ErrorCode").path("enum").forEach(code -> codes.add(code.asText()));
        assertThat(codes).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
        List<String> reasons = new ArrayList<>();
        asyncapi.path("components").path("schemas").path("CloseReason").path("enum").forEach(reason -> reasons.add(reason.asText()));
        assertThat(reasons).containsExactlyInAnyOrderElementsOf(Arrays.stream(CloseReason.values()).map(Enum::name).toList());

        List<String> unresolved = new ArrayList<>();
        collectRefs(asyncapi).forEach(ref -> {
            if (asyncapi.at(ref.substring(1)).isMissingNode()) {
                unresolved.add(ref);
            }
        });
        assertThat(unresolved).isEmpty();
    }

    private static List<String> collectRefs(JsonNode node) {
        List<String> refs = new ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if (field.getKey().equals("$ref")) {
                    refs.add(field.getValue().asText().replace("~1", "/"));
                } else {
                    refs.addAll(collectRefs(field.getValue()));
                }
            });
        } else if (node.isArray()) {
            node.forEach(item -> refs.addAll(collectRefs(item)));
        }
        return refs;
    }

    /** The body validates against the named schema of components, its references resolved within the document. */
    private static void assertFits(HttpResponse<String> response, String schemaName) throws Exception {
        ObjectNode root = JSON.createObjectNode().put("$ref", "#/components/schemas/" + schemaName);
        root.set("components", document.path("components"));
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root);
        List<Error> errors = schema.validate(JSON.readTree(response.body()));
        assertThat(errors).as("%s (%d) as %s: %s", response.uri().getPath(), response.statusCode(), schemaName, response.body()).isEmpty();
    }
}
