package dev.gatehouse.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external witness: each committed checkpoint is appended as one JSON line
 * ({@link CanonicalJson#witnessLine}) and forced to disk. A copy of these lines held elsewhere
 * lets an auditor prove what the chain head was even if the database (and its checkpoints
 * table) is rewritten wholesale; {@code audit verify} reads them ({@link WitnessCheck}).
 *
 * <p>Lines that cannot be written (a full disk, a lost mount) stay pending and go out, in order,
 * with the next checkpoint, so a passing fault leaves no gap; the writer thread is the only user.
 * The file's folder must exist at every write: it is never created, so a witness on a mount that
 * is lost after start is not written to the local disk beneath the mount point instead (the
 * gateway creates its data folder, the default witness's, before the store opens).
 */
final class WitnessFile {
    private static final Logger log = LoggerFactory.getLogger(WitnessFile.class);
    /** Lines kept for a witness that keeps failing; beyond this the oldest are dropped (and verify will say so). */
    private static final int MAX_PENDING = 10_000;
    private static final int BLOCK = 64 * 1024;

    private final Path file;
    private final ArrayDeque<CheckpointRow> pending = new ArrayDeque<>();

    WitnessFile(Path file) {
        this.file = file;
    }

    /**
     * The witness files of a writer, each first brought up to the store's newest checkpoint of
     * its chain: the checkpoints after its last line of the chain, or only the newest when it has
     * none (a new witness, or a crash between a commit and its witness line). A witness that is
     * ahead of the store is left as it is and logged: the store lost checkpoints.
     */
    static List<WitnessFile> caughtUp(List<Path> files, String chainId, CheckpointRow lastCheckpoint, StoreQueries queries) {
        List<WitnessFile> out = new ArrayList<>();
        for (Path file : files) {
            WitnessFile witness = new WitnessFile(file);
            out.add(witness);
            if (lastCheckpoint == null) {
                continue;
            }
            try {
                long witnessed = witness.lastSeq(chainId);
                if (witnessed > lastCheckpoint.seq()) {
                    log.error("witness file {} holds checkpoint seq {} of chain {}, but the store's newest is seq {}:"
                            + " checkpoints were deleted from the store, or it was restored from an older backup;"
                            + " audit verify will fail", file, witnessed, chainId, lastCheckpoint.seq());
                    continue;
                }
                List<CheckpointRow> lines = new ArrayList<>();
                for (CheckpointRow cp : witnessed == 0 ? List.of(lastCheckpoint) : queries.checkpointsAfter(chainId, witnessed)) {
                    lines.add(CheckpointRow.unverified(cp.jws()));
                }
                if (!lines.isEmpty()) {
                    log.warn("witness file {} lacked {} checkpoint(s) of chain {} (up to seq {}): appending them", file,
                            lines.size(), chainId, lastCheckpoint.seq());
                    witness.append(lines);
                }
            } catch (IOException | IllegalArgumentException e) {
                log.error("cannot bring witness file {} up to date with chain {}: {}", file, chainId, e.toString());
            }
        }
        return out;
    }

    Path path() {
        return file;
    }

    /** Appends the checkpoints, after any an earlier failure left pending. */
    void append(List<CheckpointRow> checkpoints) {
        pending.addAll(checkpoints);
        while (pending.size() > MAX_PENDING) {
            CheckpointRow lost = pending.removeFirst();
            log.error("witness file {} keeps failing: checkpoint seq {} of chain {} will be missing from it", file,
                    lost.seq(), lost.chainId());
        }
        if (pending.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder();
        pending.forEach(cp -> text.append(cp.witnessLine()).append('\n'));
        try {
            write(text.toString().getBytes(StandardCharsets.UTF_8));
            pending.clear();
        } catch (IOException e) {
            // The database holds the checkpoints already; they go out with the next one.
            log.error("cannot append {} checkpoint(s) of chain {} to witness file {} (kept for the next checkpoint): {}",
                    pending.size(), pending.peekLast().chainId(), file, e.toString());
        }
    }

    private void write(byte[] bytes) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new NoSuchFileException(parent.toString(), null, "the witness folder is gone (a lost mount?); it is"
                    + " not created here, so that the lines do not land beneath the mount point");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
    }

    /**
     * The seq of this file's last line for {@code chainId}: 0 when the file is missing or holds
     * none. Reads backwards from the end, so a long witness costs only its last lines; lines that
     * do not parse are skipped (verify names them).
     */
    long lastSeq(String chainId) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ch.size();
            byte[] carry = new byte[0];
            while (end > 0) {
                int n = (int) Math.min(BLOCK, end);
                long start = end - n;
                ByteBuffer buffer = ByteBuffer.allocate(n + carry.length);
                while (buffer.position() < n) {
                    if (ch.read(buffer, start + buffer.position()) < 0) {
                        throw new IOException("witness file " + file + " shrank while it was read");
                    }
                }
                buffer.put(carry);
                byte[] block = buffer.array();
                int cut = 0;
                if (start > 0) {
                    while (cut < block.length && block[cut] != '\n') {
                        cut++;
                    }
                }
                List<String> lines = new String(block, cut, block.length - cut, StandardCharsets.UTF_8).lines().toList();
                for (int i = lines.size() - 1; i >= 0; i--) {
                    long seq = seqOf(lines.get(i), chainId);
                    if (seq > 0) {
                        return seq;
                    }
                }
                carry = Arrays.copyOf(block, Math.min(cut, block.length));
                end = start;
            }
        }
        return 0;
    }

    private static long seqOf(String line, String chainId) {
        try {
            JsonNode n = CanonicalJson.tree(line);
            return chainId.equals(n.path("chain").asText(null)) ? n.path("seq").asLong(0) : 0;
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }
}
