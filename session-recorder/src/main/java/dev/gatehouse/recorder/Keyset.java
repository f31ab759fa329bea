package dev.gatehouse.recorder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The position of a row in a newest-first listing ordered by {@code (time_micros, chain_id, seq)},
 * and its cursor text: base64url (RFC 4648 section 5, no padding) of {@code MICROS:SEQ:CHAIN}. A
 * keyset cursor stays stable while rows are appended (unlike an offset), and each page is one
 * index range scan.
 *
 * @param micros time in microseconds since the epoch
 * @param chainId chain id
 * @param seq sequence number in the chain
 */
record Keyset(long micros, String chainId, long seq) {

    String cursor() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((micros + ":" + seq + ":" + chainId).getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a cursor; IllegalArgumentException when it is not one this class wrote. */
    static Keyset parse(String cursor) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a paging cursor: '" + cursor + "'");
        }
        String[] parts = text.split(":", 3);
        try {
            if (parts.length == 3 && !parts[2].isEmpty()) {
                return new Keyset(Long.parseLong(parts[0]), parts[2], Long.parseLong(parts[1]));
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new IllegalArgumentException("not a paging cursor: '" + cursor + "'");
    }

    /** {@code (t, c, s) < (micros, chainId, seq)} in SQL, over the given column names. */
    String before(String time, String chain, String sequence, List<Object> args) {
        args.add(micros);
        args.add(micros);
        args.add(chainId);
        args.add(chainId);
        args.add(seq);
        return "(" + time + " < ? OR (" + time + " = ? AND (" + chain + " < ? OR (" + chain + " = ? AND " + sequence
                + " < ?))))";
    }
}
