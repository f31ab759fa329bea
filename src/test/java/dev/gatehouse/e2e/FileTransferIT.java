package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scp (both protocols), sftp and rsync through the gateway, byte for byte, and their audit trail. */
class FileTransferIT extends GatewayTest {
    private static final int FIVE_MIB = 5 * 1024 * 1024;

    private String home;
    private final List<Path> remoteFiles = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    void start() {
        home = Accounts.home(Accounts.AIOPS);
    }

    @AfterAll
    void stop() throws IOException {
        for (Path p : remoteFiles) {
            Files.deleteIfExists(p);
        }
    }

    /** A fresh path in the node account's home (the node is this machine, so the test can read it). */
    private Path remotePath(String suffix) {
        Path p = Path.of(home, "e2e-" + Keys.token() + suffix);
        remoteFiles.add(p);
        return p;
    }

    private Path randomFile(String name) {
        Path p = tmp.resolve(name);
        Keys.writeRandom(p, FIVE_MIB);
        return p;
    }

    @Test
    void scpRoundTripOverSftpProtocol() {
        scpRoundTrip(List.of());
    }

    @Test
    void scpRoundTripOverLegacyScpProtocol() {
        scpRoundTrip(List.of("-O"));
    }

    private void scpRoundTrip(List<String> mode) {
        Path up = randomFile("up.bin");
        String sha = Keys.sha256(up);
        Path remote = remotePath(".bin");
        String remoteSpec = Gateway.TARGET + "@127.0.0.1:" + remote;

        List<String> put = gw.scpPrefix(gw.alice());
        put.addAll(mode);
        put.addAll(List.of(up.toString(), remoteSpec));
        Proc.run(put).requireSuccess();
        assertThat(Keys.sha256(remote)).as("file as stored on the node").isEqualTo(sha);

        Path down = tmp.resolve("down.bin");
        List<String> get = gw.scpPrefix(gw.alice());
        get.addAll(mode);
        get.addAll(List.of(remoteSpec, down.toString()));
        Proc.run(get).requireSuccess();
        assertThat(Keys.sha256(down)).isEqualTo(sha);

        assertTransfersAudited(remote, sha, 2);
    }

    /** Both directions leave a file.transfer event naming the path, size and the content's SHA-256. */
    private void assertTransfersAudited(Path remote, String sha, int expectedTransfers) {
        gw.awaitEvent("file.transfer of " + remote,
                e -> Json.type("file.transfer").test(e) && sha.equalsIgnoreCase(Json.detail(e, "sha256")));
        List<JsonNode> events = gw.auditLog();
        List<JsonNode> transfers = Json.filter(events, e -> Json.type("file.transfer").test(e)
                && sha.equalsIgnoreCase(Json.detail(e, "sha256")));
        assertThat(transfers).as("file.transfer events with sha256 " + sha + "\n" + Json.tail(events, 20))
                .hasSize(expectedTransfers);
        for (JsonNode t : transfers) {
            assertThat(Json.detail(t, "path")).endsWith(remote.getFileName().toString());
            assertThat(Json.detail(t, "bytes")).isEqualTo(Integer.toString(FIVE_MIB));
            assertThat(Json.text(t, "user")).isEqualTo("alice");
            assertThat(Json.text(t, "node")).isEqualTo(Gateway.NODE);
            assertThat(Json.text(t, "session_id")).isNotEmpty();
        }
        Set<String> ops = transfers.stream().map(t -> Json.detail(t, "op")).collect(Collectors.toSet());
        assertThat(ops).as("upload and download are told apart").hasSize(expectedTransfers);
    }

    @Test
    void sftpBatchPutGetRemove() {
        Path up = randomFile("sftp-up.bin");
        String sha = Keys.sha256(up);
        Path remote = remotePath(".sftp");
        Path down = tmp.resolve("sftp-down.bin");
        Path batch = tmp.resolve("batch");
        Keys.write(batch, String.join("\n",
                "put " + up + " " + remote,
                "get " + remote + " " + down,
                "rm " + remote,
                ""));
        List<String> cmd = gw.sftpPrefix(gw.alice());
        cmd.addAll(List.of("-b", batch.toString(), Gateway.TARGET + "@127.0.0.1"));
        Proc.run(cmd).requireSuccess();

        assertThat(Keys.sha256(down)).isEqualTo(sha);
        assertThat(remote).as("removed through sftp").doesNotExist();
        assertTransfersAudited(remote, sha, 2);
        JsonNode session = gw.awaitSession("sftp session of alice",
                s -> Json.text(s, "kind").equals("sftp") && !Json.text(s, "end").isEmpty());
        assertThat(Json.text(session, "login")).isEqualTo(Accounts.AIOPS);
    }

    @Test
    void rsyncRoundTrip() {
        Path up = randomFile("rsync-up.bin");
        String sha = Keys.sha256(up);
        Path remote = remotePath(".rsync");
        String shell = gw.rsyncShell(gw.alice(), Gateway.TARGET);

        Proc.run("rsync", "-e", shell, up.toString(), "127.0.0.1:" + remote).requireSuccess();
        assertThat(Keys.sha256(remote)).isEqualTo(sha);

        Path down = tmp.resolve("rsync-down.bin");
        Proc.run("rsync", "-e", shell, "127.0.0.1:" + remote, down.toString()).requireSuccess();
        assertThat(Keys.sha256(down)).isEqualTo(sha);
    }
}
