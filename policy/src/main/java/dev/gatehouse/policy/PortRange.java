package dev.gatehouse.policy;

/**
 * An inclusive range of TCP ports, {@code first} to {@code last} (1 to 65535), as a role's
 * {@code forward.ports} lists them: {@code 5678} is the range 5678-5678.
 *
 * @param first lowest port in the range
 * @param last highest port in the range, at least {@code first}
 */
public record PortRange(int first, int last) {
    /** Highest TCP port number. */
    public static final int MAX_PORT = 65535;

    public PortRange {
        if (first < 1 || last > MAX_PORT || first > last) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " is not within 1-" + MAX_PORT);
        }
    }

    /** Whether {@code port} lies in this range. */
    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    /** {@code 5678} or {@code 8000-8999}, as written in the policy. */
    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
