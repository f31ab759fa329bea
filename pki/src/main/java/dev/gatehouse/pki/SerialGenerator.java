package dev.gatehouse.pki;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Random positive, non-zero 63-bit serials. Randomness makes them unguessable and unique across
 * restarts and instances with overwhelming probability; a bounded set of recent serials turns
 * "overwhelming" into "certain" within the window a KRL or an audit query would care about.
 */
final class SerialGenerator {
    static final int DEFAULT_WINDOW = 100_000;

    private final SecureRandom random;
    private final int window;
    private final Set<Long> recent = new HashSet<>();
    private final ArrayDeque<Long> order = new ArrayDeque<>();

    SerialGenerator(SecureRandom random, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("serial window must be positive, got " + window);
        }
        this.random = random;
        this.window = window;
    }

    synchronized long next() {
        long serial;
        do {
            serial = random.nextLong() & Long.MAX_VALUE;
        } while (serial == 0 || recent.contains(serial));
        recent.add(serial);
        order.addLast(serial);
        if (order.size() > window) {
            recent.remove(order.removeFirst());
        }
        return serial;
    }
}
