package dev.gatehouse.gateway.web.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every {@link ServerTlsTest} again with {@code web.tls_provider: openssl} (BoringSSL from
 * netty-tcnative-boringssl-static): protocols, suites, ALPN, client certificates and operator
 * files behave as on the JDK.
 */
class ServerTlsOpenSslTest extends ServerTlsTest {
    @Override
    TlsProvider provider() {
        return TlsProvider.OPENSSL;
    }

    @Test
    void openSslLoadsOnThisPlatformAndIsUsed() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative: %s", OpenSsl.unavailabilityCause()).isTrue();
        ServerTls tls = new ServerTls("localhost", false, Optional.empty(), Optional.empty(), ca("ca"), clock, TlsProvider.OPENSSL);
        assertThat(tls.provider()).isEqualTo(SslProvider.OPENSSL);
        assertThat(tls.context().getClass().getSimpleName()).contains("OpenSsl");
        assertThat(tls.context().cipherSuites()).containsExactlyInAnyOrderElementsOf(ServerTls.TLS13_SUITES);
    }

    @Test
    void autoPrefersOpenSslAndJdkIsTheJdk() throws Exception {
        ServerTls auto = new ServerTls("localhost", false, Optional.empty(), Optional.empty(), ca("a"), clock, TlsProvider.AUTO);
        assertThat(auto.provider()).isEqualTo(SslProvider.OPENSSL);
        ServerTls jdk = new ServerTls("localhost", false, Optional.empty(), Optional.empty(), ca("j"), clock, TlsProvider.JDK);
        assertThat(jdk.provider()).isEqualTo(SslProvider.JDK);
    }
}
