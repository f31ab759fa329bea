package dev.gatehouse.e2e;

import java.util.ArrayList;
import java.util.List;

/** The gateway config and policy the suite runs with, shaped exactly as the contract's examples. */
final class GatewayFiles {
    private GatewayFiles() {}

    static String config(Gateway.Options options, String dataDir, String storeUrl, String policy) {
        return String.join("\n",
                "# written by the e2e suite",
                "data_dir: " + dataDir,
                "ssh:",
                "  listen: \"" + options.listen + "\"",
                "  idle_timeout: 30m",
                String.join("\n", options.ssh.stream().map(l -> "  " + l).toList()),
                "store:",
                "  url: " + storeUrl,
                "  fail_closed: true",
                "certificates:",
                "  ttl: 2m",
                "  source_addresses: [127.0.0.1/32]",
                "recording:",
                options.recordStreams ? "  # streams: true (the default)" : "  streams: false",
                "  record_input: " + options.recordInput,
                "  stream_cap: " + options.streamCap,
                "policy: " + policy,
                web(options),
                "ops: {listen: \"127.0.0.1:0\"}", // never the default 9464: suites run side by side
                options.extraConfig == null ? "" : options.extraConfig,
                "");
    }

    /** The {@code web:} section when the test turned the HTTPS listener on, else nothing. */
    private static String web(Gateway.Options options) {
        if (options.web == null) {
            // the listener is on by default: a free port, never 8443, as suites run side by side
            return "web: {listen: \"127.0.0.1:0\"}";
        }
        List<String> lines = new ArrayList<>(List.of(
                "web:",
                "  listen: \"127.0.0.1:0\"",
                "  hostname: " + options.webHostname));
        options.web.forEach(l -> lines.add("  " + l));
        return String.join("\n", lines);
    }

    /** alice: engineer (aiops on tenant team-a); carol: auditor; dave: engineer, disabled. */
    static String policy(String nodeAddress, String hostKey, Gateway.User alice, Gateway.User carol,
            Gateway.User dave) {
        return String.join("\n",
                "# written by the e2e suite",
                "forbidden_logins: [toor]",
                "users:",
                "  - name: alice",
                "    keys: [\"" + pub(alice) + "\"]",
                "    roles: [engineer]",
                "  - name: carol",
                "    keys: [\"" + pub(carol) + "\"]",
                "    roles: [auditor]",
                "  - name: dave",
                "    keys: [\"" + pub(dave) + "\"]",
                "    roles: [engineer]",
                "    disabled: true",
                "nodes:",
                "  - name: " + Gateway.NODE,
                "    address: " + nodeAddress,
                "    host_key: \"" + hostKey + "\"",
                "    labels: {tenant: team-a, gpu: h100}",
                "roles:",
                "  - name: engineer",
                "    logins: [" + Accounts.AIOPS + "]",
                "    nodes: {tenant: team-a}",
                "  - name: auditor",
                "    permissions: [audit]",
                "");
    }

    /** Tenant team-a's second node, where elevation needs two approvals (same sshd as gpu-node-1). */
    static final String CRITICAL_NODE = "gpu-node-2";
    /** Tenant team-b's node (same sshd, but policy puts it in another tenant). */
    static final String TENANT_B_NODE = "gpu-node-b";
    /** The people {@link #elevationPolicy} names besides alice, carol and dave. */
    static final String[] ELEVATION_USERS = {"bob", "erin", "frank"};

