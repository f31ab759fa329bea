package dev.gatehouse.gateway.web;

/**
 * The {@code path} of a launch: where on the app host the browser goes after the cookie is set.
 * Only a path on the same host is accepted (RFC 3986 section 4.2 absolute-path with an optional
 * query), so the launch flow cannot be used as an open redirect to another site.
 */
final class LaunchPath {
    /** Longest path accepted. */
    static final int MAX = 4096;

    private LaunchPath() {}

    /**
     * True for {@code /}, {@code /tree?x=1}; false for null, empty, {@code //evil.example},
     * {@code /\evil.example} (browsers read a backslash as a slash), scheme-relative or absolute
     * URLs, and anything with control characters, spaces or a fragment.
     */
    static boolean safe(String path) {
        if (path == null || path.isEmpty() || path.length() > MAX || path.charAt(0) != '/') {
            return false;
        }
        if (path.length() > 1 && (path.charAt(1) == '/' || path.charAt(1) == '\\')) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '#') {
                return false;
            }
        }
        return true;
    }
}
