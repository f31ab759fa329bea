package dev.gatehouse.recorder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScpStreamObserverTest {
    private final List<FileOperation> ops = new ArrayList<>();

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8)));
    }

    private static byte[] records(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String p : parts) {
            out.writeBytes(p.getBytes(UTF_8));
        }
        return out.toByteArray();
    }

    /** Feeds the sender's bytes in random pieces, with the receiver's acks in between. */
    private static void feed(ScpObserver o, boolean clientSends, byte[] bytes, Random random) {
        byte[] ack = {0};
        int pos = 0;
        while (pos < bytes.length) {
            int n = random == null ? bytes.length : Math.min(bytes.length - pos, 1 + random.nextInt(9));
            if (clientSends) {
                o.serverToClient(ack, 0, 1);
                o.clientToServer(bytes, pos, n);
            } else {
                o.clientToServer(ack, 0, 1);
                o.serverToClient(bytes, pos, n);
            }
            pos += n;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 1, 2})
    void sinkModeReportsAnUploadedFile(long seed) throws Exception {
        ScpObserver o = ScpObserver.forCommand("scp -t /tmp/", ops::add);
        feed(o, true, records("C0644 12 notes.txt\n", "hello\0world\n", "\0"), seed < 0 ? null : new Random(seed));
        o.close();
        assertThat(ops).containsExactly(
                new FileOperation("upload", "/tmp/notes.txt", null, 12, sha256("hello\0world\n"), "ok"));
    }

    @Test
    void aSingleFileToAFilePathLandsOnThatPath() throws Exception {
        ScpObserver o = ScpObserver.forCommand("/usr/bin/scp -v -t -- '/srv/my dir/b.txt'", ops::add);
        feed(o, true, records("C0600 2 a.txt\n", "hi", "\0"), null);
        assertThat(ops).containsExactly(new FileOperation("upload", "/srv/my dir/b.txt", null, 2, sha256("hi"), "ok"));
    }

    @Test
    void recursiveUploadTracksDirectoriesAndSkipsTimes() throws Exception {
        ScpObserver o = ScpObserver.forCommand("scp -r -p -t -- /srv", ops::add);
        feed(o, true, records(
                "T1700000000 0 1700000001 0\n", "D0755 0 proj\n",
                "T1700000000 0 1700000001 0\n", "C0644 3 x.py\n", "xyz", "\0",
                "D0700 0 sub dir\n", "C0600 0 empty\n", "\0", "C0600 2 y\n", "hi", "\0", "E\n",
                "C0644 1 z\n", "!", "\0", "E\n"), new Random(4));
        o.close();
        assertThat(ops).containsExactly(
                new FileOperation("upload", "/srv/proj/x.py", null, 3, sha256("xyz"), "ok"),
                new FileOperation("upload", "/srv/proj/sub dir/empty", null, 0, sha256(""), "ok"),
                new FileOperation("upload", "/srv/proj/sub dir/y", null, 2, sha256("hi"), "ok"),
                new FileOperation("upload", "/srv/proj/z", null, 1, sha256("!"), "ok"));
    }

    @Test
    void sourceModeReportsDownloadsAndErrors() throws Exception {
        ScpObserver o = ScpObserver.forCommand("scp -f /var/log/syslog", ops::add);
        feed(o, false, records("C0640 5 syslog\n", "12345", "\0"), new Random(5));
        o.close();
        ScpObserver missing = ScpObserver.forCommand("scp -f /nope", ops::add);
        feed(missing, false, records("\1scp: /nope: No such file or directory\n"), null);
        assertThat(ops).containsExactly(
                new FileOperation("download", "/var/log/syslog", null, 5, sha256("12345"), "ok"),
                new FileOperation("download", "/nope", null, 0, null, "scp: /nope: No such file or directory"));
    }

    @Test
    void aTransferCutShortIsReportedIncomplete() {
        ScpObserver o = ScpObserver.forCommand("scp -d -t /in", ops::add);
        feed(o, true, records("C0644 100 big\n", "only part"), null);
        o.close();
        o.close();
        assertThat(ops).containsExactly(new FileOperation("upload", "/in/big", null, 9, null, "incomplete"));
    }

    @Test
    void garbageIsReportedOnceAsUnparseable() {
        ScpObserver o = ScpObserver.forCommand("scp -t .", ops::add);
        feed(o, true, records("Xwhat\n", "C0644 1 a\n", "a", "\0"), null);
        byte[] longLine = new byte[ScpStreamObserver.MAX_LINE + 10];
        java.util.Arrays.fill(longLine, (byte) 'C');
        ScpObserver o2 = ScpObserver.forCommand("scp -t .", ops::add);
        o2.clientToServer(longLine, 0, longLine.length);
        o2.close();
        assertThat(ops).extracting(FileOperation::op).containsExactly("unparseable", "unparseable");
        assertThat(ops.get(1).target()).contains("longer than");
    }

    @Test
    void otherCommandsGetNoObserver() {
        assertThat(ScpObserver.forCommand("ls -la /tmp", ops::add)).isNull();
        assertThat(ScpObserver.forCommand("scpx -t /tmp", ops::add)).isNull();
        assertThat(ScpObserver.forCommand("scp file host:/tmp", ops::add)).isNull();
        assertThat(ScpObserver.forCommand("", ops::add)).isNull();
        assertThat(ScpObserver.forCommand(null, ops::add)).isNull();
        assertThat(ScpObserver.forCommand("scp -pt /tmp", ops::add)).isNotNull();
    }
}
