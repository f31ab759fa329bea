package dev.gatehouse.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A process's TCP sockets from Linux's /proc (proc(5): {@code /proc/PID/fd} links
 * {@code socket:[INODE]}, {@code /proc/PID/net/tcp} and {@code tcp6} list each socket's local
 * address and inode): lets a test tell which of several processes holds a given connection.
 */
final class ProcSockets {
    private ProcSockets() {}

    /** The local ports of the TCP sockets process {@code pid} holds open (IPv4 and IPv6). */
    static Set<Integer> localTcpPorts(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (NoSuchFileException closed) {
                    // closed while we listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the sockets of process " + pid, e);
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(proc.resolve("net").resolve(table));
            } catch (NoSuchFileException absent) {
                continue; // no IPv6 in this kernel
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && inodes.contains(f[9])) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}
