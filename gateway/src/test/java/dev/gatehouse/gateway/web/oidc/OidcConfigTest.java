package dev.gatehouse.gateway.web.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.Secret;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.ConfigNode;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OidcConfigTest {

    /** Parses {@code web.oidc} out of a whole gatehouse.yaml, as the front's ConfigLoader will. */
    private static OidcConfig parse(String oidcBody) {
        String yaml = "web:\n  oidc:\n" + oidcBody.indent(4);
        ConfigNode web = ConfigNode.parse(yaml, "gatehouse.yaml").map("the configuration").get("web");
        return OidcConfig.parse(web.map("web").get("oidc"));
    }

    @Test
    void minimalSectionTakesTheDocumentedDefaults() {
        OidcConfig c = parse("""
                issuer: https://idp.example.com/realms/ai
                client_id: gatehouse
                """);
        assertThat(c.issuer()).isEqualTo(URI.create("https://idp.example.com/realms/ai"));
        assertThat(c.clientId()).isEqualTo("gatehouse");
        assertThat(c.clientSecretEnv()).isEmpty();
        assertThat(c.userClaim()).isEqualTo("preferred_username");
        assertThat(c.scopes()).containsExactly("openid", "profile", "email");
        assertThat(c.redirectUri("gw.example.com", 8443))
                .isEqualTo(URI.create("https://gw.example.com:8443/login/oidc/callback"));
    }

    @Test
    void everyFieldIsRead() {
        OidcConfig c = parse("""
                issuer: http://127.0.0.1:9000/default
                client_id: gatehouse
                client_secret_env: OIDC_SECRET
                user_claim: email
                scopes: [openid, email, email]
                redirect_uri: https://gw.example.com/login/oidc/callback
                """);
        assertThat(c.clientSecretEnv()).contains("OIDC_SECRET");
        assertThat(c.userClaim()).isEqualTo("email");
        assertThat(c.scopes()).containsExactly("openid", "email");
        assertThat(c.redirectUri("ignored", 1)).isEqualTo(URI.create("https://gw.example.com/login/oidc/callback"));
    }

    /** Threat: a plain-http issuer on the network lets anyone on the path forge metadata, keys and tokens. */
    @Test
    void plainHttpIssuerOffLoopbackIsRefusedAtItsLine() {
        assertThatThrownBy(() -> parse("""
                client_id: gatehouse
                issuer: http://idp.example.com
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:4: web.oidc.issuer must use https://");
    }

    @Test
    void unknownUserClaimIsRefused() {
        assertThatThrownBy(() -> parse("""
                issuer: https://idp.example.com
                client_id: gatehouse
                user_claim: name
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:5: web.oidc.user_claim must be one of preferred_username, email, sub");
    }

    @Test
    void scopesWithoutOpenidAreRefused() {
        assertThatThrownBy(() -> parse("""
                issuer: https://idp.example.com
                client_id: gatehouse
                scopes: [profile]
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gatehouse.yaml:5: web.oidc.scopes must include openid");
    }

    @Test
    void missingClientIdAndUnknownFieldsAreRefused() {
        assertThatThrownBy(() -> parse("issuer: https://idp.example.com\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("web.oidc needs 'client_id'");
        assertThatThrownBy(() -> parse("issuer: https://idp.example.com\nclient_id: g\nclient_secret: hunter2\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gatehouse.yaml:5: unknown field 'client_secret' in web.oidc");
    }

    @Test
    void redirectUriMustBeTheGatewaysCallback() {
        assertThatThrownBy(() -> parse("""
                issuer: https://idp.example.com
                client_id: gatehouse
                redirect_uri: https://gw.example.com/elsewhere
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gatehouse.yaml:5: web.oidc.redirect_uri must end in /login/oidc/callback");
    }

    @Test
    void secretEnvMustNameAVariableNotHoldTheSecret() {
        assertThatThrownBy(() -> parse("""
                issuer: https://idp.example.com
                client_id: gatehouse
                client_secret_env: "s3cr3t value!"
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("names an environment variable");
    }

    /** Threat: the client secret reaching a log line through the config record or the error. */
    @Test
    void clientSecretComesFromTheEnvironmentAndStaysMasked() {
        OidcConfig c = new OidcConfig(URI.create("https://idp.example.com"), "gatehouse", Optional.of("OIDC_SECRET"),
                "sub", List.of("openid"), Optional.empty());
        Optional<Secret> secret = c.clientSecret(Map.of("OIDC_SECRET", "hunter2")::get);
        assertThat(secret).isPresent();
        assertThat(new String(secret.get().reveal())).isEqualTo("hunter2");
        assertThat(secret.get().toString()).doesNotContain("hunter2");
        assertThatThrownBy(() -> c.clientSecret(Map.<String, String>of()::get))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OIDC_SECRET, which is not set");
    }
}
