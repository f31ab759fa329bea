package dev.gatehouse.gateway.ssh;

import static dev.gatehouse.gateway.ssh.GatewayHarness.ELEVATED;
import static dev.gatehouse.gateway.ssh.GatewayHarness.FAILURES_PER_MINUTE;
import static dev.gatehouse.gateway.ssh.GatewayHarness.REFUSED_QUERIES_PER_MINUTE;
import static dev.gatehouse.gateway.ssh.GatewayHarness.STANDING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.ssh.RawUserAuth.Kind;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * R24 and R30 on the wire: every limit is keyed by something its victim cannot share with the
 * attacker. Before authentication that is the source (here two loopback addresses: 127.0.0.2 is
 * the stranger, 127.0.0.1 everyone else); after the signature it is the person.
 */
class AuthLimitKeysTest extends HarnessTest {
    private static final String STRANGER = "127.0.0.2";

    /** Signs with mallory's key (in no policy) from {@code source}, over as many connections as it takes, {@code failures} times. */
    private void failFrom(String source, String sshUser, int failures) throws Exception {
        int sent = 0;
        while (sent < failures) {
            try (RawUserAuth c = gw.rawFrom(source)) {
                for (int i = 0; i < 2 && sent < failures; i++, sent++) {
                    assertThat(c.sign(sshUser, gw.key("mallory")).kind()).isEqualTo(Kind.FAILURE);
                }
            }
        }
    }

    /** Asks about mallory's key (in no policy) from {@code source}, over as many connections as it takes, {@code queries} times. */
    private void queryUnknownKeyFrom(String source, int queries) throws Exception {
        int sent = 0;
        while (sent < queries) {
            try (RawUserAuth c = gw.rawFrom(source)) {
                for (int i = 0; i < 2 && sent < queries; i++, sent++) {
                    assertThat(c.query(STANDING, gw.key("mallory").getPublic()).kind()).isEqualTo(Kind.FAILURE);
                }
            }
        }
    }

    /**
     * Threat: an agent that offers a key the gateway does not know before its owner's (OpenSSH asks
     * about every agent key in turn) drains the source's failure bucket, locking out the owner and
     * everyone behind the same address.
     */
    @Test
    void unknownKeysAnAgentOffersFirstDoNotLockOutTheirOwner() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (int i = 1; i <= FAILURES_PER_MINUTE + 2; i++) {
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
        assertThat(events("auth.throttled")).isEmpty();
        assertThat(events("auth.failure")).as("each refused query is still recorded").hasSize(FAILURES_PER_MINUTE + 2)
                .allSatisfy(e -> assertThat(e.details()).containsEntry("request", "query").containsEntry("reason", "unknown key"));
    }

