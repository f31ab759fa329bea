package dev.gatehouse.gateway;

import dev.gatehouse.gateway.web.AssertionSigner;
import dev.gatehouse.gateway.web.ClientCertificate;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.proxy.AppProxyHandler;
import dev.gatehouse.gateway.web.upstream.AppConnectors;
import dev.gatehouse.gateway.web.PolicyApps;
import dev.gatehouse.gateway.web.WebFront;
import dev.gatehouse.gateway.web.WebLogin;
import dev.gatehouse.gateway.web.WebSite;
import dev.gatehouse.gateway.web.console.AccessApi;
import dev.gatehouse.gateway.web.console.AppsApi;
import dev.gatehouse.gateway.web.console.ApiTokensApi;
import dev.gatehouse.gateway.web.console.ClasspathUi;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.RecordsApi;
import dev.gatehouse.gateway.web.console.ConsoleSetup;
import dev.gatehouse.gateway.web.console.ConsoleUi;
import dev.gatehouse.gateway.web.oidc.OidcLogin;
import dev.gatehouse.gateway.web.tls.ServerTls;
import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.ClientCertificateClaims;
import dev.gatehouse.pki.TlsCertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds the HTTPS listener from the gateway's services and keys (part of {@link Gateway#start}). */
final class WebWiring {
    private WebWiring() {}

    static WebFront front(GatewayServices services, GatewayKeys keys, WebSite site, WebLogin login, KeyPair auditKey)
            throws IOException {
        var config = services.config().web();
        ServerTls tls = new ServerTls(config.hostname(), config.tls12(), config.tlsCert(), config.tlsKey(), services.tlsCa(),
                services.clock(), config.tlsProvider());
        org.slf4j.LoggerFactory.getLogger(WebWiring.class).info("HTTPS TLS: {} (web.tls_provider {})",
                tls.provider() == io.netty.handler.ssl.SslProvider.OPENSSL
                        ? "OpenSSL " + io.netty.handler.ssl.OpenSsl.versionString() : "JDK JSSE",
                config.tlsProvider().configName());
        KeyPair assertionKey = keys.webAssertionKey();
        // the connector shares the listener's event loops, so it is made once the front exists
        java.util.concurrent.atomic.AtomicReference<AppConnector> connector = new java.util.concurrent.atomic.AtomicReference<>();
        List<ConsoleModule> modules = consoleModules(services, site, auditKey);
        WebFront front = new WebFront(new WebFront.Parts(config, tls.context(), site, login, new PolicyApps(services.policy()),
                services.policy(), () -> services.access().state(), services.audit(), services.sessions(), services.clock(),
                bound -> new AssertionSigner(assertionKey, bound.consoleOrigin(), services.clock()),
                certificates(services.tlsCa()), cookieKey(auditKey),
                () -> new AppProxyHandler(connector.get(), services.audit(), services.clock(), config.hostname(), site.port()),
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                bound -> config.oidc().map(o -> new OidcLogin(o, o.redirectUri(bound.hostname(), bound.port()),
                        o.clientSecret(System::getenv), services.commandPool(), services.clock())),
                new ConsoleSetup(modules, consoleUi(services), services.commandPool(),
                        services.apiTokens().orElse(null))));
        AppConnectors apps = AppConnectors.forGateway(services, front.eventLoops());
        connector.set(apps);
        front.closeUpstreamWithSessions(apps);
        front.closeAfterChannels(apps);
        for (ConsoleModule m : modules) {
            if (m instanceof AutoCloseable c) {
                front.closeAfterChannels(c); // such as the instance relay's event loop
            }
        }
        return front;
    }

    /**
     * The console API's endpoint groups, in routing order (whoami comes first, built in). Each part
     * of the console adds its module here.
     */
    static List<ConsoleModule> consoleModules(GatewayServices services, WebSite site, KeyPair auditKey) {
        List<ConsoleModule> modules = new ArrayList<>();
        modules.add(new AppsApi(new PolicyApps(services.policy()), site));
        modules.add(new AccessApi(services.access(), services.policy(), services.clock()));
        services.apiTokens().ifPresent(t -> modules.add(new ApiTokensApi(t, services.clock())));
        modules.add(RecordsApi.of(services, dev.gatehouse.pki.JwsVerifier.es256(auditKey.getPublic())));
        modules.add(dev.gatehouse.gateway.web.console.LiveApi.of(services));
        return modules;
    }

    /** The console's pages and assets, bundled into the jar under {@code console-ui/} ({@code console/}). */
    static ConsoleUi consoleUi(GatewayServices services) {
        return new ClasspathUi();
    }

    /**
     * Reads {@code app-cert} certificates with the TLS CA (signature, validity, clientAuth EKU, the
     * app SAN); anything else presented is no identity. Such a certificate names no SSH key.
     */
    static ClientCertificate.Reader certificates(TlsCertificateAuthority ca) {
        return leaf -> {
            try {
                ClientCertificateClaims c = ca.claims(leaf);
                return Optional.of(new ClientCertificate(c.user(), c.app() + "--" + c.node(), c.serialHex(), c.notAfter(), null));
            } catch (CertificateRefusedException e) {
                return Optional.empty();
            }
        };
    }

    /**
     * The session cookies' HS256 key: HMAC-SHA256 keyed with the audit key's private encoding over a
     * fixed label (a PRF, as HKDF-Expand's single block), so gateways that share their keys accept
     * each other's cookies and no secret file is added.
     */
    static byte[] cookieKey(KeyPair auditKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(auditKey.getPrivate().getEncoded(), "HmacSHA256"));
            return mac.doFinal("gatehouse web session cookie v1".getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
