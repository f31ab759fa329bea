package dev.gatehouse.gateway.ssh;

import static dev.gatehouse.gateway.ssh.GatewayHarness.ELEVATED;
import static dev.gatehouse.gateway.ssh.GatewayHarness.STANDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.gatehouse.gateway.ssh.RawUserAuth.Kind;
import dev.gatehouse.gateway.ssh.RawUserAuth.Reply;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.recorder.AuditEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.auth.keyboard.UserInteraction;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md invariant 7 and R27 on the wire: a session's identity comes only from a verified
 * signature (and a second factor checked against that identity). Each test drives the real SSH
 * front packet by packet, as an attacker can, and reads the audit log the gateway wrote.
 */
class IdentityFromProofTest extends HarnessTest {
    /** Threat: public keys are public, so asking "would you accept this key?" for other people's keys makes the gateway record them as logged in. */
    @Test
    void keyQueriesForPublishedKeysSetNoIdentityAndAreNoSuccess() throws Exception {
        try (RawUserAuth c = gw.raw()) {
            for (String person : List.of("alice", "eve", "bob")) {
                assertThat(c.query(STANDING, gw.key(person).getPublic()).kind()).as("PK_OK for %s's key", person).isEqualTo(Kind.PK_OK);
            }
            assertThat(c.query(STANDING, gw.key("dave").getPublic())).as("a disabled owner's key").extracting(Reply::kind)
                    .isEqualTo(Kind.FAILURE);
            assertThat(c.none(STANDING).kind()).as("still not authenticated").isEqualTo(Kind.FAILURE);
        }
        assertThat(events("auth.success")).isEmpty();
        assertThat(events("auth.partial")).isEmpty();
        List<AuditEvent> queries = events("auth.query");
        assertThat(queries).extracting(e -> e.details().get("key")).containsExactly(
                SshKeys.fingerprint(gw.key("alice").getPublic()), SshKeys.fingerprint(gw.key("eve").getPublic()),
                SshKeys.fingerprint(gw.key("bob").getPublic()));
        assertThat(queries).allSatisfy(e -> {
            assertThat(e.user()).as("a query proves nobody").isNull();
            assertThat(e.outcome()).isEqualTo("accepted");
            assertThat(e.details()).containsEntry("request", "query");
        });
        assertThat(events("auth.failure")).singleElement().satisfies(e -> {
            assertThat(e.user()).isNull();
            assertThat(e.details()).containsEntry("request", "query").containsEntry("reason", "the key's owner is disabled");
        });
    }

