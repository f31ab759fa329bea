package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.gateway.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port another program holds is named in the error, with the setting that moves it: an operator
 * who starts a second gateway (or has something on 2222 or 8443) is told which address and which
 * key, not only "Address already in use".
 */
class ListenClashTest {
    @TempDir
    Path dir;

    private Gateway start(String sshListen, String webListen) throws IOException {
        return start(sshListen, webListen, "127.0.0.1:0");
    }

    private Gateway start(String sshListen, String webListen, String opsListen) throws IOException {
        Files.writeString(dir.resolve("policy.yaml"), "users: []\nnodes: []\nroles: []\n");
        Files.writeString(dir.resolve("gatehouse.yaml"), String.join("\n",
                "data_dir: data",
                "ssh:",
                "  listen: \"" + sshListen + "\"",
                "web:",
                "  listen: \"" + webListen + "\"",
                "ops:",
                "  listen: \"" + opsListen + "\"",
                "policy: policy.yaml",
                ""));
        return Gateway.start(ConfigLoader.load(dir.resolve("gatehouse.yaml")), Clock.systemUTC());
    }

    @Test
    void aTakenSshPortNamesTheAddressAndSshListen() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> start(address, "127.0.0.1:0").close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen for SSH on " + address + " (ssh.listen)");
        }
    }

    @Test
    void aTakenHttpsPortNamesTheAddressAndWebListen() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> start("127.0.0.1:0", address).close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen for HTTPS on " + address + " (web.listen)");
        }
    }

    @Test
    void aTakenOpsPortNamesTheAddressAndOpsListen() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> start("127.0.0.1:0", "127.0.0.1:0", address).close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen for operations on " + address + " (ops.listen");
        }
    }
}
