package dev.gatehouse.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What a writer could not commit before it stopped, kept for the next start
 * ({@code data/audit-spill.jsonl}).
 *
 * <p>Format: JSON Lines, UTF-8, mode 0600. The first line is
 * {@code {"format":"gatehouse-audit-spill-v1","chain":ID,"events":N,"chunks":M}}; then one line
 * per record, as stored: {@code {"kind":"event","seq":..,"time_micros":..,"type":..,"outcome":..,
 * "source":..,"user":..,"node":..,"login":..,"cert_serial":..,"grant_id":..,"session_id":..,
 * "details":JSON-TEXT,"prev_hash":..,"hash":..}} or {@code {"kind":"chunk","session_id":..,
 * "seq":..,"stream":..,"offset_micros":..,"data":BASE64,"prev_hash":..,"hash":..}}, events in
 * chain order, chunks in each session's order. Written to a temporary file, synced, then renamed.
 *
 * <p>At the next open, before anything else is appended, every record is checked against the
 * store: each hash is recomputed from the record's fields, and the records must continue the
 * chain's and each recording's stored head (records already stored, because their commit
 * succeeded after all, must be there with the same hash and are skipped). Then all are inserted in
 * one transaction and the file is deleted. A file that fails the check is left in place and the
 * open fails: appending around it would drop records or accept forged ones.
 */
final class SpillFile {
    static final String FORMAT = "gatehouse-audit-spill-v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an open appended from a spill file. */
    record Appended(int events, int chunks) {}

    private SpillFile() {}

