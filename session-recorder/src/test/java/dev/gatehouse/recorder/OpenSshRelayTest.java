package dev.gatehouse.recorder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenSSH client and server programs talk through this test, which shows every byte to
 * the observers: a fake "ssh" (or sftp's {@code -D} server command) connects the client to two
 * FIFOs, and the test relays between those and the real server side. Skipped without OpenSSH.
 */
@Timeout(60)
class OpenSshRelayTest {
    private static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");

    @TempDir
    Path dir;

    private final List<FileOperation> ops = new CopyOnWriteArrayList<>();

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private void fifos() throws Exception {
        for (String f : new String[] {"c2s", "s2c"}) {
            assertThat(new ProcessBuilder("mkfifo", dir.resolve(f).toString()).start().waitFor()).isZero();
        }
    }

    interface Tap {
        void see(byte[] b, int off, int len);
    }

    private static Thread pump(InputStream in, OutputStream out, Tap tap) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192 + 13]; // odd size: packets land across reads
            try (in; out) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    tap.see(buf, 0, n);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side went away; the client's exit status tells the test what happened
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Relays between the FIFOs the client side uses and the server-side process; returns the two relay threads. */
    private List<Thread> relay(Process server, Tap fromClient, Tap fromServer) throws IOException {
        return List.of(pump(Files.newInputStream(dir.resolve("c2s")), server.getOutputStream(), fromClient),
                pump(server.getInputStream(), Files.newOutputStream(dir.resolve("s2c")), fromServer));
    }

    /**
     * Waits until both relay threads have shown the observer their last bytes (each ends at its
     * input's EOF once the client and server are gone), so the observer is closed after them.
     */
    private static void drained(List<Thread> relays) throws InterruptedException {
        for (Thread t : relays) {
            t.join(10_000);
            assertThat(t.isAlive()).as("relay thread ended after the client and server exited").isFalse();
        }
    }

    @Test
    void realSftpPutAndGetAreObservedWithCorrectHashes() throws Exception {
        assumeTrue(Files.isExecutable(SFTP_SERVER) && Files.isExecutable(Path.of("/usr/bin/sftp")));
        fifos();
        byte[] content = new byte[300_000];
        new Random(1).nextBytes(content);
        Files.write(dir.resolve("local.bin"), content);
        Files.createDirectory(dir.resolve("remote"));
        Files.writeString(dir.resolve("batch"), String.join("\n",
                "put " + dir.resolve("local.bin") + " " + dir.resolve("remote/up.bin"),
                "get " + dir.resolve("remote/up.bin") + " " + dir.resolve("back.bin"),
                "mkdir " + dir.resolve("remote/sub"),
                "rename " + dir.resolve("remote/up.bin") + " " + dir.resolve("remote/sub/moved.bin"),
                "-rm " + dir.resolve("remote/missing"),
                "") + "\n");
        Path direct = script("direct", "exec 3<&0\ncat <&3 > '" + dir.resolve("c2s") + "' &\nup=$!\ncat < '"
                + dir.resolve("s2c") + "'\nrc=$?; kill $up 2>/dev/null; exit $rc\n");
        Process client = new ProcessBuilder("sftp", "-b", dir.resolve("batch").toString(), "-D", direct.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("client.log").toFile()).start();
        Process server = new ProcessBuilder(SFTP_SERVER.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        SftpObserver observer = SftpObserver.create(ops::add);
        List<Thread> relays = relay(server, observer::clientToServer, observer::serverToClient);
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        server.waitFor(10, TimeUnit.SECONDS);
        drained(relays);
        observer.close();
        assertThat(client.exitValue()).as(Files.readString(dir.resolve("client.log"))).isZero();

        String remote = dir.resolve("remote").toString();
        assertThat(ops).contains(
                new FileOperation("upload", remote + "/up.bin", null, content.length, sha256(content), "ok"),
                new FileOperation("download", remote + "/up.bin", null, content.length, sha256(content), "ok"),
                new FileOperation("mkdir", remote + "/sub", null, 0, null, "ok"));
        assertThat(ops).anySatisfy(op -> {
            assertThat(op.op()).isEqualTo("rename");
            assertThat(op.target()).isEqualTo(remote + "/sub/moved.bin");
            assertThat(op.status()).isEqualTo("ok");
        });
        assertThat(ops).anySatisfy(op -> {
            assertThat(op.op()).isEqualTo("remove");
            assertThat(op.status()).isNotEqualTo("ok");
        });
        assertThat(ops).noneMatch(op -> op.op().equals("unparseable") || op.status().equals("incomplete"));
    }

    @Test
    void realScpUploadAndDownloadAreObservedWithCorrectHashes() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/scp")));
        byte[] content = "model card\n".repeat(5000).getBytes(UTF_8);
        Files.write(dir.resolve("local.txt"), content);
        Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(dir.resolve("tree/sub/a.txt"), "alpha");
        Files.createDirectory(dir.resolve("remote"));

        runScp(List.of("-O", dir.resolve("local.txt").toString(), "node:" + dir.resolve("remote") + "/"));
        runScp(List.of("-O", "-r", "-p", dir.resolve("tree").toString(), "node:" + dir.resolve("remote")));
        runScp(List.of("-O", "node:" + dir.resolve("remote/local.txt"), dir.resolve("copy.txt").toString()));

        String remote = dir.resolve("remote").toString();
        assertThat(ops).containsExactly(
                new FileOperation("upload", remote + "/local.txt", null, content.length, sha256(content), "ok"),
                new FileOperation("upload", remote + "/tree/sub/a.txt", null, 5, sha256("alpha".getBytes(UTF_8)), "ok"),
                new FileOperation("download", remote + "/local.txt", null, content.length, sha256(content), "ok"));
    }

    /** Runs the scp client with a fake ssh that hands the remote command to this test. */
    private void runScp(List<String> args) throws Exception {
        for (String f : new String[] {"c2s", "s2c", "cmd"}) {
            Files.deleteIfExists(dir.resolve(f));
        }
        fifos();
        Path ssh = script("fake-ssh", String.join("\n",
                "while [ $# -gt 0 ]; do",
                "  case \"$1\" in --) shift; shift; break;; -l|-p|-o|-i|-F|-c|-J) shift 2;; -*) shift;; *) shift; break;; esac",
                "done",
                "printf '%s' \"$*\" > '" + dir.resolve("cmd.tmp") + "' && mv '" + dir.resolve("cmd.tmp") + "' '" + dir.resolve("cmd") + "'",
                "exec 3<&0", // a background job's stdin would be /dev/null otherwise
                "cat <&3 > '" + dir.resolve("c2s") + "' &",
                "up=$!",
                "cat < '" + dir.resolve("s2c") + "'",
                // scp talks to ssh over one socketpair: it sees EOF only once the uploader is gone too
                "rc=$?; kill $up 2>/dev/null; exit $rc", ""));
        List<String> command = new java.util.ArrayList<>(List.of("scp", "-S", ssh.toString()));
        command.addAll(args);
        Process client = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("client.log").toFile()).start();
        while (!Files.exists(dir.resolve("cmd"))) {
            assertThat(client.isAlive()).as("scp exited early").isTrue();
            Thread.sleep(10);
        }
        String remoteCommand = Files.readString(dir.resolve("cmd"));
        ScpObserver observer = ScpObserver.forCommand(remoteCommand, ops::add);
        assertThat(observer).as(remoteCommand).isNotNull();
        Process server = new ProcessBuilder("sh", "-c", remoteCommand).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Thread> relays = relay(server, observer::clientToServer, observer::serverToClient);
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        server.waitFor(10, TimeUnit.SECONDS);
        drained(relays);
        observer.close();
        assertThat(client.exitValue()).as(Files.readString(dir.resolve("client.log"))).isZero();
    }
}
