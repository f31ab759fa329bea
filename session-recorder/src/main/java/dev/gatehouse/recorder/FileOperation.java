package dev.gatehouse.recorder;

/**
 * One file operation seen in an SFTP or scp stream.
 *
 * @param op {@code upload}, {@code download}, {@code remove}, {@code rename}, {@code mkdir},
 *     {@code rmdir}, {@code setstat}, {@code symlink}
 * @param path the path on the node (for rename: the source)
 * @param target rename/symlink target, or null
 * @param bytes bytes moved (0 for metadata operations)
 * @param sha256 hex SHA-256 of the content moved when the whole file was seen in order, else null
 * @param status {@code ok} or the error the node answered
 */
public record FileOperation(String op, String path, String target, long bytes, String sha256, String status) {}
