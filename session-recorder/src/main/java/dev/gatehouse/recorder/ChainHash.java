package dev.gatehouse.recorder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The hash chain: {@code hash = hex(SHA-256(ascii(prev_hash_hex) ‖ canonical bytes))}, lower-case
 * hex; the first record of a chain has {@code prev_hash} = 64 zeros ({@link #GENESIS}).
 *
 * <p>Canonical bytes are a fixed-order, length-prefixed encoding, so that no two different records
 * share an encoding:
 * <ul>
 *   <li>a domain tag, encoded as a string: {@code gatehouse.event.v1} or {@code gatehouse.chunk.v1};
 *   <li>a string: {@code 0x00} for null, else {@code 0x01}, its UTF-8 length as a 4-byte big-endian
 *       integer, then the UTF-8 bytes;
 *   <li>a number: {@code 0x00} for null, else {@code 0x01} and the 8-byte big-endian two's complement value.
 * </ul>
 * An event encodes, in this order: tag, chain_id, seq, time_micros, type, outcome, source,
 * user_name, node, login, cert_serial, grant_id, session_id, details. {@code details} is the
 * canonical JSON object exactly as stored (keys sorted, no whitespace; see {@link CanonicalJson}).
 * Times are microseconds since the epoch (the store keeps microsecond precision).
 *
 * <p>A recording chunk encodes: tag, session_id, seq, stream, offset_micros, the data length (a
 * number) and the 32-byte SHA-256 of the data. Committing to the data's digest rather than the
 * raw bytes is equivalent for tamper evidence and lets the digest be computed outside the append
 * lock.
 *
 * <p>The access log (R29) has one chain per database. An access-log row's digest ({@code
 * row_hash}) is {@code hex(SHA-256(canonical bytes))} of the tag {@code gatehouse.access.KIND.v1}
 * and the row's columns in table order (strings and numbers as above); a link ({@code
 * access_chain}) encodes: tag {@code gatehouse.access.v1}, seq, time_micros, kind, row_key,
 * row_hash, and is chained like an event.
 */
final class ChainHash {
    /** {@code prev_hash} of the first record of every chain. */
    static final String GENESIS = "0".repeat(64);

    private static final HexFormat HEX = HexFormat.of();
    // MessageDigest.getInstance walks the provider list; appends are hot, so reuse one per thread.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(ChainHash::newSha256);

    private ChainHash() {}

    static long micros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** Hash of an event record given its stored column values. */
    static String event(String chainId, long seq, long timeMicros, String type, String outcome, String source,
            String user, String node, String login, Long certSerial, String grantId, String sessionId,
            String detailsJson, String prevHash) {
        Encoder e = new Encoder();
        e.string("gatehouse.event.v1").string(chainId).number(seq).number(timeMicros).string(type).string(outcome)
                .string(source).string(user).string(node).string(login).number(certSerial).string(grantId)
                .string(sessionId).string(detailsJson);
        return link(prevHash, e.bytes());
    }

    /** SHA-256 of a chunk's data (computed before taking the append lock). */
    static byte[] dataDigest(byte[] data) {
        return sha256().digest(data);
    }

    /** Hash of a recording chunk given its stored column values and the digest of its data. */
    static String chunk(String sessionId, long seq, String stream, long offsetMicros, long dataLength,
            byte[] dataDigest, String prevHash) {
        Encoder e = new Encoder();
        e.string("gatehouse.chunk.v1").string(sessionId).number(seq).string(stream).number(offsetMicros)
                .number(dataLength).raw(dataDigest);
        return link(prevHash, e.bytes());
    }

    /**
     * Digest of an access-log row: its kind and its column values in table order, each a
     * {@link String}, a {@link Long} or null as the kind's columns are typed.
     */
    static String accessRow(String kind, Object[] columns) {
        Encoder e = new Encoder();
        e.string("gatehouse.access." + kind + ".v1");
        for (Object value : columns) {
            if (value instanceof Long n) {
                e.number(n);
            } else {
                e.string((String) value);
            }
        }
        return hex(sha256().digest(e.bytes()));
    }

    /** Hash of an access-chain link given its stored column values. */
    static String accessLink(long seq, long timeMicros, String kind, String rowKey, String rowHash, String prevHash) {
        Encoder e = new Encoder();
        e.string("gatehouse.access.v1").number(seq).number(timeMicros).string(kind).string(rowKey).string(rowHash);
        return link(prevHash, e.bytes());
    }

    /** Lower-case hex SHA-256 of an ASCII string, such as a compact JWS (what a checkpoint's {@code prev} names). */
    static String sha256Hex(String ascii) {
        return hex(sha256().digest(ascii.getBytes(StandardCharsets.US_ASCII)));
    }

    static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    private static String link(String prevHash, byte[] canonical) {
        MessageDigest md = sha256();
        md.update(prevHash.getBytes(StandardCharsets.US_ASCII));
        md.update(canonical);
        return HEX.formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        MessageDigest md = SHA256.get();
        md.reset();
        return md;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Writes the length-prefixed fields. */
    private static final class Encoder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Encoder string(String value) {
            if (value == null) {
                out.write(0);
                return this;
            }
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            out.write(1);
            int n = bytes.length;
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            out.writeBytes(bytes);
            return this;
        }

        Encoder number(Long value) {
            if (value == null) {
                out.write(0);
                return this;
            }
            long v = value;
            out.write(1);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (v >>> shift));
            }
            return this;
        }

        Encoder raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