    /**
     * A two-tenant policy with just-in-time elevation to {@code mlops}. Tenant team-a: alice
     * (engineer), bob (approver and admin), erin (engineer and approver), carol (auditor), dave
     * (engineer, disabled). Tenant team-b: frank (engineer, approver and admin). Engineers hold
     * {@code aiops} on every gpu node, so only tenancy keeps frank off team-a's nodes. Elevation to
     * {@code mlops}: on {@code tier: critical} nodes two approvals, elsewhere one (with a TOTP
     * second factor when {@code totp}); at most 1 h, a reason required.
     */
    static String elevationPolicy(Gateway gw, boolean totp) {
        String address = gw.node().address();
        String hostKey = gw.node().hostPublicKey();
        List<String> lines = new ArrayList<>(List.of(
                "# written by the e2e suite (elevation)",
                "forbidden_logins: [toor]",
                "users:"));
        lines.addAll(user(gw, "alice", "team-a", "engineer", false));
        lines.addAll(user(gw, "bob", "team-a", "approver, admin", false));
        lines.addAll(user(gw, "erin", "team-a", "engineer, approver", false));
        lines.addAll(user(gw, "carol", "team-a", "auditor", false));
        lines.addAll(user(gw, "dave", "team-a", "engineer", true));
        lines.addAll(user(gw, "frank", "team-b", "engineer, approver, admin", false));
        lines.add("nodes:");
        lines.addAll(node(Gateway.NODE, address, hostKey, "{tenant: team-a, gpu: h100}"));
        lines.addAll(node(CRITICAL_NODE, address, hostKey, "{tenant: team-a, gpu: h100, tier: critical}"));
        lines.addAll(node(TENANT_B_NODE, address, hostKey, "{tenant: team-b, gpu: h100}"));
        lines.addAll(List.of(
                "roles:",
                "  - name: engineer",
                "    logins: [" + Accounts.AIOPS + "]",
                "    nodes: {gpu: h100}",
                "  - name: approver",
                "  - name: admin",
                "    permissions: [admin]",
                "  - name: auditor",
                "    permissions: [audit]",
                "elevations:",
                "  - login: " + Accounts.MLOPS,
                "    nodes: {tier: critical}",
                "    max_duration: 1h",
                "    approvals: 2",
                "    requesters: [engineer]",
                "    approvers: [approver]",
                "    require_reason: true",
                "  - login: " + Accounts.MLOPS,
                "    nodes: {gpu: h100}",
                "    max_duration: 1h",
                "    approvals: 1",
                "    requesters: [engineer]",
                "    approvers: [approver]",
                "    require_reason: true"));
        if (totp) {
            lines.add("    second_factor: totp");
        }
        lines.add("");
        return String.join("\n", lines);
    }

    /** The people {@link #appsPolicy} names besides alice, carol and dave. */
    static final String[] APPS_USERS = {"bob"};

    /**
     * The policy of the HTTPS app tests: the contract's {@code apps:} shape on gpu-node-1 (tenant
     * team-a). {@code targets} maps an app name to its node-local URL; each becomes an app with
     * login aiops, except {@code *-ml} apps, whose login is mlops, which alice holds only through
     * an approved elevation (so their sessions rest on a grant). The engineer role (alice, dave
     * disabled) lists every app except {@code vault}, which no role lists. bob is approver and
     * admin (locks), carol the auditor.
     */
    static String appsPolicy(Gateway gw, java.util.Map<String, String> targets) {
        List<String> lines = new ArrayList<>(List.of(
                "# written by the e2e suite (apps)",
                "forbidden_logins: [toor]",
                "users:"));
        lines.addAll(user(gw, "alice", "team-a", "engineer", false));
        lines.addAll(user(gw, "bob", "team-a", "approver, admin", false));
        lines.addAll(user(gw, "carol", "team-a", "auditor", false));
        lines.addAll(user(gw, "dave", "team-a", "engineer", true));
        lines.add("nodes:");
        lines.addAll(node(Gateway.NODE, gw.node().address(), gw.node().hostPublicKey(), "{tenant: team-a, gpu: h100}"));
        lines.add("apps:");
        List<String> listed = new ArrayList<>();
        targets.forEach((name, target) -> {
            lines.addAll(List.of(
                    "  - name: " + name,
                    "    nodes: {tenant: team-a}",
                    "    target: " + target,
                    "    login: " + (name.endsWith("-ml") ? Accounts.MLOPS : Accounts.AIOPS)));
            if (!name.equals("vault")) {
                listed.add(name);
            }
        });
        lines.addAll(List.of(
                "roles:",
                "  - name: engineer",
                "    logins: [" + Accounts.AIOPS + "]",
                "    nodes: {tenant: team-a}",
                "    apps: [" + String.join(", ", listed) + "]",
                "  - name: approver",
                "  - name: admin",
                "    permissions: [admin]",
                "  - name: auditor",
                "    permissions: [audit]",
                "elevations:",
                "  - login: " + Accounts.MLOPS,
                "    nodes: {tenant: team-a}",
                "    max_duration: 1h",
                "    approvals: 1",
                "    requesters: [engineer]",
                "    approvers: [approver]",
                ""));
        return String.join("\n", lines);
    }

    private static List<String> user(Gateway gw, String name, String tenant, String roles, boolean disabled) {
        List<String> l = new ArrayList<>(List.of(
                "  - name: " + name,
                "    keys: [\"" + pub(gw.user(name)) + "\"]",
                "    tenant: " + tenant,
                "    roles: [" + roles + "]"));
        if (disabled) {
            l.add("    disabled: true");
        }
        return l;
    }

    private static List<String> node(String name, String address, String hostKey, String labels) {
        return List.of(
                "  - name: " + name,
                "    address: " + address,
                "    host_key: \"" + hostKey + "\"",
                "    labels: " + labels);
    }

    /** The user's public key line as the policy lists it. */
    static String pub(Gateway.User u) {
        return Keys.publicLine(u.key().resolveSibling(u.name() + ".pub")) + " " + u.name() + "@e2e";
    }
}