    /** Writes the records to {@code file} (replacing nothing: an existing spill file is an error). */
    static void write(Path file, String chainId, List<WriteItem.EventRow> events, List<RecordingChunk> chunks)
            throws IOException {
        if (Files.exists(file)) {
            throw new IOException("spill file " + file + " exists already (from a start that did not append it)");
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
            ObjectNode head = JSON.createObjectNode().put("format", FORMAT).put("chain", chainId)
                    .put("events", events.size()).put("chunks", chunks.size());
            line(out, head);
            for (WriteItem.EventRow r : events) {
                AuditEvent e = r.event();
                ObjectNode n = JSON.createObjectNode().put("kind", "event").put("seq", r.seq())
                        .put("time_micros", r.timeMicros()).put("type", e.type()).put("outcome", e.outcome())
                        .put("source", e.source()).put("user", e.user()).put("node", e.node()).put("login", e.login())
                        .put("cert_serial", e.certSerial()).put("grant_id", e.grantId()).put("session_id", e.sessionId())
                        .put("details", r.detailsJson()).put("prev_hash", r.prevHash()).put("hash", r.hash());
                line(out, n);
            }
            for (RecordingChunk c : chunks) {
                ObjectNode n = JSON.createObjectNode().put("kind", "chunk").put("session_id", c.sessionId())
                        .put("seq", c.seq()).put("stream", c.stream()).put("offset_micros", c.offsetMicros())
                        .put("data", Base64.getEncoder().encodeToString(c.data())).put("prev_hash", c.prevHash())
                        .put("hash", c.hash());
                line(out, n);
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void line(BufferedWriter out, JsonNode n) throws IOException {
        out.write(JSON.writeValueAsString(n));
        out.write('\n');
    }

    /**
     * Verifies the spill file against the store and appends it in one transaction, then deletes
     * it; nothing when there is no file.
     *
     * @throws StoreUnavailableException when the file does not verify (nothing appended, the file
     *     stays) or the database refuses the write
     */
    static Appended appendAtOpen(Path file, String chainId, DataSource dataSource, StoreQueries queries) {
        if (file == null || !Files.exists(file)) {
            return new Appended(0, 0);
        }
        List<WriteItem.EventRow> events = new ArrayList<>();
        List<RecordingChunk> chunks = new ArrayList<>();
        read(file, chainId, events, chunks);
        try (Connection c = dataSource.getConnection()) {
            List<WriteItem.EventRow> newEvents = newEvents(file, c, chainId, events, queries.chainHead(chainId));
            List<RecordingChunk> newChunks = newChunks(file, c, chunks, queries);
            try {
                c.setAutoCommit(false);
                RowInserter.events(c, newEvents);
                RowInserter.chunks(c, newChunks);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                } finally {
                    BatchWriter.discard(dataSource, c);
                }
                throw e;
            }
            Files.delete(file);
            return new Appended(newEvents.size(), newChunks.size());
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot append the spill file " + file + " (kept for the next start): "
                    + SqlErrors.describe(e), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("appended the spill file " + file + " but cannot delete it: " + e
                    + "; delete it before the next start (its records are stored)", e);
        }
    }

    private static void read(Path file, String chainId, List<WriteItem.EventRow> events, List<RecordingChunk> chunks) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw refused(file, "cannot read it: " + e);
        }
        try {
            JsonNode head = lines.isEmpty() ? null : JSON.readTree(lines.get(0));
            if (head == null || !FORMAT.equals(head.path("format").asText())) {
                throw refused(file, "line 1 is not a " + FORMAT + " header");
            }
            if (!chainId.equals(head.path("chain").asText())) {
                throw refused(file, "it holds records of chain '" + head.path("chain").asText() + "', not of this instance's chain '"
                        + chainId + "' (data_dir copied from another instance?)");
            }
            for (int i = 1; i < lines.size(); i++) {
                JsonNode n = JSON.readTree(lines.get(i));
                switch (n.path("kind").asText()) {
                    case "event" -> events.add(event(chainId, n));
                    case "chunk" -> chunks.add(new RecordingChunk(text(n, "session_id"), n.path("seq").asLong(),
                            text(n, "stream"), n.path("offset_micros").asLong(), Base64.getDecoder().decode(text(n, "data")),
                            text(n, "prev_hash"), text(n, "hash")));
                    default -> throw refused(file, "line " + (i + 1) + " is neither an event nor a chunk");
                }
            }
            if (events.size() != head.path("events").asInt(-1) || chunks.size() != head.path("chunks").asInt(-1)) {
                throw refused(file, "it holds " + events.size() + " events and " + chunks.size()
                        + " chunks, its header says " + head.path("events") + " and " + head.path("chunks") + " (truncated?)");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw refused(file, "it is not valid: " + e.getMessage());
        }
    }

    private static WriteItem.EventRow event(String chainId, JsonNode n) {
        long micros = n.path("time_micros").asLong();
        Long serial = n.path("cert_serial").isNumber() ? n.path("cert_serial").asLong() : null;
        AuditEvent e = new AuditEvent(text(n, "type"), ChainHash.instant(micros), text(n, "outcome"), text(n, "source"),
                text(n, "user"), text(n, "node"), text(n, "login"), serial, text(n, "grant_id"), text(n, "session_id"), Map.of());
        return new WriteItem.EventRow(0, chainId, n.path("seq").asLong(), micros, e, text(n, "details"), text(n, "prev_hash"),
                text(n, "hash"), null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The events not stored yet, checked to continue the stored head link by link. */
    private static List<WriteItem.EventRow> newEvents(Path file, Connection c, String chainId, List<WriteItem.EventRow> events,
            StoreQueries.Head head) throws SQLException {
        List<WriteItem.EventRow> out = new ArrayList<>();
        long seq = head.seq();
        String hash = head.hash();
        for (WriteItem.EventRow r : events) {
            AuditEvent e = r.event();
            String computed = ChainHash.event(chainId, r.seq(), r.timeMicros(), e.type(), e.outcome(), e.source(), e.user(),
                    e.node(), e.login(), e.certSerial(), e.grantId(), e.sessionId(), r.detailsJson(), r.prevHash());
            if (!computed.equals(r.hash())) {
                throw refused(file, "event " + r.seq() + " does not match its hash");
            }
            if (r.seq() <= head.seq()) {
                if (!r.hash().equals(stored(c, "SELECT hash FROM audit_events WHERE chain_id = ? AND seq = ?", chainId, r.seq()))) {
                    throw refused(file, "event " + r.seq() + " differs from the stored event " + r.seq());
                }
                continue;
            }
            if (r.seq() != seq + 1 || !hash.equals(r.prevHash())) {
                throw refused(file, "event " + r.seq() + " does not continue the stored chain at seq " + seq);
            }
            seq = r.seq();
            hash = r.hash();
            out.add(r);
        }
        return out;
    }

    /** The chunks not stored yet, checked to continue each recording's stored head. */
    private static List<RecordingChunk> newChunks(Path file, Connection c, List<RecordingChunk> chunks, StoreQueries queries)
            throws SQLException {
        Map<String, StoreQueries.Head> stored = new HashMap<>();
        Map<String, StoreQueries.Head> heads = new HashMap<>();
        List<RecordingChunk> out = new ArrayList<>();
        for (RecordingChunk k : chunks) {
            String computed = ChainHash.chunk(k.sessionId(), k.seq(), k.stream(), k.offsetMicros(), k.data().length,
                    ChainHash.dataDigest(k.data()), k.prevHash());
            if (!computed.equals(k.hash())) {
                throw refused(file, "chunk " + k.seq() + " of session " + k.sessionId() + " does not match its hash");
            }
            StoreQueries.Head s = stored.computeIfAbsent(k.sessionId(), queries::recordingHead);
            if (k.seq() <= s.seq()) {
                if (!k.hash().equals(stored(c, "SELECT hash FROM recording_chunks WHERE session_id = ? AND seq = ?",
                        k.sessionId(), k.seq()))) {
                    throw refused(file, "chunk " + k.seq() + " of session " + k.sessionId() + " differs from the stored one");
                }
                continue;
            }
            StoreQueries.Head h = heads.getOrDefault(k.sessionId(), s);
            if (k.seq() != h.seq() + 1 || !h.hash().equals(k.prevHash())) {
                throw refused(file, "chunk " + k.seq() + " of session " + k.sessionId()
                        + " does not continue its recording at chunk " + h.seq());
            }
            heads.put(k.sessionId(), new StoreQueries.Head(k.seq(), k.hash()));
            out.add(k);
        }
        return out;
    }

    private static String stored(Connection c, String sql, String key, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static StoreUnavailableException refused(Path file, String why) {
        return new StoreUnavailableException("the audit spill file " + file + " was not appended: " + why
                + ". Nothing was appended; the gateway does not start past records it cannot vouch for. Keep the file"
                + " for investigation and move it out of data_dir to start without its records (they are then lost)");
    }
}
