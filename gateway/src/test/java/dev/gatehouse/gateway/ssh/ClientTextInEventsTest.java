package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.gateway.ssh.RawUserAuth.Kind;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.StoredEvent;
import java.util.List;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Threat: text a client chose (its SSH user name) is stored already escaped, so the JSON of the
 * audit log is not what was sent and the text view escapes it twice; or it is shown raw and drives
 * the auditor's terminal. The rule: events store the raw value, every human view escapes it.
 */
class ClientTextInEventsTest extends HarnessTest {
    /** ESC (a screen clear), a bidi override and a backslash, which an escaped copy would double. */
    private static final String HOSTILE_USER = "alice\u001b[2J\u202etxt.exe\\x1b";

    @Test
    void aHostileUserNameIsStoredExactlyInAuthEventsAndShownEscaped() throws Exception {
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.query(HOSTILE_USER, gw.key("alice").getPublic()).kind()).isEqualTo(Kind.PK_OK);
            assertThat(c.query(HOSTILE_USER, gw.key("mallory").getPublic()).kind()).isEqualTo(Kind.FAILURE);
            assertThat(c.sign(HOSTILE_USER, gw.key("alice")).kind()).isEqualTo(Kind.SUCCESS);
        }
        List<StoredEvent> auth = gw.events(null, e -> e.event().type().startsWith("auth."));
        assertThat(auth).extracting(e -> e.event().type()).containsExactly("auth.query", "auth.failure", "auth.success");
        assertThat(auth).allSatisfy(e -> assertThat(e.event().details()).containsEntry("ssh_user", HOSTILE_USER));
        assertShownEscaped(auth);
    }

    @Test
    void aHostileUserNameIsStoredExactlyInForwardRefusals() throws Exception {
        try (ClientSession s = gw.client().connect(HOSTILE_USER, gw.address()).verify(RawUserAuth.TIMEOUT).getSession()) {
            s.addPublicKeyIdentity(gw.key("alice"));
            s.auth().verify(RawUserAuth.TIMEOUT);
            try (ChannelDirectTcpip tunnel = s.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 1),
                    new SshdSocketAddress("127.0.0.1", 22))) {
                assertThatThrownBy(() -> tunnel.open().verify(RawUserAuth.TIMEOUT)).as("forwarding is off").isNotNull();
            }
        }
        List<StoredEvent> refused = gw.events("forward.refused");
        assertThat(refused).singleElement().satisfies(e -> assertThat(e.event().details()).containsEntry("ssh_user", HOSTILE_USER));
        assertShownEscaped(refused);
    }

    private static void assertShownEscaped(List<StoredEvent> events) {
        String text = Views.eventsText(events);
        assertThat(Printable.firstUnsafe(text.replace("\n", ""))).as(text).isEqualTo(-1);
        assertThat(text.lines()).hasSize(events.size()).allSatisfy(line -> assertThat(line)
                .contains("ssh_user=" + Printable.escape(HOSTILE_USER)).contains("ssh_user=alice\\x1b[2J\\u202etxt.exe\\\\x1b"));
    }
}