    /** Threat: a request carrying a signature that does not verify is taken as proof of the key's owner. */
    @Test
    void aSignatureThatDoesNotVerifyIsAFailureAndNoSuccess() throws Exception {
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.signBadly("alice", gw.key("alice")).kind()).isEqualTo(Kind.FAILURE);
            assertThat(c.none("alice").kind()).isEqualTo(Kind.FAILURE);
        }
        assertThat(events("auth.success")).isEmpty();
        assertThat(events("auth.failure")).singleElement().satisfies(e -> {
            assertThat(e.user()).as("an unverified signature proves nobody").isNull();
            assertThat(e.details()).containsEntry("reason", "signature does not verify").containsEntry("request", "signed")
                    .containsEntry("key", SshKeys.fingerprint(gw.key("alice").getPublic()));
        });
    }

    /**
     * Threat: an engineer with a grant of her own signs with her key, offers the victim's public key
     * as a query, then answers the victim's TOTP prompt, and so acts as the victim.
     */
    @Test
    void aQueryForTheVictimsKeyAfterSigningDoesNotMakeTheSignerTheVictim() throws Exception {
        gw.enrollAndGrant("alice", "eve");
        Reply challenge;
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.sign(ELEVATED, gw.key("eve")).kind()).isEqualTo(Kind.FAILURE);
            assertThat(c.query(ELEVATED, gw.key("alice").getPublic()).kind()).isEqualTo(Kind.PK_OK);
            challenge = c.keyboardInteractive(ELEVATED);
            assertThat(challenge.kind()).isEqualTo(Kind.INFO_REQUEST);
            assertThat(c.answer(gw.totpCode("alice")).kind()).as("alice's code is no answer for eve").isEqualTo(Kind.FAILURE);
            assertThat(c.keyboardInteractive(ELEVATED).kind()).isEqualTo(Kind.INFO_REQUEST);
            assertThat(c.answer(gw.totpCode("eve")).kind()).isEqualTo(Kind.SUCCESS);
            c.exec("id -un"); // goes as far as the upstream connection: the harness's node is a closed port
        }
        assertThat(challenge.prompts()).as("the prompt names the signer").containsExactly("eve's TOTP code for " + ELEVATED + ": ");
        assertThat(usersOf("auth.success")).containsExactly("eve");
        assertThat(events("auth.totp")).extracting(AuditEvent::user, AuditEvent::outcome)
                .containsExactly(tuple("eve", "failure"), tuple("eve", "success"));
        assertThat(events("cert.issued")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("eve");
            assertThat(e.details().get("key_id")).startsWith("user=eve;");
        });
        assertThat(events("upstream.failure")).extracting(AuditEvent::user).containsOnly("eve");
        assertThat(events(null)).as("nothing after the start names alice but her grant")
                .filteredOn(e -> "alice".equals(e.user()) && e.type().startsWith("auth."))
                .isEmpty();
    }

    /** Threat: a client holding two people's keys authenticates as one, then signs with the other's key to become them midway. */
    @Test
    void aLaterSignatureByAnotherPersonsKeyDoesNotChangeTheIdentity() throws Exception {
        gw.enrollAndGrant("alice", "eve");
        Reply challenge;
        try (RawUserAuth c = gw.raw()) {
            Reply first = c.sign(ELEVATED, gw.key("alice"));
            assertThat(first.kind()).isEqualTo(Kind.FAILURE);
            Reply second = c.sign(ELEVATED, gw.key("eve"));
            assertThat(second.kind()).isEqualTo(Kind.FAILURE);
            assertThat(second.partialSuccess()).as("eve's signature is refused, not a step forward").isFalse();
            challenge = c.keyboardInteractive(ELEVATED);
            assertThat(c.answer(gw.totpCode("eve")).kind()).as("eve's code is no answer for alice").isEqualTo(Kind.FAILURE);
            assertThat(c.keyboardInteractive(ELEVATED).kind()).isEqualTo(Kind.INFO_REQUEST);
            assertThat(c.answer(gw.totpCode("alice")).kind()).isEqualTo(Kind.SUCCESS);
        }
        assertThat(challenge.prompts()).as("the prompt names the signer").containsExactly("alice's TOTP code for " + ELEVATED + ": ");
        assertThat(usersOf("auth.success")).containsExactly("alice");
        assertThat(usersOf("auth.totp")).containsOnly("alice");
        assertThat(events("auth.failure")).singleElement().satisfies(e -> {
            assertThat(e.user()).as("the connection's identity").isEqualTo("alice");
            assertThat(e.details()).containsEntry("key_owner", "eve")
                    .containsEntry("key", SshKeys.fingerprint(gw.key("eve").getPublic()));
        });
    }

    /** The second factor as RFC 4252 partial success: the signature alone is not a success, the code of the signer completes it. */
    @Test
    void partialSuccessThenKeyboardInteractiveAuthenticatesTheSigner() throws Exception {
        gw.enrollAndGrant("alice");
        try (RawUserAuth c = gw.raw()) {
            Reply signed = c.sign(ELEVATED, gw.key("alice"));
            assertThat(signed.kind()).isEqualTo(Kind.FAILURE);
            assertThat(signed.partialSuccess()).isTrue();
            assertThat(signed.methods()).containsExactly("keyboard-interactive");
            assertThat(events("auth.success")).as("nothing is a success before the second factor").isEmpty();
            assertThat(usersOf("auth.partial")).containsExactly("alice");
            Reply challenge = c.keyboardInteractive(ELEVATED);
            assertThat(challenge.prompts()).containsExactly("alice's TOTP code for " + ELEVATED + ": ");
            assertThat(c.answer(gw.totpCode("alice")).kind()).isEqualTo(Kind.SUCCESS);
        }
        assertThat(events("auth.success")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("methods", "publickey,keyboard-interactive");
        });
    }

    /** Threat: keyboard-interactive is used as a way in on its own, without any key. */
    @Test
    void keyboardInteractiveAloneAuthenticatesNobody() throws Exception {
        gw.enrollAndGrant("alice");
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.keyboardInteractive(ELEVATED).kind()).isEqualTo(Kind.FAILURE);
            assertThat(c.query(ELEVATED, gw.key("alice").getPublic()).kind()).isEqualTo(Kind.PK_OK);
            assertThat(c.keyboardInteractive(ELEVATED).kind()).as("a query opens no second-factor step").isEqualTo(Kind.FAILURE);
        }
        assertThat(events("auth.success")).isEmpty();
        assertThat(events("auth.totp")).isEmpty();
    }

    /**
     * Threat: the second factor is judged for one SSH user name and the connection then
     * authenticates with another that was never judged (the name is the client's claim).
     */
    @Test
    void theUserNameCannotChangeBetweenRequests() throws Exception {
        gw.enrollAndGrant("alice");
        try (RawUserAuth c = gw.raw()) {
            assertThat(c.sign(ELEVATED, gw.key("alice")).kind()).isEqualTo(Kind.FAILURE);
            assertThat(c.keyboardInteractive(STANDING).kind()).isEqualTo(Kind.DISCONNECTED);
        }
        assertThat(events("auth.success")).isEmpty();
        assertThat(events("auth.totp")).isEmpty();
    }

    /** Several keys in an agent, unknown ones first: the known one still logs in, as its owner. */
    @Test
    void severalKeysInAnAgentStillWork() throws Exception {
        try (ClientSession s = gw.client().connect("alice", gw.address()).verify(RawUserAuth.TIMEOUT).getSession()) {
            s.addPublicKeyIdentity(gw.key("mallory"));
            s.addPublicKeyIdentity(gw.key("alice"));
            s.auth().verify(RawUserAuth.TIMEOUT);
            assertThat(s.executeRemoteCommand("whoami")).contains("alice");
        }
        assertThat(usersOf("auth.success")).containsExactly("alice");
    }

    /** MINA's own client follows the partial success to keyboard-interactive and is asked as the signer. */
    @Test
    void aRealClientAnswersTheSecondFactorAsTheSigner() throws Exception {
        gw.enrollAndGrant("alice");
        List<String> asked = new ArrayList<>();
        try (ClientSession s = gw.client().connect(ELEVATED, gw.address()).verify(RawUserAuth.TIMEOUT).getSession()) {
            s.addPublicKeyIdentity(gw.key("alice"));
            s.setUserInteraction(new UserInteraction() {
                @Override
                public String[] interactive(ClientSession session, String name, String instruction, String lang,
                        String[] prompt, boolean[] echo) {
                    asked.addAll(List.of(prompt));
                    return new String[] {gw.totpCode("alice")};
                }

                @Override
                public String getUpdatedPassword(ClientSession session, String prompt, String lang) {
                    return null;
                }
            });
            s.auth().verify(RawUserAuth.TIMEOUT);
        }
        assertThat(asked).containsExactly("alice's TOTP code for " + ELEVATED + ": ");
        assertThat(usersOf("auth.success")).containsExactly("alice");
    }
}
