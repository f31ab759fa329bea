package dev.gatehouse.recorder;

import java.time.Instant;
import java.util.Map;

/**
 * What a writer found after its chain's last signed checkpoint when it opened, recorded as a
 * {@code chain.resumed} event before it signs anything, so its start-up checkpoint does not sign
 * those records in silently. A gateway that stops cleanly signs its last record; records after
 * the last checkpoint are left by a crash ({@code kill -9}, power loss: legitimate, the crash
 * bound's worth), by a final checkpoint that could not be written, or by someone appending to the
 * chain while the gateway was stopped. Nothing tells these apart, so verify reports them.
 *
 * @param afterCheckpoint the seq the last checkpoint covers (0 when the chain has none)
 * @param firstSeq first record found after it
 * @param lastSeq last record found (the chain's head at open)
 * @param records how many (lastSeq - afterCheckpoint when the chain is gapless)
 * @param firstMicros oldest record time among them (UTC microseconds, as stored)
 * @param lastMicros newest record time among them
 */
record ChainResumption(long afterCheckpoint, long firstSeq, long lastSeq, long records, long firstMicros,
        long lastMicros) {
    static final String TYPE = "chain.resumed";

    /** The event that records it. */
    AuditEvent event(Instant now) {
        return AuditEvent.of(TYPE, now, "info").with("after_checkpoint", afterCheckpoint).with("first_seq", firstSeq)
                .with("last_seq", lastSeq).with("records", records).with("first_time", ChainHash.instant(firstMicros))
                .with("last_time", ChainHash.instant(lastMicros))
                .with("reason", "records after the last signed checkpoint at start: left by a crash, or appended"
                        + " while the gateway was stopped");
    }

    /** The resumption a {@code chain.resumed} event's details record, or null when they do not say. */
    static ChainResumption parse(String detailsJson) {
        try {
            Map<String, String> d = CanonicalJson.parseDetails(detailsJson);
            return new ChainResumption(Long.parseLong(d.get("after_checkpoint")), Long.parseLong(d.get("first_seq")),
                    Long.parseLong(d.get("last_seq")), Long.parseLong(d.get("records")),
                    ChainHash.micros(Instant.parse(d.get("first_time"))), ChainHash.micros(Instant.parse(d.get("last_time"))));
        } catch (RuntimeException e) {
            return null; // the chain walk names a damaged event; a malformed one proves nothing either way
        }
    }

    /** Verify's note about it: {@code chain C seq A-B: ...}. */
    void note(String chain, long eventSeq, Findings findings) {
        findings.note("chain " + chain + " seq", firstSeq, lastSeq, records + " record(s) dated " + ChainHash.instant(firstMicros)
                + " to " + ChainHash.instant(lastMicros) + " followed the last signed checkpoint (seq " + afterCheckpoint
                + ") when the gateway started, and were signed in then (chain.resumed at seq " + eventSeq + "): a crash"
                + " leaves such records, and so does anyone appending to the chain while the gateway was stopped;"
                + " nothing proves the gateway wrote them");
    }
}
