package dev.gatehouse.gateway.web;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the web front's tests that need nothing but a fresh {@link WebFixture} per test: JUnit
 * builds it in a temporary folder before each test (before the subclass's own {@code @BeforeEach})
 * and closes it after.
 */
abstract class WithWebFixture {
    @TempDir
    Path dir;
    WebFixture f;

    @BeforeEach
    void openFixture() throws Exception {
        f = new WebFixture(dir);
    }

    @AfterEach
    void closeFixture() {
        f.close();
    }
}
