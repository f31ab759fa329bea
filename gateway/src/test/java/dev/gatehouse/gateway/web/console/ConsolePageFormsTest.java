package dev.gatehouse.gateway.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The console's form fields, read from the front end's sources ({@code console/src/pages}, which
 * the build bundles as they are): what they offer and suggest must match what the API accepts.
 */
class ConsolePageFormsTest {
    static final Path PAGES = Path.of("..", "console", "src", "pages");

    @Test
    void theOutcomeFieldOffersExactlyTheOutcomesTheApiAccepts() throws IOException {
        // a free-text field let people type outcomes the API refuses, and hid the ones it knows
        String page = Files.readString(PAGES.resolve("sessions.html"));
        Matcher select = Pattern.compile("<select name=\"outcome\">(.*?)</select>").matcher(page);
        assertThat(select.find()).as("the Outcome field is a select").isTrue();
        List<String> offered = new ArrayList<>();
        Matcher option = Pattern.compile("<option(?: value=\"([^\"]*)\")?>([^<]*)</option>").matcher(select.group(1));
        while (option.find()) {
            offered.add(option.group(1) != null ? option.group(1) : option.group(2));
        }
        assertThat(offered).first().as("the first choice is any outcome").isEqualTo("");
        assertThat(offered.subList(1, offered.size())).containsExactlyInAnyOrderElementsOf(RecordsApi.OUTCOMES);
    }

    @Test
    void noFieldSuggestsRoot() throws IOException {
        // threat: a form that suggests root teaches people to ask for what is never granted (R01)
        List<Path> pages;
        try (Stream<Path> s = Files.list(PAGES)) {
            pages = s.filter(p -> p.toString().endsWith(".html")).toList();
        }
        assertThat(pages).isNotEmpty();
        Pattern suggestsRoot = Pattern.compile("(placeholder|value)\\s*=\\s*\"\\s*root\\s*\"", Pattern.CASE_INSENSITIVE);
        for (Path p : pages) {
            assertThat(suggestsRoot.matcher(Files.readString(p)).find()).as(p.getFileName().toString()).isFalse();
        }
    }
}
