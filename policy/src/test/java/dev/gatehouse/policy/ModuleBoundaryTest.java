package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A cheap stand-in for ArchUnit (which lives in the gateway module): policy stays pure. */
class ModuleBoundaryTest {
    private static final List<String> FORBIDDEN = List.of(
            "import org.apache.sshd", "import io.netty", "import java.net", "import java.nio.file",
            "import java.io.File", "import java.sql", "import java.nio.channels", "import dev.gatehouse.gateway",
            "import dev.gatehouse.pki", "import dev.gatehouse.recorder");
    /**
     * URI values only: an app's target URL ({@link App#target()}) is parsed, never opened. Nothing
     * else from java.net (sockets, URL connections, name resolution).
     */
    private static final List<String> ALLOWED = List.of("import java.net.URI;", "import java.net.URISyntaxException;");

    /** I/O or transport code in policy would make decisions depend on things tests cannot see. */
    @Test
    void mainSourcesImportNoIoOrTransportPackages() throws IOException {
        Path main = Path.of("src/main/java");
        assertThat(main).isDirectory();
        try (Stream<Path> files = Files.walk(main)) {
            List<String> offences = files.filter(p -> p.toString().endsWith(".java"))
                    .flatMap(p -> lines(p).stream()
                            .filter(line -> FORBIDDEN.stream().anyMatch(line.trim()::startsWith) && !ALLOWED.contains(line.trim()))
                            .map(line -> main.relativize(p) + ": " + line.trim()))
                    .toList();
            assertThat(offences).isEmpty();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
