package dev.gatehouse.policy;

import java.time.Instant;
import java.util.Objects;

/**
 * One approver's yes.
 *
 * @param approver user name
 * @param comment optional text, null for none
 * @param at when it was given
 */
public record Approval(String approver, String comment, Instant at) {
    public Approval {
        Objects.requireNonNull(approver, "approver");
        Objects.requireNonNull(at, "at");
    }
}
