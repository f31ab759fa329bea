package dev.gatehouse.gateway.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The syslog sink's saved cursor: the last sequence of this gateway's chain delivered to one
 * receiver, in {@code DATA_DIR/audit-syslog.cursor} as {@code {"chain":..,"receiver":..,"seq":..}}.
 * Saved by writing a temporary file, forcing it to disk and renaming it over the old one, so a
 * crash leaves the old cursor or the new one, never half of one. A cursor of another chain or
 * another receiver counts as none: the new receiver gets the whole chain.
 */
final class SyslogCursor {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogCursor.class);
    private static final JsonMapper JSON = new JsonMapper();

    private final Path file;
    private final String chain;
    private final String receiver;

    SyslogCursor(Path file, String chain, String receiver) {
        this.file = file;
        this.chain = chain;
        this.receiver = receiver;
    }

    /** The last delivered sequence number; 0 when nothing was delivered to this receiver from this chain. */
    long load() {
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (!chain.equals(n.path("chain").asText()) || !receiver.equals(n.path("receiver").asText())) {
                LOG.warn("audit.syslog: {} is the cursor of chain {} to {}; sending this chain to {} from its start",
                        file, n.path("chain").asText(), n.path("receiver").asText(), receiver);
                return 0;
            }
            long seq = n.path("seq").asLong(-1);
            if (seq < 0) {
                throw new IOException("no sequence number in it");
            }
            return seq;
        } catch (IOException e) {
            // at least once: a cursor that cannot be read means sending again, never skipping
            LOG.warn("audit.syslog: cannot read the cursor {} ({}); sending the chain from its start", file, e.getMessage());
            return 0;
        }
    }

    /** Saves {@code seq} durably. @throws IOException when the data folder refuses the write */
    void save(long seq) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = JSON.writeValueAsBytes(Map.of("chain", chain, "receiver", receiver, "seq", seq));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
