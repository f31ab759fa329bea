package dev.gatehouse.gateway.web.console;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The security headers of every response on the console host (the console contract's browser
 * rules): a strict Content-Security-Policy (W3C CSP Level 3) that allows no inline script or style
 * and no third-party origin, clickjacking refusal twice ({@code frame-ancestors 'none'} and
 * {@code X-Frame-Options: DENY}, RFC 7034), {@code X-Content-Type-Options: nosniff} (WHATWG Fetch
 * section 3.5), {@code Referrer-Policy: no-referrer}; API answers also {@code Cache-Control: no-store}
 * (RFC 9111 section 5.2.2.5), since they carry who the viewer is and what they may see.
 */
public final class ConsoleHeaders {
    /** The console's Content-Security-Policy, as the contract words it. */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private ConsoleHeaders() {}

    /** Sets the headers on {@code headers}, replacing any of the same names; {@code api} adds {@code Cache-Control: no-store}. */
    public static void apply(HttpHeaders headers, boolean api) {
        headers.set("Content-Security-Policy", CSP);
        headers.set("X-Frame-Options", "DENY");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        if (api) {
            headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        }
    }
}
