package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.recorder.InstanceRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways on one PostgreSQL (a fresh schema of 127.0.0.1:5432): the second one started from
 * a copy of the first one's data folder, instance-id included. Threat: two processes appending to
 * one audit chain fork it (and one marks the other's live sessions as crashed at its start).
 */
class DuplicateChainStartTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @TempDir
    Path dir;
    String schema;

    @BeforeEach
    void schema() throws Exception {
        schema = "gh_dup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        }
    }

    @AfterEach
    void drop() throws Exception {
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    Path config(String name) throws IOException {
        return config(name, "ssh: {listen: \"127.0.0.1:0\"}", "web: {enabled: false}", "instance: {name: " + name + "}");
    }

    Path config(String name, String ssh, String web, String instance) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        Files.writeString(home.resolve("policy.yaml"), "users: []\n");
        Files.writeString(home.resolve("gatehouse.yaml"), String.join("\n",
                "data_dir: data",
                ssh,
                web,
                "ops: {enabled: false}",
                "store:",
                "  url: \"" + SERVER + "&currentSchema=" + schema + "\"",
                instance,
                "policy: policy.yaml",
                ""));
        return home.resolve("gatehouse.yaml");
    }

    @Test
    void aCopiedInstanceIdIsRefusedWhileTheFirstRunsAndItsStartWritesNothing() throws Exception {
        Path first = config("gw-a");
        try (Gateway a = Gateway.start(ConfigLoader.load(first), Clock.systemUTC())) {
            Path second = config("gw-b");
            copy(dir.resolve("gw-a/data"), dir.resolve("gw-b/data"));
            String chain = Files.readString(dir.resolve("gw-a/data/instance-id")).strip();
            a.services().audit().store().flush();
            long before = a.services().audit().store().events(dev.gatehouse.recorder.EventQuery.all()).size();

            assertThatThrownBy(() -> Gateway.start(ConfigLoader.load(second), Clock.systemUTC()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(dir.resolve("gw-b/data/instance-id") + ":1: another gateway instance runs audit chain "
                            + chain)
                    .hasMessageContaining("'gw-a'").hasMessageContaining("data_dir/instance-id copied from another instance?");
            a.services().audit().store().flush();
            assertThat(a.services().audit().store().events(dev.gatehouse.recorder.EventQuery.all())).hasSize((int) before);
            assertThat(a.services().audit().store().instanceRegistry().instances())
                    .extracting(InstanceRegistry.Instance::name).containsExactly("gw-a");
        }
        // a graceful stop frees the chain at once
        try (Gateway again = Gateway.start(ConfigLoader.load(dir.resolve("gw-b/gatehouse.yaml")), Clock.systemUTC())) {
            assertThat(again.services().directory().name()).isEqualTo("gw-b");
        }
    }

    /**
     * Threat: an instance listening on every address (as in the compose demo) registers a wildcard,
     * so others cannot call it to observe its sessions; instance.advertise names where it is reached.
     */
    @Test
    void anInstanceOnWildcardsRegistersItsAdvertisedHostWithTheBoundPorts() throws Exception {
        Path home = config("gw-w", "ssh: {listen: \"0.0.0.0:0\"}", "web: {listen: \"0.0.0.0:0\"}",
                "instance: {name: gw-w, advertise: 127.0.0.1}");
        try (Gateway w = Gateway.start(ConfigLoader.load(home), Clock.systemUTC())) {
            assertThat(w.services().audit().store().instanceRegistry().instances()).singleElement().satisfies(i -> {
                assertThat(i.sshListen()).isEqualTo("127.0.0.1:" + w.address().getPort());
                assertThat(i.webListen()).isEqualTo("127.0.0.1:" + w.webAddress().orElseThrow().getPort());
            });
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
