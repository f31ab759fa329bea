package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * Review (issue 9, R24/R30): a key query for a key the gateway does not know is no guess at a
 * credential (OpenSSH clients ask about every agent key in turn), yet it counts as a failure
 * against the source's bucket (AuthAudit.keyRefused). One engineer whose agent holds one other key
 * and who runs eleven commands through the gateway in a minute locks themselves, and everyone
 * behind the same address, out: their own valid key is then refused unchecked.
 */
class ReviewAgentKeysThrottleTest extends HarnessTest {
    @Test
    void anAgentWithOneOtherKeyDoesNotLockItsOwnerOut() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (int i = 1; i <= GatewayHarness.FAILURES_PER_MINUTE + 2; i++) {
            try (ClientSession s = gw.client().connect("alice", gw.address()).verify(RawUserAuth.TIMEOUT).getSession()) {
                s.addPublicKeyIdentity(gw.key("mallory")); // e.g. a GitHub key, offered first by the agent
                s.addPublicKeyIdentity(gw.key("alice"));
                s.auth().verify(RawUserAuth.TIMEOUT);
                outcomes.add(i + ": ok");
            } catch (Exception e) {
                outcomes.add(i + ": " + e.getMessage());
            }
        }
        assertThat(outcomes).as("alice's own key, after one unknown agent key per connection").allMatch(o -> o.endsWith(": ok"));
    }
}
