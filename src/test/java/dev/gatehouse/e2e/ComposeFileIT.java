package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml runs two gateways behind HAProxy on one PostgreSQL (issue 13). No image is
 * pulled or built here: the test reads the compose file, both gateway configs and haproxy.cfg and
 * checks that they fit together, and then has a real Compose implementation check the file with
 * {@code config --quiet}: the {@code docker compose} plugin where it exists, otherwise Debian's
 * {@code docker-compose} (1.29), which {@code bin/test} installs when neither is there. Neither
 * needs a Docker daemon for {@code config}.
 */
class ComposeFileIT {
    private static final Path ROOT = Path.of(System.getProperty("gatehouse.root", ".")).toAbsolutePath().normalize();
    private static final Path DOCKER = ROOT.resolve("docker");

    @Test
    void composeRunsTwoGatewaysBehindHaproxyOnOnePostgres_readHereAndCheckedByDockerComposeConfig() {
        Map<String, Object> compose = yaml(DOCKER.resolve("compose.yaml"));
        Map<String, Object> services = map(compose, "services");
        assertThat(services).containsKeys("postgres", "gateway-a", "keys-copy", "gateway-b", "haproxy");

        // only HAProxy is reachable from outside, on localhost: SSH 2222 and HTTPS 8443
        services.forEach((name, s) -> {
            if (!name.equals("haproxy")) {
                assertThat(map(s).get("ports")).as(name + " publishes no port").isNull();
            }
        });
        Map<String, Object> haproxy = map(services.get("haproxy"));
        assertThat(list(haproxy, "ports")).containsExactlyInAnyOrder("127.0.0.1:2222:2222", "127.0.0.1:8443:8443");
        assertThat((String) haproxy.get("image")).startsWith("haproxy:");
        assertThat(list(haproxy, "volumes")).contains("./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");

        // each gateway: its own config and data volume, one database
        Map<String, Object> a = map(services.get("gateway-a"));
        Map<String, Object> b = map(services.get("gateway-b"));
        assertThat(list(a, "volumes")).contains("./gatehouse-a.yaml:/etc/gatehouse/gatehouse.yaml:ro", "gatehouse-a-data:/var/lib/gatehouse");
        assertThat(list(b, "volumes")).contains("./gatehouse-b.yaml:/etc/gatehouse/gatehouse.yaml:ro", "gatehouse-b-data:/var/lib/gatehouse");
        assertThat(map(map(a, "depends_on"), "postgres")).containsEntry("condition", "service_healthy");

        // gw-b starts only after gw-a's keys/ (and nothing else of gw-a's data) were copied into its volume
        assertThat(map(map(b, "depends_on"), "keys-copy")).containsEntry("condition", "service_completed_successfully");
        Map<String, Object> copy = map(services.get("keys-copy"));
        assertThat(map(map(copy, "depends_on"), "gateway-a")).containsEntry("condition", "service_healthy");
        assertThat(list(copy, "volumes")).containsExactlyInAnyOrder("gatehouse-a-data:/gw-a:ro", "gatehouse-b-data:/var/lib/gatehouse");
        String copyCommand = String.join(" ", list(copy, "entrypoint"));
        assertThat(copyCommand).contains("cp -a /gw-a/keys/. /var/lib/gatehouse/keys/").doesNotContain("instance-id");

        // the two configs differ only in instance.name and instance.advertise (each its own fixed
        // address, as the instances listen on every address: other instances call it there to
        // observe its sessions), and name the compose network's addresses
        Map<String, Object> configA = yaml(DOCKER.resolve("gatehouse-a.yaml"));
        Map<String, Object> configB = yaml(DOCKER.resolve("gatehouse-b.yaml"));
        assertThat(map(configA, "instance")).containsEntry("name", "gw-a");
        assertThat(map(configB, "instance")).containsEntry("name", "gw-b");
        assertThat(withoutInstanceNameAndAddress(configB)).isEqualTo(withoutInstanceNameAndAddress(configA));
        String ipA = address(services, "gateway-a");
        String ipB = address(services, "gateway-b");
        assertThat(map(configA, "instance")).containsEntry("advertise", ipA);
        assertThat(map(configB, "instance")).containsEntry("advertise", ipB);
        assertThat((String) map(configA, "store").get("url")).startsWith("jdbc:postgresql://" + address(services, "postgres") + ":5432/");
        assertThat(list(map(configA, "certificates"), "source_addresses")).containsExactlyInAnyOrder(ipA + "/32", ipB + "/32");
        String sshPort = port((String) map(configA, "ssh").get("listen"));
        String webPort = port((String) map(configA, "web").get("listen"));
        String opsPort = port((String) map(configA, "ops").get("listen"));

        // HAProxy: TCP mode, both ports, both gateways, health from each one's /readyz
        String cfg = Keys.read(DOCKER.resolve("haproxy.cfg"));
        assertThat(cfg).contains("mode tcp", "bind :2222", "bind :8443", "option httpchk GET /readyz", "check port " + opsPort);
        assertThat(servers(cfg)).containsExactlyInAnyOrder(
                ipA + ":" + sshPort, ipB + ":" + sshPort, ipA + ":" + webPort, ipB + ":" + webPort);

        // PROXY protocol: HAProxy sends a v2 header on every server line, and each gateway listener
        // reads one from HAProxy's fixed address only (plus, on SSH, the loopback of the image's
        // TCP health check); health checks go to the ops port, which takes no header, so HAProxy
        // must not send one there (check-send-proxy)
        String haproxyIp = address(services, "haproxy");
        assertThat(serverLines(cfg)).hasSize(4).allSatisfy(line -> assertThat(line).as(line).containsPattern("\\ssend-proxy-v2(\\s|$)"));
        assertThat(cfg).doesNotContain("check-send-proxy");
        for (Map<String, Object> config : List.of(configA, configB)) {
            assertThat(list(map(map(config, "ssh"), "proxy_protocol"), "from")).containsExactly(haproxyIp + "/32", "127.0.0.1/32");
            assertThat(list(map(map(config, "web"), "proxy_protocol"), "from")).containsExactly(haproxyIp + "/32");
        }
        assertThat(Keys.read(DOCKER.resolve("Dockerfile"))).as("the SSH health check only opens a TCP connection (no header)")
                .contains("exec 3<>/dev/tcp/127.0.0.1/" + sshPort);

        // the real gateway accepts both configs as written
        ConfigLoader.load(DOCKER.resolve("gatehouse-a.yaml"));
        ConfigLoader.load(DOCKER.resolve("gatehouse-b.yaml"));

        List<String> tool = composePluginWorks() ? List.of("docker", "compose") : List.of("docker-compose");
        List<String> command = new java.util.ArrayList<>(tool);
        command.addAll(List.of("-f", DOCKER.resolve("compose.yaml").toString(), "config", "--quiet"));
        Proc.Result config = Proc.run(command, null,
                Map.of("GATEHOUSE_DEMO_USER_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoDemoDemoDemoDemoDemoDemoDemoDemoDemoDemo demo"),
                Duration.ofSeconds(60));
        assertThat(config.exit()).as(String.join(" ", tool) + " config: " + config.describe()
                + " (bin/test installs docker-compose when no Compose is there)").isZero();
    }

