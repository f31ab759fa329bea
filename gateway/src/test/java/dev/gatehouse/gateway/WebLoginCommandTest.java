package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssh GATEWAY web-login} on a running gateway: a one-time link to the bound HTTPS port, audited. */
class WebLoginCommandTest {
    @TempDir
    Path dir;
    InProcessGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = InProcessGateway.start(dir, Policies.engineer(9, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
                "alice");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void webLoginPrintsAOneTimeUrlOnTheBoundPortAsItsLastWord() throws Exception {
        int port = gw.gateway().webAddress().orElseThrow().getPort();
        assertThat(port).isNotEqualTo(8443).isPositive();
        InProcessGateway.Result r = gw.exec("alice", "web-login");
        assertThat(r.status()).isZero();
        assertThat(r.stdout().trim()).matches("Open within 60 s \\(works once\\): https://localhost:" + port
                + "/login\\?ticket=[A-Za-z0-9_-]{43}");
        InProcessGateway.Result again = gw.exec("alice", "web-login");
        assertThat(again.stdout()).isNotEqualTo(r.stdout());
        assertThat(gw.events("web.login")).hasSize(2).allSatisfy(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("step", "issued");
        });
        assertThat(gw.events("gateway.start")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("web_listen", "127.0.0.1:" + port));
    }

    @Test
    void webLoginTakesNoArguments() throws Exception {
        InProcessGateway.Result r = gw.exec("alice", "web-login bob");
        assertThat(r.status()).isNotZero();
        assertThat(r.stderr()).contains("web-login: unexpected argument 'bob'");
        assertThat(gw.events("web.login")).isEmpty();
    }
}