    /**
     * Threat: a source asks about key after key (public keys are public, so this costs it nothing)
     * to learn which ones the gateway knows, without bound.
     */
    @Test
    void refusedKeyQueriesAreBoundedPerSourceApartFromFailures() throws Exception {
        queryUnknownKeyFrom(STRANGER, REFUSED_QUERIES_PER_MINUTE);
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.query(STANDING, gw.key("alice").getPublic()).kind()).as("no more answers to this source's queries")
                    .isEqualTo(Kind.FAILURE);
            assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("its signatures are still checked: queries are no failures")
                    .isEqualTo(Kind.SUCCESS);
        }
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.query(STANDING, gw.key("alice").getPublic()).kind()).as("another source").isEqualTo(Kind.PK_OK);
        }
        assertThat(events("auth.throttled")).singleElement().satisfies(e -> {
            assertThat(e.source()).startsWith(STRANGER + ":");
            assertThat(e.details()).containsEntry("request", "query").containsEntry("reason", "too many refused key queries from this source");
        });
        gw.clock.advance(Duration.ofMinutes(1));
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.query(STANDING, gw.key("alice").getPublic()).kind()).as("a minute later").isEqualTo(Kind.PK_OK);
        }
    }

    /** Threat: signatures that do not verify are taken for harmless queries, so a source may send them without bound. */
    @Test
    void signaturesThatDoNotVerifyStillCountAsFailuresAgainstTheSource() throws Exception {
        int sent = 0;
        while (sent < FAILURES_PER_MINUTE) {
            try (RawUserAuth c = gw.rawFrom(STRANGER)) {
                for (int i = 0; i < 2 && sent < FAILURES_PER_MINUTE; i++, sent++) {
                    assertThat(c.signBadly(STANDING, gw.key("alice")).kind()).isEqualTo(Kind.FAILURE);
                }
            }
        }
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("the source is held back").isEqualTo(Kind.FAILURE);
        }
        assertThat(events("auth.throttled")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("request", "signed").containsEntry("reason", "too many failed attempts from this source"));
    }

    /**
     * Threat: a stranger fails logins on a node login's SSH user name ({@code aiops@gpu-node-1},
     * shared by every engineer) to keep everyone else off that node.
     */
    @Test
    void aStrangersFailuresOnASharedLoginNameDoNotLockOutOtherSources() throws Exception {
        failFrom(STRANGER, STANDING, FAILURES_PER_MINUTE + 2);
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("alice, from another source").isEqualTo(Kind.SUCCESS);
        }
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("the failing source itself is held back").isEqualTo(Kind.FAILURE);
        }
        assertThat(events("auth.throttled")).isNotEmpty().allSatisfy(e -> assertThat(e.source()).startsWith(STRANGER + ":"));
        gw.clock.advance(Duration.ofMinutes(1));
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("a minute later").isEqualTo(Kind.SUCCESS);
        }
    }

    /** Threat: anyone's wrong TOTP codes (five from any user) refuse everyone's second factor. */
    @Test
    void onePersonsWrongTotpCodesDoNotLockOutAnother() throws Exception {
        gw.enrollAndGrant("alice", "eve");
        int wrong = 0;
        while (wrong < 5) {
            try (RawUserAuth c = gw.rawFrom(STRANGER)) {
                c.sign(ELEVATED, gw.key("eve"));
                for (int i = 0; i < 2 && wrong < 5; i++, wrong++) {
                    assertThat(c.keyboardInteractive(ELEVATED).kind()).isEqualTo(Kind.INFO_REQUEST);
                    assertThat(c.answer(gw.wrongTotpCode("eve")).kind()).isEqualTo(Kind.FAILURE);
                }
            }
        }
        try (RawUserAuth c = gw.raw()) {
            c.sign(ELEVATED, gw.key("eve"));
            c.keyboardInteractive(ELEVATED);
            assertThat(c.answer(gw.totpCode("eve")).kind()).as("eve's own right code, while she is throttled").isEqualTo(Kind.FAILURE);
        }
        try (RawUserAuth c = gw.raw()) {
            c.sign(ELEVATED, gw.key("alice"));
            assertThat(c.keyboardInteractive(ELEVATED).kind()).isEqualTo(Kind.INFO_REQUEST);
            assertThat(c.answer(gw.totpCode("alice")).kind()).as("alice is not held back by eve's failures").isEqualTo(Kind.SUCCESS);
        }
        assertThat(events("auth.totp")).filteredOn(e -> "failure".equals(e.outcome())).extracting(AuditEvent::user).containsOnly("eve");
    }

    /** Threat: one source holds open enough unauthenticated connections to exhaust the gateway for everyone. */
    @Test
    void unauthenticatedConnectionsAreCappedPerSource() throws Exception {
        List<RawUserAuth> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < GatewayHarness.UNAUTHENTICATED_PER_SOURCE; i++) {
                RawUserAuth c = gw.rawFrom(STRANGER);
                held.add(c);
                assertThat(c.isOpen()).as("connection %d", i + 1).isTrue();
            }
            try (RawUserAuth over = gw.rawFrom(STRANGER)) {
                assertThat(over.none(STANDING).kind()).as("one over the cap").isEqualTo(Kind.DISCONNECTED);
            }
            try (RawUserAuth c = gw.raw()) {
                assertThat(c.sign(STANDING, gw.key("alice")).kind()).as("another source").isEqualTo(Kind.SUCCESS);
            }
        } finally {
            for (RawUserAuth c : held) {
                c.close();
            }
        }
        assertThat(events("connection.refused")).singleElement().satisfies(e -> assertThat(e.source()).startsWith(STRANGER + ":"));
    }

    /** Threat: key queries cost nothing to send, so one source fills the audit store with them. */
    @Test
    void keyQueriesFromOneSourceCannotFloodTheAuditLog() throws Exception {
        int answered = 0;
        while (answered < SshFront.PRE_AUTH_EVENTS_PER_MINUTE + 20) {
            try (RawUserAuth c = gw.rawFrom(STRANGER)) {
                while (answered < SshFront.PRE_AUTH_EVENTS_PER_MINUTE + 20 && c.query(STANDING, gw.key("alice").getPublic()).kind() == Kind.PK_OK) {
                    answered++;
                }
            }
        }
        assertThat(events("auth.query")).hasSize(SshFront.PRE_AUTH_EVENTS_PER_MINUTE);
        assertThat(events("audit.suppressed")).singleElement().satisfies(e -> assertThat(e.source()).isEqualTo(STRANGER));
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.query(STANDING, gw.key("alice").getPublic()).kind()).isEqualTo(Kind.PK_OK);
        }
        assertThat(events("auth.query")).as("another source is recorded as usual").hasSize(SshFront.PRE_AUTH_EVENTS_PER_MINUTE + 1);
        gw.clock.advance(Duration.ofSeconds(1));
        try (RawUserAuth c = gw.rawFrom(STRANGER)) {
            assertThat(c.query(STANDING, gw.key("alice").getPublic()).kind()).isEqualTo(Kind.PK_OK);
        }
        List<AuditEvent> queries = events("auth.query");
        assertThat(queries.get(queries.size() - 1).details()).as("what was left out is counted").containsEntry("suppressed_before", "20");
    }
}
