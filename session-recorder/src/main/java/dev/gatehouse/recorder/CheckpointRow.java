package dev.gatehouse.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A signed checkpoint of a chain head, as stored in {@code checkpoints} and written to witnesses.
 *
 * <p>Version 2 (chained): the payload also names {@code prev}, the SHA-256 hex of the previous
 * checkpoint's compact JWS on the same chain ({@link ChainHash#GENESIS} for the first), so the
 * checkpoints of a chain form a signed list in which a missing one shows; and the access chain's
 * head ({@code access_seq}, {@code access_head}) when it was signed, which binds the access log
 * into the signed record. Version 1 (stores written before) has neither: {@code prev} is null.
 *
 * @param prev SHA-256 hex of the previous checkpoint's JWS, or null for a version-1 checkpoint
 * @param accessSeq the access chain's last seq when signed (0 when empty, or version 1)
 * @param accessHead the access chain's hash at {@code accessSeq} (genesis when empty), null for version 1
 */
record CheckpointRow(String chainId, long seq, String headHash, long timeMicros, String prev, long accessSeq,
        String accessHead, String jws) {
    private static final Set<String> V1_FIELDS = Set.of("chain", "seq", "head", "time");
    private static final Set<String> V2_FIELDS = Set.of("chain", "seq", "head", "time", "prev", "access_seq", "access_head");

    /** Signs a version-2 checkpoint of this head, linked to the previous checkpoint's digest. */
    static CheckpointRow sign(CheckpointSigner signer, String chainId, long seq, String headHash, long timeMicros,
            String prev, AccessChain.Head access) {
        byte[] payload = CanonicalJson.checkpointPayload(chainId, seq, headHash, timeMicros, prev, access.seq(),
                access.hash());
        return new CheckpointRow(chainId, seq, headHash, timeMicros, prev, access.seq(), access.hash(),
                signer.sign(payload));
    }

    /**
     * The checkpoint a JWS signs, after verifying it with the audit key.
     *
     * @throws SignatureException when the JWS does not verify (forged, or another key)
     * @throws IllegalArgumentException when the signed payload is not a canonical checkpoint payload
     */
    static CheckpointRow verified(CheckpointSigner signer, String jws) throws SignatureException {
        return parse(signer.verify(jws), jws);
    }

    /**
     * The checkpoint a JWS claims to sign, without verifying the signature: only for the writer
     * copying its own stored checkpoints to a witness (verify checks them later).
     */
    static CheckpointRow unverified(String jws) {
        String[] parts = jws.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a compact JWS");
        }
        return parse(Base64.getUrlDecoder().decode(parts[1]), jws);
    }

    private static CheckpointRow parse(byte[] payload, String jws) {
        JsonNode p = CanonicalJson.tree(new String(payload, StandardCharsets.UTF_8));
        if (!p.isObject()) {
            throw new IllegalArgumentException("the signed payload is not a JSON object");
        }
        Set<String> fields = new TreeSet<>();
        for (Iterator<String> names = p.fieldNames(); names.hasNext(); ) {
            fields.add(names.next());
        }
        boolean chained = fields.equals(V2_FIELDS);
        if (!chained && !fields.equals(V1_FIELDS)) {
            throw new IllegalArgumentException("the signed payload has fields " + fields + ", not a checkpoint's");
        }
        CheckpointRow cp = chained
                ? new CheckpointRow(text(p, "chain"), number(p, "seq"), text(p, "head"), number(p, "time"), text(p, "prev"),
                        number(p, "access_seq"), text(p, "access_head"), jws)
                : new CheckpointRow(text(p, "chain"), number(p, "seq"), text(p, "head"), number(p, "time"), null, 0, null,
                        jws);
        if (!Arrays.equals(payload, cp.payload())) {
            throw new IllegalArgumentException("the signed payload is not in canonical form");
        }
        return cp;
    }

    private static String text(JsonNode p, String field) {
        JsonNode n = p.get(field);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("the signed payload's " + field + " is not a string");
        }
        return n.asText();
    }

    private static long number(JsonNode p, String field) {
        JsonNode n = p.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("the signed payload's " + field + " is not an integer");
        }
        return n.asLong();
    }

    /**
     * The access head this stored checkpoint's JWS signs, for a writer to carry on from; empty when
     * it names none, or when its signature does not verify (a row someone inserted must not choose
     * what the writer signs next).
     */
    AccessChain.Head signedAccessHead(CheckpointSigner signer) {
        try {
            CheckpointRow cp = verified(signer, jws);
            return cp.chained() ? new AccessChain.Head(cp.accessSeq(), cp.accessHead()) : AccessChain.Head.EMPTY;
        } catch (SignatureException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(CheckpointRow.class).error("the newest checkpoint of chain {} (seq {})"
                    + " does not verify with the audit key: {}; audit verify will name it", chainId, seq, e.getMessage());
            return AccessChain.Head.EMPTY;
        }
    }

    /** True for a version-2 checkpoint (it names its predecessor and the access head). */
    boolean chained() {
        return prev != null;
    }

    /** The canonical payload this checkpoint's JWS signs. */
    byte[] payload() {
        return chained()
                ? CanonicalJson.checkpointPayload(chainId, seq, headHash, timeMicros, prev, accessSeq, accessHead)
                : CanonicalJson.checkpointPayload(chainId, seq, headHash, timeMicros);
    }

    /** What the next checkpoint's {@code prev} names: SHA-256 hex of this compact JWS. */
    String digest() {
        return ChainHash.sha256Hex(jws);
    }

    /** True when the stored columns say what the signed payload says. */
    boolean sameFields(String chainId, long seq, String headHash, long timeMicros) {
        return this.chainId.equals(chainId) && this.seq == seq && this.headHash.equals(headHash)
                && this.timeMicros == timeMicros;
    }

    String witnessLine() {
        return CanonicalJson.witnessLine(this);
    }
}
