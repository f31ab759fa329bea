package dev.gatehouse.recorder;

import java.util.function.Consumer;

/**
 * Watches the legacy scp protocol ({@code scp -t} upload / {@code scp -f} download, as used by
 * {@code scp -O}) and reports each file copied with its size and SHA-256. The same robustness
 * rules as {@link SftpObserver}.
 */
public interface ScpObserver {

    void clientToServer(byte[] data, int offset, int length);

    void serverToClient(byte[] data, int offset, int length);

    void close();

    /**
     * @param command the exec command line ({@code scp -t ...} or {@code scp -f ...})
     * @return an observer, or null when the command is not an scp server command
     */
    static ScpObserver forCommand(String command, Consumer<FileOperation> sink) {
        return ScpStreamObserver.forCommand(command, sink);
    }
}
