package dev.gatehouse.recorder;

/**
 * An audit event as stored: its chain, sequence number and hash link.
 *
 * @param chainId the writing gateway instance's chain
 * @param seq per-chain sequence number, from 1, without gaps
 * @param event the event
 * @param prevHash hex SHA-256 of the previous record of the chain (64 zeros for the first)
 * @param hash hex SHA-256(prevHash ‖ canonical bytes of this record)
 */
public record StoredEvent(String chainId, long seq, AuditEvent event, String prevHash, String hash) {}
