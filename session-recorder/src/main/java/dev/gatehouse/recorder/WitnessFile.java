package dev.gatehouse.recorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external witness: each committed checkpoint is appended as one JSON line and forced to disk.
 * A copy of these lines held elsewhere lets an auditor prove what the chain head was even if the
 * database (and its checkpoints table) is rewritten wholesale.
 */
final class WitnessFile {
    private static final Logger log = LoggerFactory.getLogger(WitnessFile.class);

    private final Path file;

    WitnessFile(Path file) {
        this.file = file;
    }

    void append(CheckpointRow checkpoint) {
        byte[] line = (checkpoint.witnessLine() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            // The database holds the checkpoint already; a missing witness line weakens, not breaks, the proof.
            log.error("cannot append checkpoint seq {} of chain {} to witness file {}: {}", checkpoint.seq(),
                    checkpoint.chainId(), file, e.toString());
        }
    }
}
