package dev.gatehouse.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keys as files under one directory.
 *
 * <p>Layout: an Ed25519 key {@code NAME} is {@code NAME.key} (OpenSSH private key format) plus
 * {@code NAME.pub} (its OpenSSH public line); an EC P-256 key is {@code NAME.pem} (PKCS#8) plus
 * {@code NAME.pub} (PEM {@code PUBLIC KEY}, for hosts that only verify). Public files are written
 * 0644 when missing, each time the private key is loaded; an EC public file that does not match
 * its private key is refused (verifiers would trust it). Private files are created 0600
 * from the start (never a wider window) in a directory created 0700, written to a temporary file
 * and renamed into place so a crash never leaves half a key under the real name. Existing private
 * files that group or others can read are refused, as ssh refuses them.
 */
final class SoftwareKeyStorage implements KeyStorage {
    /** Plain file names only: no separators, no leading dot, so a name can never escape the directory. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path dir;
    private final Optional<Secret> passphrase;
    private final SecureRandom random = new SecureRandom();

    SoftwareKeyStorage(Path dir, Optional<Secret> passphrase) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
        this.passphrase = Objects.requireNonNull(passphrase, "passphrase");
        passphrase.ifPresent(SoftwareKeyStorage::checkPassphrase);
    }

    private static void checkPassphrase(Secret secret) {
        char[] value = secret.reveal();
        try {
            boolean blank = true;
            for (char c : value) {
                blank &= Character.isWhitespace(c);
            }
            // An OpenSSH writer silently skips encryption for a blank passphrase; refuse instead.
            if (blank) {
                throw new IllegalArgumentException(
                        "the key passphrase is empty or blank; set a real passphrase or configure none for unencrypted keys");
            }
        } finally {
            Arrays.fill(value, '\0');
        }
    }

    @Override
    public synchronized KeyPair loadOrGenerate(String name, KeyKind kind) throws IOException {
        Optional<KeyPair> existing = load(name, kind);
        if (existing.isPresent()) {
            return existing.get();
        }
        KeyPair pair = KeyFileCodec.generate(kind);
        char[] secret = revealPassphrase();
        try {
            byte[] content = kind == KeyKind.ED25519
                    ? KeyFileCodec.encodeOpenSsh(pair, comment(name), secret)
                    : KeyFileCodec.encodePkcs8(pair, secret);
            try {
                writeNew(privateFile(name, kind), content, PRIVATE);
            } finally {
                Arrays.fill(content, (byte) 0);
            }
        } finally {
            wipe(secret);
        }
        writePublicIfMissing(name, kind, pair);
        return pair;
    }

    @Override
    public synchronized Optional<KeyPair> load(String name, KeyKind kind) throws IOException {
        Path file = privateFile(name, kind);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        checkPermissions(file);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage()
                    + "; check that the gateway's user owns it and can read it", e);
        }
        char[] secret = revealPassphrase();
        KeyPair pair;
        try {
            pair = kind == KeyKind.ED25519
                    ? KeyFileCodec.decodeOpenSsh(file, content, secret)
                    : KeyFileCodec.decodePkcs8(file, content, secret);
        } finally {
            wipe(secret);
            Arrays.fill(content, (byte) 0);
        }
        writePublicIfMissing(name, kind, pair);
        if (kind == KeyKind.EC_P256 && !Arrays.equals(pair.getPublic().getEncoded(),
                loadPublic(name, kind).orElse(pair.getPublic()).getEncoded())) {
            throw new IOException(publicFile(name) + " does not hold the public half of " + file + ": it was replaced"
                    + " (verifiers reading it would trust another key); delete it, and the next start writes it again");
        }
        return Optional.of(pair);
    }

    @Override
    public synchronized Optional<PublicKey> loadPublic(String name, KeyKind kind) throws IOException {
        Path file = publicFile(name);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] content = Files.readAllBytes(file);
        if (kind == KeyKind.EC_P256) {
            return Optional.of(KeyFileCodec.decodePublicPem(file, content));
        }
        try {
            return Optional.of(SshKeys.parse(new String(content, StandardCharsets.US_ASCII).strip()));
        } catch (RuntimeException e) {
            throw new IOException(file + " does not hold an OpenSSH public key line: " + e.getMessage(), e);
        }
    }

    /** The private key file of {@code name}; see the class comment for the layout. */
    Path privateFile(String name, KeyKind kind) {
        return dir.resolve(checkName(name) + (kind == KeyKind.ED25519 ? ".key" : ".pem"));
    }

    /** The public half of a key: an SSH key's {@code .pub} line, an EC key's PEM {@code PUBLIC KEY}. */
    Path publicFile(String name) {
        return dir.resolve(checkName(name) + ".pub");
    }

    private static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("key name '" + (name == null ? "null" : SshKeyCodec.quote(name))
                    + "' is not a plain file name (letters, digits, '_', '.', '-'; at most 64; not starting with '.' or '-')");
        }
        return name;
    }

    private static String comment(String name) {
        return "gatehouse-" + name;
    }

    private void writePublicIfMissing(String name, KeyKind kind, KeyPair pair) throws IOException {
        Path file = publicFile(name);
        if (!Files.exists(file)) {
            writeNew(file, kind == KeyKind.ED25519
                    ? KeyFileCodec.publicLine(pair, comment(name)).getBytes(StandardCharsets.US_ASCII)
                    : KeyFileCodec.encodePublicPem(pair.getPublic()), PUBLIC);
        }
    }

    private static void checkPermissions(Path file) throws IOException {
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(file);
        if (actual.stream().anyMatch(GROUP_OR_OTHER::contains)) {
            throw new IOException(file + " has permissions " + PosixFilePermissions.toString(actual)
                    + ", so other users may read the key; run chmod 600 " + file
                    + " and rotate the key if anyone else could have copied it");
        }
    }

    /**
     * Writes through a temporary file created with {@code permissions} (so the content is never
     * visible more widely) and renames it into place.
     */
    private void writeNew(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        ensureDirectory();
        Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(permissions))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // The umask can only narrow what we asked for; set it exactly so tests and audits see 0600.
            Files.setPosixFilePermissions(temp, permissions);
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "another process created it meanwhile; restart to load that key");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + e.getMessage()
                    + "; check that " + dir + " is writable by the gateway's user", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a stray temporary file is 0600 and named after the key
            }
        }
    }

    private void ensureDirectory() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            Files.setPosixFilePermissions(dir, DIRECTORY);
        } catch (NoSuchFileException | FileAlreadyExistsException e) {
            throw new IOException("cannot create key directory " + dir + ": a path component is missing or is"
                    + " a file; fix the data directory setting", e);
        }
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return bytes;
    }

    private char[] revealPassphrase() {
        return passphrase.map(Secret::reveal).orElse(null);
    }

    private static void wipe(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
