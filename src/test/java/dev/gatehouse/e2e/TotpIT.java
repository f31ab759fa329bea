package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The TOTP second factor for elevated logins ({@code second_factor: totp} on mlops@gpu-node-1):
 * the real ssh client answers the keyboard-interactive prompt through an SSH_ASKPASS script that
 * prints the code this test computed from the secret {@code totp enroll} showed. Alice holds one
 * active grant for the whole class; only one test gets a code accepted, so no test waits for a
 * fresh 30 s step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TotpIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(true);
    }

    /** The prompt names the person whose key signed, and the login it is for. */
    private static final String PROMPT = "alice's TOTP code for " + ELEVATED + ": ";

    private Gateway.User alice;
    private TotpCodes authenticator;
    private String grantId;
    private Path askpassDir;
    private String acceptedCode;

    @BeforeAll
    void start() throws IOException {
        alice = gw.alice();
        askpassDir = Files.createTempDirectory(gw.dir(), "askpass-");
        Path script = askpassDir.resolve("askpass");
        // ssh runs this with the prompt as $1: log the prompt, answer with the code the test put in place
        Keys.write(script, "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + askpassDir.resolve("prompts") + "'\ncat '"
                + askpassDir.resolve("code") + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        Proc.Result enrol = gw.shell(alice, "totp enroll").requireSuccess();
        String secret = field(enrol, "secret: ");
        String uri = field(enrol, "uri: ");
        assertThat(uri).startsWith("otpauth://totp/").contains("secret=" + secret);
        authenticator = new TotpCodes(secret);
        grantId = Json.text(Elevations.activeGrant(gw, "30m"), "id");
    }

    private static String field(Proc.Result r, String prefix) {
        return r.stdout().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line\n" + r.describe()));
    }

    /**
     * The real ssh client, without BatchMode, no terminal ({@code setsid}, stdin from /dev/null),
     * answering keyboard-interactive prompts with {@code code} through SSH_ASKPASS, once.
     */
    private Proc.Result sshAnswering(String code, String sshUser, String command) {
        Keys.write(askpassDir.resolve("code"), code + "\n");
        List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
        for (String option : gw.sshPrefix(alice)) {
            cmd.add(option.equals("BatchMode=yes") ? "BatchMode=no" : option);
        }
        cmd.addAll(List.of("-o", "NumberOfPasswordPrompts=1", "-o", "PreferredAuthentications=publickey,keyboard-interactive",
                "-l", sshUser, "127.0.0.1", command));
        return Proc.run(cmd, null, Map.of("SSH_ASKPASS", askpassDir.resolve("askpass").toString(),
                "SSH_ASKPASS_REQUIRE", "force", "DISPLAY", ":0"), Proc.DEFAULT_TIMEOUT);
    }

    private List<String> prompts() {
        Path p = askpassDir.resolve("prompts");
        return Files.exists(p) ? Keys.read(p).lines().toList() : List.of();
    }

    private Set<String> eventIds() {
        Set<String> ids = new HashSet<>();
        gw.auditLog().forEach(e -> ids.add(Json.text(e, "id")));
        return ids;
    }

    /** Threat: a stolen SSH key alone opens an elevated session that policy protects with a second factor. */
    @Test
    @Order(1)
    void batchModeCannotPassTheSecondFactor() {
        long connections = node.connectionCount();
        Proc.Result r = gw.ssh(alice, ELEVATED, "id -un");
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("Permission denied");
        assertThat(node.connectionCount()).as("nothing reached the node").isEqualTo(connections);
        // the standing login needs no second factor
        assertThat(gw.ssh(alice, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
    }

    /** Threat: guessing six digits gets past the second factor. */
    @Test
    @Order(2)
    void aWrongCodeIsRefused() {
        Set<String> before = eventIds();
        long connections = node.connectionCount();
        int promptsBefore = prompts().size();
        Proc.Result r = sshAnswering(authenticator.wrongCode(Instant.now()), ELEVATED, "id -un");
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stdout()).isEmpty();
        assertThat(prompts().subList(promptsBefore, prompts().size())).as("the client was asked once")
                .singleElement().satisfies(p -> assertThat(p).endsWith(PROMPT)); // OpenSSH prefixes "(user@host) "
        assertThat(node.connectionCount()).isEqualTo(connections);
        gw.awaitEvent("auth.totp failure", e -> Json.type("auth.totp").test(e) && "failure".equals(Json.text(e, "outcome"))
                && !before.contains(Json.text(e, "id")));
    }

    @Test
    @Order(3)
    void theCurrentCodeAnsweredAtThePromptOpensTheElevatedSession() {
        Set<String> before = eventIds();
        int promptsBefore = prompts().size();
        acceptedCode = authenticator.code(TotpCodes.step(Instant.now()));
        Proc.Result r = sshAnswering(acceptedCode, ELEVATED, "id -un");
        assertThat(r.exit()).as(r.describe() + "\nprompts: " + prompts()).isZero();
        assertThat(r.stdout()).isEqualTo(Accounts.MLOPS + "\n");
        assertThat(prompts().subList(promptsBefore, prompts().size())).singleElement().satisfies(p -> assertThat(p).endsWith(PROMPT));
        JsonNode ok = gw.awaitEvent("auth.totp success", e -> Json.type("auth.totp").test(e)
                && "success".equals(Json.text(e, "outcome")) && !before.contains(Json.text(e, "id")));
        assertThat(Json.text(ok, "user")).isEqualTo("alice");
        gw.awaitEvent("cert.issued under " + grantId, e -> Json.type("cert.issued").test(e)
                && grantId.equals(Json.text(e, "grant_id")) && !before.contains(Json.text(e, "id")));
    }

    /** Threat: a code seen over someone's shoulder (or in a log) is used a second time. */
    @Test
    @Order(4)
    void anAcceptedCodeCannotBeReplayed() {
        assertThat(acceptedCode).as("runs after the accepted login").isNotNull();
        long connections = node.connectionCount();
        Proc.Result r = sshAnswering(acceptedCode, ELEVATED, "id -un");
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stdout()).isEmpty();
        assertThat(node.connectionCount()).isEqualTo(connections);
    }

    /** Threat: a stolen SSH key replaces the victim's TOTP secret with the attacker's own. */
    @Test
    @Order(5)
    void reEnrolmentNeedsTheCurrentCode() {
        assertRefused(gw.shell(alice, "totp enroll"), "already enrolled");
        assertRefused(gw.shell(alice, "totp enroll --code " + authenticator.wrongCode(Instant.now())), "already enrolled");
        gw.awaitEvent("totp.enroll denied", e -> Json.type("totp.enroll").test(e) && "denied".equals(Json.text(e, "outcome")));
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }

    /**
     * Threat: a code seen once (shoulder-surfed, phished) is replayed after the gateway restarted,
     * while it is still inside its validity window.
     */
    @Test
    @Order(6)
    void anAcceptedCodeCannotBeReplayedAfterARestart() {
        // the next step's code: accepted now (one step of skew) and valid for at least 30 s more
        long step = TotpCodes.step(Instant.now()) + 1;
        String code = authenticator.code(step);
        Proc.Result first = sshAnswering(code, ELEVATED, "id -un");
        assertThat(first.exit()).as(first.describe()).isZero();
        assertThat(gw.stop()).as(gw.log()).isZero();
        gw.restart();
        assertThat(TotpCodes.step(Instant.now())).as("the code is still inside its window, so only replay protection can refuse it")
                .isLessThanOrEqualTo(step + 1);
        Proc.Result replay = sshAnswering(code, ELEVATED, "id -un");
        assertThat(replay.stdout()).as("the same code opened a second elevated session after a restart\n" + replay.describe())
                .isEmpty();
        assertThat(replay.exit()).as(replay.describe()).isEqualTo(255);
    }

    @Test
    @Order(0)
    void theTestsAuthenticatorAgreesWithRfc6238() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082, of which authenticators show the last six digits
        String rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of "12345678901234567890"
        assertThat(new TotpCodes(rfcSecret).code(TotpCodes.step(Instant.ofEpochSecond(59)))).isEqualTo("287082");
    }
}
