package io.c254.streaming.session;

import io.c254.streaming.testing.ProjectFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The error codes and close codes clients see are the ones the README documents, with the same numbers. */
class ErrorCatalogTest {

    private static final Pattern ERROR_ROW = Pattern.compile("^\\| (`[A-Z_]+`(?: / `[A-Z_]+`)*) \\| ([0-9 /]+) \\|", Pattern.MULTILINE);
    private static final Pattern CLOSE_ROW = Pattern.compile("^\\| (\\d{4}) \\| `([A-Z_]+)` \\|", Pattern.MULTILINE);

    @Test
    void everyErrorCodeHasTheHttpStatusTheReadmeGivesIt() throws IOException {
        Map<String, Integer> documented = new LinkedHashMap<>();
        Matcher row = ERROR_ROW.matcher(section("### Error codes"));
        while (row.find()) {
            List<String> names = Arrays.stream(row.group(1).split(" / ")).map(name -> name.replace("`", "")).toList();
            List<Integer> statuses = Arrays.stream(row.group(2).trim().split(" / ")).map(Integer::parseInt).toList();
            for (int i = 0; i < names.size(); i++) {
                documented.put(names.get(i), statuses.get(i));
            }
        }

        Map<String, Integer> catalog = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            catalog.put(code.name(), code.httpStatus());
            assertThat(code.meaning()).as("meaning of %s", code).isNotBlank();
        }
        assertThat(catalog).isEqualTo(documented);
    }

    @Test
    void everyCloseReasonHasTheCodeTheReadmeGivesItAndSaysWhy() throws IOException {
        Map<String, Integer> documented = new LinkedHashMap<>();
        Matcher row = CLOSE_ROW.matcher(section("### Close codes"));
        while (row.find()) {
            documented.put(row.group(2), Integer.parseInt(row.group(1)));
        }

        Map<String, Integer> catalog = new LinkedHashMap<>();
        for (CloseReason reason : CloseReason.values()) {
            catalog.put(reason.name(), reason.code());
            // the text goes into the close frame, whose reason RFC 6455 section 5.5 limits to 123 bytes
            assertThat(reason.text()).as("text of %s", reason).isNotBlank().hasSizeLessThanOrEqualTo(123);
        }
        assertThat(catalog).isEqualTo(documented);
    }

    /** The README's text from the heading to the next heading. */
    private static String section(String heading) throws IOException {
        String readme = Files.readString(ProjectFiles.root().resolve("README.md"));
        int start = readme.indexOf(heading);
        assertThat(start).as("README has %s", heading).isNotNegative();
        int end = readme.indexOf("\n#", start + heading.length());
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
