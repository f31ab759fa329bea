package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ApiTokens;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.ConsoleSetup;
import dev.gatehouse.gateway.web.console.ConsoleUi;
import dev.gatehouse.gateway.web.console.CsrfTokens;
import dev.gatehouse.gateway.web.console.WhoamiApi;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.Executor;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The console's parts shared by every channel of one listener: the routing table (whoami first,
 * then every module's routes), the pages, the pool endpoints run on, the api-token verifier and
 * the CSRF tokens.
 */
record Console(ApiRoutes routes, ConsoleUi ui, Executor pool, ApiTokens tokens, CsrfTokens csrf) {

    static Console of(ConsoleSetup setup, PolicyHolder policy, byte[] cookieKey) {
        CsrfTokens csrf = new CsrfTokens(csrfKey(cookieKey));
        ApiRoutes routes = new ApiRoutes();
        new WhoamiApi(policy, csrf).register(routes);
        for (ConsoleModule m : setup.modules()) {
            m.register(routes);
        }
        return new Console(routes, setup.ui(), setup.pool(), setup.tokens(), csrf);
    }

    /** The CSRF MAC key: HMAC-SHA256 of the cookie key over a fixed label, so the two keys never coincide. */
    static byte[] csrfKey(byte[] cookieKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cookieKey, "HmacSHA256"));
            return mac.doFinal("gatehouse console csrf v1".getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
