package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Key material and file helpers; every key is generated at test time by the real ssh-keygen. */
final class Keys {
    private Keys() {}

    /** Generates an Ed25519 key pair at {@code privateKey} (+ .pub) and returns the public line. */
    static String generate(Path privateKey, String comment) {
        Proc.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKey.toString())
                .requireSuccess();
        return publicLine(privateKey.resolveSibling(privateKey.getFileName() + ".pub"));
    }

    /** "ssh-ed25519 AAAA..." without the comment. */
    static String publicLine(Path publicKeyFile) {
        String[] parts = read(publicKeyFile).trim().split("\\s+");
        return parts[0] + " " + parts[1];
    }

    static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeRandom(Path file, int bytes) {
        byte[] data = new byte[bytes];
        new SecureRandom().nextBytes(data);
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes a fixture's temp dir, unless -Dgatehouse.e2e.keep=true asks to keep it for a post-mortem. */
    static void deleteTree(Path dir) {
        if (Boolean.getBoolean("gatehouse.e2e.keep") || dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a socket or a file still held open; the OS cleans /tmp eventually
                }
            });
        } catch (IOException ignored) {
            // best effort, as above
        }
    }

    /** A short random token to tell this run's markers from any other output. */
    static String token() {
        byte[] b = new byte[5];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
