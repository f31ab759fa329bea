package dev.gatehouse.policy;

/** What a role may do in the gateway's own command shell. */
public enum Permission {
    /** list sessions, replay recordings, read the audit log (read-only) */
    AUDIT,
    /** lock, unlock, kill sessions */
    ADMIN
}
