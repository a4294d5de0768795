package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.session.ErrorCode;

import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP refusal as the README promises it: a 4xx status, a JSON body `{"error": CODE, "message": ...}`
 * whose code is in the catalog and maps to that very status, and a message that says something.
 */
public final class ProblemAnswer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemAnswer() {
    }

    /** Fails unless the response is such a refusal; returns its body. */
    public static JsonNode assertProblem(RawHttp.Response response) {
        assertThat(response.status()).as("a client error, never a server error: %s", response.head()).isBetween(400, 499);
        assertThat(response.header("Content-Type")).as("content type").startsWith("application/json");
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("the body of a " + response.status() + " is not JSON: " + response.body(), e);
        }
        String code = body.path("error").asText();
        assertThat(code).as("error code of %s", response.body()).isIn(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
        assertThat(ErrorCode.valueOf(code).httpStatus()).as("the status of %s", code).isEqualTo(response.status());
        assertThat(body.path("message").asText()).as("message of %s", response.body()).isNotBlank();
        return body;
    }
}
