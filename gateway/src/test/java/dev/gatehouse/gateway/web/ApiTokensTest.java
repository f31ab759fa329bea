package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.gateway.web.console.ApiTokens;
import dev.gatehouse.recorder.AuditEvent;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * api-tokens against the real listener: a token works until it expires (fake clock) or is
 * revoked (at once), and a tampered, foreign-audience, foreign-issuer, HS256 or unsigned token is
 * 401 with an {@code api.refused} event; the owner lists and revokes only their own tokens.
 */
class ApiTokensTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    ConsoleHarness h;
    String kid;

    @BeforeEach
    void setUp() throws Exception {
        h = new ConsoleHarness(dir);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    HttpResponse<String> whoami(String token) throws Exception {
        return h.send(h.request("/api/v1/whoami").header("Authorization", "Bearer " + token));
    }

    @Test
    void aTokenIsAnES256JwtForTheApiAudienceThatWorksUntilItExpires() throws Exception {
        ApiTokens.Issued issued = h.token("alice", Duration.ofHours(1));
        SignedJWT jwt = SignedJWT.parse(issued.jwt());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("gatehouse-api");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(h.origin());
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isEqualTo(issued.token().id()).startsWith("t-");
        assertThat(h.events("api.token.issued")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("token_id", issued.token().id());
        });

        HttpResponse<String> ok = whoami(issued.jwt());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("expires").asText()).isEqualTo(issued.token().expires().toString());

        h.clock.advance(Duration.ofMinutes(59).plusSeconds(59));
        assertThat(whoami(issued.jwt()).statusCode()).isEqualTo(200);
        h.clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> expired = whoami(issued.jwt());
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(expired.body()).get("message").asText()).isEqualTo("bearer token has expired");
        assertThat(h.events("api.refused")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("reason", "bearer token has expired").containsEntry("check", "credential");
        });
    }

    @Test
    void lifetimesAreCappedAt24Hours() {
        assertThatThrownBy(() -> h.token("alice", Duration.ofHours(25))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 24h");
        assertThatThrownBy(() -> h.token("alice", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(h.token("alice", Duration.ofHours(24)).token().expires()).isEqualTo(h.clock.instant().plus(Duration.ofHours(24)));
    }

    @Test
    void aRevokedTokenIsRefusedAtOnceAndOnlyItsOwnerSeesAndRevokesIt() throws Exception {
        ApiTokens.Issued alice = h.token("alice", Duration.ofHours(1));
        ApiTokens.Issued second = h.token("alice", Duration.ofHours(2));
        ApiTokens.Issued bob = h.token("bob", Duration.ofHours(1));

        JsonNode list = JSON.readTree(h.send(h.request("/api/v1/api-tokens").header("Authorization", "Bearer " + alice.jwt())).body());
        assertThat(list.get("items")).extracting(n -> n.get("id").asText()).containsExactlyInAnyOrder(alice.token().id(), second.token().id());
        assertThat(list.get("items").get(0).get("state").asText()).isEqualTo("valid");

        // threat: one user ends (or learns of) another user's token
        HttpResponse<String> foreign = h.send(h.request("/api/v1/api-tokens/" + bob.token().id())
                .header("Authorization", "Bearer " + alice.jwt()).DELETE());
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(whoami(bob.jwt()).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = h.send(h.request("/api/v1/api-tokens/" + second.token().id())
                .header("Authorization", "Bearer " + alice.jwt()).DELETE());
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(revoked.body()).get("state").asText()).isEqualTo("revoked");
        HttpResponse<String> refused = whoami(second.jwt());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(refused.body()).get("message").asText()).contains("was revoked by alice");
        assertThat(h.send(h.request("/api/v1/api-tokens/" + second.token().id())
                .header("Authorization", "Bearer " + alice.jwt()).DELETE()).statusCode()).isEqualTo(409);
        assertThat(h.events("api.token.revoked")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("token_id", second.token().id()));
        // a token revokes itself too, and is refused from then on
        assertThat(h.send(h.request("/api/v1/api-tokens/" + alice.token().id())
                .header("Authorization", "Bearer " + alice.jwt()).DELETE()).statusCode()).isEqualTo(200);
        assertThat(whoami(alice.jwt()).statusCode()).isEqualTo(401);
    }

    @Test
    void forgedTokensAre401AndAudited() throws Exception {
        // threat: a caller makes up or alters a token to act as someone else
        ApiTokens.Issued real = h.token("alice", Duration.ofHours(1));
        kid = SignedJWT.parse(real.jwt()).getHeader().getKeyID();
        String[] parts = real.jwt().split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"alice\"", "\"erin\"");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
        String otherAudience = sign(h.tokenKey.getPrivate(), claims(real).audience("https://evil.example").build());
        String otherIssuer = sign(h.tokenKey.getPrivate(), claims(real).issuer("https://evil.example").build());
        String otherKey = sign(TestTls.ec().getPrivate(), claims(real).build());
        String notStored = sign(h.tokenKey.getPrivate(), claims(real).jwtID("t-zzzzzzzzzz").build());
        SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims(real).build());
        hs.sign(new MACSigner(new byte[32]));
        String unsigned = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        List<String> forged = List.of(tampered, otherAudience, otherIssuer, otherKey, notStored, hs.serialize(), unsigned, "garbage");
        for (String t : forged) {
            HttpResponse<String> r = whoami(t);
            assertThat(r.statusCode()).as(t).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unauthenticated");
        }
        assertThat(JSON.readTree(whoami(otherAudience).body()).get("message").asText()).contains("another audience");
        assertThat(JSON.readTree(whoami(otherIssuer).body()).get("message").asText()).contains("another issuer");
        assertThat(JSON.readTree(whoami(notStored).body()).get("message").asText()).contains("unknown to the store");
        List<AuditEvent> refusals = h.events("api.refused");
        assertThat(refusals).hasSize(forged.size() + 3);
        // a Basic or malformed Authorization header is refused, not ignored in favour of a cookie
        String cookie = h.cookie("alice");
        assertThat(h.send(h.request("/api/v1/whoami").header("Cookie", cookie).header("Authorization", "Basic YTpi")).statusCode())
                .isEqualTo(401);
        assertThat(whoami(real.jwt()).statusCode()).isEqualTo(200);
    }

    private static JWTClaimsSet.Builder claims(ApiTokens.Issued t) throws Exception {
        return new JWTClaimsSet.Builder(SignedJWT.parse(t.jwt()).getJWTClaimsSet());
    }

    /** Signs {@code claims} ES256 with {@code key} under the real token's key id. */
    private String sign(java.security.PrivateKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(kid).build(), claims);
        jwt.sign(new ECDSASigner((java.security.interfaces.ECPrivateKey) key));
        return jwt.serialize();
    }
}