    /** Whether {@code docker compose} (the plugin) runs here; false when docker itself is missing. */
    private static boolean composePluginWorks() {
        try {
            return Proc.run("docker", "compose", "version").exit() == 0;
        } catch (RuntimeException noDocker) {
            return false;
        }
    }

    private static Map<String, Object> withoutInstanceNameAndAddress(Map<String, Object> config) {
        Map<String, Object> copy = new LinkedHashMap<>(config);
        Map<String, Object> instance = new LinkedHashMap<>(map(config, "instance"));
        instance.remove("name");
        instance.remove("advertise");
        copy.put("instance", instance);
        return copy;
    }

    /** The fixed address of {@code service} on the compose network {@code demo}. */
    private static String address(Map<String, Object> services, String service) {
        String ip = (String) map(map(map(services.get(service)), "networks"), "demo").get("ipv4_address");
        assertThat(ip).as("fixed address of " + service).isNotBlank();
        return ip;
    }

    private static String port(String listen) {
        return listen.substring(listen.lastIndexOf(':') + 1);
    }

    /** The whole {@code server NAME HOST:PORT ...} lines of haproxy.cfg. */
    private static List<String> serverLines(String cfg) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*server\\s+.*$").matcher(cfg);
        while (m.find()) {
            out.add(m.group().strip());
        }
        return out;
    }

    /** {@code server NAME HOST:PORT} lines of haproxy.cfg. */
    private static List<String> servers(String cfg) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*server\\s+\\S+\\s+(\\S+)").matcher(cfg);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Map<String, Object> yaml(Path file) {
        return map(new Yaml().load(Keys.read(file)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        assertThat(node).isInstanceOf(Map.class);
        return (Map<String, Object>) node;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return map(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> parent, String key) {
        assertThat(parent.get(key)).as(key).isInstanceOf(List.class);
        return ((List<Object>) parent.get(key)).stream().map(String::valueOf).toList();
    }
}
