package dev.gatehouse.recorder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Canonical JSON: objects with keys sorted by their UTF-16 code units ({@link TreeMap} order), no
 * whitespace, Jackson's string escaping (quote, backslash and control characters; other
 * characters verbatim in UTF-8). Used for event details and checkpoint payloads.
 */
final class CanonicalJson {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final TypeReference<TreeMap<String, String>> DETAILS = new TypeReference<>() {};

    private CanonicalJson() {}

    static String details(Map<String, String> details) {
        return write(new TreeMap<>(details));
    }

    /** Parses a details column; throws IllegalArgumentException when it is not a flat JSON object of strings. */
    static Map<String, String> parseDetails(String json) {
        try {
            return MAPPER.readValue(json, DETAILS);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("details are not a JSON object of strings: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * {@code {"chain":..,"head":..,"seq":..,"time":..}}: what a version-1 checkpoint's JWS signs
     * (stores written before checkpoints were chained).
     */
    static byte[] checkpointPayload(String chainId, long seq, String headHash, long timeMicros) {
        return write(checkpointFields(chainId, seq, headHash, timeMicros, new TreeMap<>())).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code {"access_head":..,"access_seq":..,"chain":..,"head":..,"prev":..,"seq":..,"time":..}}:
     * what a version-2 (chained) checkpoint's JWS signs. {@code prev} is the SHA-256 hex of the
     * previous checkpoint's compact JWS on the same chain (64 zeros for the first);
     * {@code access_seq}/{@code access_head} are the access chain's head when it was signed.
     */
    static byte[] checkpointPayload(String chainId, long seq, String headHash, long timeMicros, String prev,
            long accessSeq, String accessHead) {
        Map<String, Object> payload = checkpointFields(chainId, seq, headHash, timeMicros, new TreeMap<>());
        payload.put("prev", prev);
        payload.put("access_seq", accessSeq);
        payload.put("access_head", accessHead);
        return write(payload).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One witness-file line: the checkpoint's fields and its JWS. Version-1 lines have {@code
     * chain, seq, head, time, jws}; version-2 lines add {@code prev, access_seq, access_head}.
     */
    static String witnessLine(CheckpointRow cp) {
        Map<String, Object> line = checkpointFields(cp.chainId(), cp.seq(), cp.headHash(), cp.timeMicros(),
                new LinkedHashMap<>());
        if (cp.chained()) {
            line.put("prev", cp.prev());
            line.put("access_seq", cp.accessSeq());
            line.put("access_head", cp.accessHead());
        }
        line.put("jws", cp.jws());
        return write(line);
    }

    private static Map<String, Object> checkpointFields(String chainId, long seq, String headHash, long timeMicros,
            Map<String, Object> into) {
        into.put("chain", chainId);
        into.put("seq", seq);
        into.put("head", headHash);
        into.put("time", timeMicros);
        return into;
    }

    /** A JSON array of strings and numbers, such as an access-log row's key. */
    static String array(Object... values) {
        return write(values);
    }

    /** Parses JSON text; throws IllegalArgumentException when it is not JSON. */
    /** Parses a JSON array of strings and numbers (an access row's key, see {@link #array}); numbers become {@code Long}. */
    static java.util.List<Object> parseArray(String json) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (JsonNode n : tree(json)) {
            out.add(n.isIntegralNumber() ? (Object) n.asLong() : n.asText());
        }
        return out;
    }

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
    }
}
