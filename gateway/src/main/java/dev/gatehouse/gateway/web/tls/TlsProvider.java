package dev.gatehouse.gateway.web.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.util.Locale;

/**
 * Which TLS implementation the HTTPS listener uses ({@code web.tls_provider}).
 *
 * <ul>
 *   <li>{@code auto} (default): OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static},
 *       through Netty's {@link SslProvider#OPENSSL}) when its native library loads on this machine,
 *       else the JDK's JSSE;
 *   <li>{@code jdk}: always the JDK's JSSE;
 *   <li>{@code openssl}: OpenSSL, and the gateway refuses to start when it cannot load.
 * </ul>
 *
 * Both serve the same protocols, suites, ALPN and client-certificate rules ({@link ServerTls}).
 */
public enum TlsProvider {
    AUTO,
    JDK,
    OPENSSL;

    /** The configuration spelling: {@code auto}, {@code jdk} or {@code openssl}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a configuration value.
     *
     * @throws IllegalArgumentException naming the allowed values when {@code value} is none of them
     */
    public static TlsProvider parse(String value) {
        for (TlsProvider p : values()) {
            if (p.configName().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("web.tls_provider must be auto, jdk or openssl, not '" + value + "'");
    }

    /**
     * The Netty provider this choice means on this machine.
     *
     * @throws IOException for {@code openssl} when OpenSSL cannot load (the message says why)
     */
    SslProvider resolve() throws IOException {
        return switch (this) {
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    Throwable why = OpenSsl.unavailabilityCause();
                    throw new IOException("web.tls_provider is openssl but OpenSSL (netty-tcnative) cannot load on this machine: "
                            + (why == null ? "unknown cause" : why.getMessage()) + "; use auto or jdk");
                }
                if (!SslProvider.isTlsv13Supported(SslProvider.OPENSSL)) {
                    throw new IOException("web.tls_provider is openssl but the loaded OpenSSL (" + OpenSsl.versionString()
                            + ") has no TLS 1.3; use auto or jdk");
                }
                yield SslProvider.OPENSSL;
            }
        };
    }
}
