package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.gateway.GatewayKeys;
import dev.gatehouse.gateway.config.ConfigLoader;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Checks the gateway's signed decisions (compact JWS, ES256) with the audit key's public half, read
 * from the data dir as an operator's tool would; the signature check itself is plain JDK crypto,
 * independent of the gateway's own verifier.
 */
final class AuditKey {
    private AuditKey() {}

    /** Verifies {@code jws} with the audit key of {@code gw}; returns its payload. */
    static JsonNode verify(Gateway gw, String jws) {
        String[] parts = jws.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new AssertionError("not a compact JWS (three non-empty parts): " + jws);
        }
        Base64.Decoder b64 = Base64.getUrlDecoder();
        JsonNode header = Json.parse(new String(b64.decode(parts[0]), UTF_8));
        if (!"ES256".equals(Json.text(header, "alg"))) {
            throw new AssertionError("JWS algorithm must be ES256: " + header);
        }
        try {
            Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
            ecdsa.initVerify(publicKey(gw));
            ecdsa.update((parts[0] + "." + parts[1]).getBytes(UTF_8));
            if (!ecdsa.verify(b64.decode(parts[2]))) {
                throw new AssertionError("JWS signature does not verify with the audit key: " + jws);
            }
        } catch (GeneralSecurityException e) {
            throw new AssertionError("JWS signature check failed: " + jws, e);
        }
        return Json.parse(new String(b64.decode(parts[1]), UTF_8));
    }

    private static PublicKey publicKey(Gateway gw) {
        try {
            return GatewayKeys.open(ConfigLoader.load(gw.config())).auditKey().getPublic();
        } catch (IOException e) {
            throw new AssertionError("cannot read the audit key under " + gw.dataDir(), e);
        }
    }
}
