package dev.gatehouse.policy;

/**
 * What a role may do in the gateway's own command shell. Approving elevation is not a permission:
 * it comes from the {@code approvers} roles of each elevation. Both permissions are scoped to the
 * holder's tenant.
 */
public enum Permission {
    /** list sessions, requests and grants, replay recordings, read the audit log (read-only) */
    AUDIT,
    /** lock, unlock, kill sessions, revoke any grant */
    ADMIN
}
