package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files in config/ that users copy are valid as shipped. */
class ShippedConfigIT {
    private static final Path ROOT = Path.of(System.getProperty("gatehouse.root", ".")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void exampleGatewayConfigStartsAndStopsCleanly() throws Exception {
        Path cfgDir = Files.createDirectories(tmp.resolve("config"));
        String gatehouse = Keys.read(ROOT.resolve("config/gatehouse.yaml"));
        assertThat(gatehouse).contains("listen: 127.0.0.1:2222");
        // the only change: a free port instead of 2222, so the test cannot collide with anything
        // and the same for HTTPS (8443)
        Keys.write(cfgDir.resolve("gatehouse.yaml"), gatehouse.replace("listen: 127.0.0.1:2222", "listen: 127.0.0.1:0")
                .replace("listen: 127.0.0.1:8443", "listen: 127.0.0.1:0").replace("listen: 127.0.0.1:9464", "listen: 127.0.0.1:0"));
        Files.copy(ROOT.resolve("config/policy.yaml"), cfgDir.resolve("policy.yaml"));
        Path log = tmp.resolve("gateway.log");
        Process p = Proc.builder(List.of(Gateway.java(), "-jar", Gateway.jar().toString(), "serve", "--config",
                        cfgDir.resolve("gatehouse.yaml").toString()), Map.of())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + Gateway.START_TIMEOUT.toNanos();
            while (!Keys.read(log).contains("gatehouse: listening on 127.0.0.1:")) {
                assertThat(p.isAlive()).as("gateway exited early:\n" + Keys.read(log)).isTrue();
                assertThat(System.nanoTime()).as("no listening line:\n" + Keys.read(log)).isLessThan(deadline);
                NodeSshd.sleep(100);
            }
            // data_dir ../data resolves against the config's folder
            assertThat(tmp.resolve("data")).isDirectory();
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(p.exitValue()).as(Keys.read(log)).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Threat: the node snippet users install silently fails to turn off root, passwords or forwarding,
     * or lets a forwarding certificate reach beyond the node's loopback or listen on the node.
     */
    @Test
    void nodeSnippetIsValidAndEffective() {
        Path hostKey = tmp.resolve("hk");
        Keys.generate(hostKey, "snippet-check");
        Path cfg = tmp.resolve("sshd_config");
        Keys.write(cfg, String.join("\n",
                "Include " + ROOT.resolve("config/node/sshd_config"),
                "Port " + NodeSshd.freePort(),
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile " + tmp.resolve("sshd.pid"),
                // a later value must not override the snippet (sshd keeps the first one it reads)
                "PermitRootLogin yes",
                "PasswordAuthentication yes",
                ""));
        Proc.Result r = Proc.run(List.of("/usr/sbin/sshd", "-T", "-f", cfg.toString()), null, Map.of(),
                Duration.ofSeconds(30)).requireSuccess();
        List<String> effective = r.stdout().lines().toList();
        assertThat(effective).contains(
                "permitrootlogin no",
                "passwordauthentication no",
                "kbdinteractiveauthentication no",
                "authorizedkeysfile none",
                "trustedusercakeys /etc/ssh/gatehouse_user_ca.pub",
                "authorizedprincipalsfile /etc/ssh/gatehouse_principals/%u",
                "allowagentforwarding no",
                "allowtcpforwarding local",
                "permitopen 127.0.0.1:* [::1]:*",
                "permitlisten none",
                "allowstreamlocalforwarding no",
                "x11forwarding no",
                "permittunnel no",
                "loglevel VERBOSE");
    }
}
