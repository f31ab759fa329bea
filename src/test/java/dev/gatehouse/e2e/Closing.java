package dev.gatehouse.e2e;

/** Closing what a test class started (gateways, nodes, databases), in the order given. */
final class Closing {
    private Closing() {}

    /** Closes each of {@code resources} that is not null, in order; the first failure ends the test class with it. */
    static void all(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
