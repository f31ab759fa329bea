package dev.gatehouse.policy;

/** Where an elevation request stands. Only PENDING and ACTIVE are live; the rest are final. */
public enum RequestState {
    /** waiting for approvals */
    PENDING,
    /** approved; the grant's window is running */
    ACTIVE,
    /** an approver refused it */
    DENIED,
    /** not approved within the pending timeout */
    EXPIRED,
    /** withdrawn by the requester before a decision */
    CANCELLED,
    /** the grant's window is over */
    ENDED,
    /** ended early by the requester, an approver or an admin */
    REVOKED;

    public boolean live() {
        return this == PENDING || this == ACTIVE;
    }
}
