package dev.gatehouse.gateway.config;

import java.util.regex.Pattern;

/** Whether a text is a DNS host name the web front can serve under (RFC 1123 section 2.1 labels). */
public final class WebHostName {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private WebHostName() {}

    /** True for {@code localhost}, {@code gw.example.com}; false for empty, ports, IP-literal brackets, '_' and over-long names. */
    public static boolean valid(String name) {
        if (name == null || name.isEmpty() || name.length() > 253 || name.endsWith(".")) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
