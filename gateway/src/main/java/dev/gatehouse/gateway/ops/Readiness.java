package dev.gatehouse.gateway.ops;

import java.util.Optional;

/** Why the gateway should not get traffic now, in one line; empty when it is ready. */
@FunctionalInterface
public interface Readiness {
    Optional<String> problem();
}
