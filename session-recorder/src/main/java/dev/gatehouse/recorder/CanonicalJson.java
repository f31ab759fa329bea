package dev.gatehouse.recorder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
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

    /** {@code {"chain":..,"head":..,"seq":..,"time":..}}: what a checkpoint's JWS signs. */
    static byte[] checkpointPayload(String chainId, long seq, String headHash, long timeMicros) {
        Map<String, Object> payload = new TreeMap<>();
        payload.put("chain", chainId);
        payload.put("seq", seq);
        payload.put("head", headHash);
        payload.put("time", timeMicros);
        return write(payload).getBytes(StandardCharsets.UTF_8);
    }

    /** One witness-file line: the checkpoint's fields and its JWS. */
    static String witnessLine(String chainId, long seq, String headHash, long timeMicros, String jws) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("chain", chainId);
        line.put("seq", seq);
        line.put("head", headHash);
        line.put("time", timeMicros);
        line.put("jws", jws);
        return write(line);
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
    }
}
