package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real OpenSSH / OpenSSL binaries (no stdin, UTC, 30 s limit) for interop tests. */
final class Processes {
    static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");

    record Result(int exitCode, String output) {}

    private Processes() {}

    static Result run(String... command) throws IOException, InterruptedException {
        assertThat(Path.of(command[0]))
                .as("interop tests need %s (install openssh-client / openssl)", command[0])
                .isExecutable();
        ProcessBuilder builder = new ProcessBuilder(List.of(command))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("TZ", "UTC");
        builder.environment().remove("SSH_AUTH_SOCK");
        builder.environment().remove("SSH_ASKPASS");
        builder.environment().remove("DISPLAY");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static Path write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }
}
