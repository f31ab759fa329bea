package dev.gatehouse.recorder;

import java.security.SignatureException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code checkpoints} table as verify sees it: every row's signature checked against its
 * columns, and each chain's checkpoints checked to link ({@link CheckpointLinks}).
 */
final class StoredCheckpoints {
    private final Map<String, List<CheckpointRow>> valid = new HashMap<>();
    private final Map<String, Map<Long, String>> jwsAt = new HashMap<>();
    private long count;

    private StoredCheckpoints() {}

    static StoredCheckpoints read(Connection c, CheckpointSigner signer, Findings findings) throws SQLException {
        StoredCheckpoints out = new StoredCheckpoints();
        Map<String, CheckpointLinks> links = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT chain_id, seq, head_hash, time_micros, jws FROM checkpoints ORDER BY chain_id, seq");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.count++;
                String chain = rs.getString(1);
                long seq = rs.getLong(2);
                String jws = nonNull(rs.getString(5));
                out.jwsAt.computeIfAbsent(chain, k -> new HashMap<>()).put(seq, jws);
                String subject = "chain " + chain + " seq";
                CheckpointRow cp;
                try {
                    if (signer == null) {
                        findings.add(subject, seq, 1, "checkpoint not verified: no checkpoint signer (audit key) configured");
                        continue;
                    }
                    cp = CheckpointRow.verified(signer, jws);
                } catch (SignatureException | RuntimeException e) {
                    findings.add(subject, seq, 1, "checkpoint signature does not verify (forged checkpoint or wrong audit"
                            + " key): " + e.getMessage());
                    continue;
                }
                if (!cp.sameFields(chain, seq, nonNull(rs.getString(3)), rs.getLong(4))) {
                    findings.add(subject, seq, 1, "checkpoint row does not match its signed payload");
                    continue;
                }
                String broken = links.computeIfAbsent(chain, k -> new CheckpointLinks(false)).next(cp, "deleted from the store");
                if (broken != null) {
                    findings.add("checkpoint chain " + chain + " seq", seq, 0, broken);
                }
                out.valid.computeIfAbsent(chain, k -> new ArrayList<>()).add(cp);
            }
        }
        return out;
    }

    /** Rows read, valid or not. */
    long count() {
        return count;
    }

    Set<String> chains() {
        return jwsAt.keySet();
    }

    /** A chain's checkpoints whose signature verified, in seq order. */
    List<CheckpointRow> valid(String chain) {
        return valid.getOrDefault(chain, List.of());
    }

    /** The JWS stored for a chain at a seq (verified or not), or null. */
    String jwsAt(String chain, long seq) {
        return jwsAt.getOrDefault(chain, Map.of()).get(seq);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
