package dev.gatehouse.gateway;

import dev.gatehouse.gateway.web.Assertions;
import dev.gatehouse.gateway.web.ClientCertificate;
import dev.gatehouse.gateway.web.NoAppProxy;
import dev.gatehouse.gateway.web.PolicyApps;
import dev.gatehouse.gateway.web.WebFront;
import dev.gatehouse.gateway.web.WebLogin;
import dev.gatehouse.gateway.web.WebSite;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Builds the HTTPS listener from the gateway's services and keys (part of {@link Gateway#start}). */
final class WebWiring {
    private WebWiring() {}

    static WebFront front(GatewayServices services, GatewayKeys keys, WebSite site, WebLogin login, KeyPair auditKey)
            throws IOException {
        var config = services.config().web();
        // interim until the TLS CA's server certificate is wired (web/tls ServerTls)
        SslContext tls = interimTls(config.hostname());
        KeyPair assertionKey = ec();
        return new WebFront(new WebFront.Parts(config, tls, site, login, new PolicyApps(services.policy()), services.policy(),
                () -> services.access().state(), services.audit(), services.sessions(), services.clock(),
                new Assertions(site, assertionKey, services.clock()), ClientCertificate.Reader.none(),
                cookieKey(auditKey), NoAppProxy::new, Math.max(1, Runtime.getRuntime().availableProcessors()),
                bound -> config.oidc().map(o -> new dev.gatehouse.gateway.web.oidc.OidcLogin(o,
                        o.redirectUri(bound.hostname(), bound.port()), o.clientSecret(System::getenv),
                        services.commandPool(), services.clock()))));
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

    private static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a P-256 key", e);
        }
    }

    /** A self-signed certificate for {@code hostname} and {@code *.apps.hostname}, TLS 1.3, ALPN h2 and http/1.1. */
    private static SslContext interimTls(String hostname) throws IOException {
        try {
            KeyPair pair = ec();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + hostname);
            var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(90L * 24 * 3600)), name, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, hostname), new GeneralName(GeneralName.dNSName, "*.apps." + hostname)}));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return SslContextBuilder.forServer(pair.getPrivate(), cert).sslProvider(SslProvider.JDK).protocols("TLSv1.3")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the HTTPS certificate: " + e.getMessage(), e);
        }
    }
}
