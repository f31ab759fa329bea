package dev.gatehouse.e2e;

/** The gateway config and policy the suite runs with, shaped exactly as the contract's examples. */
final class GatewayFiles {
    private GatewayFiles() {}

    static String config(Gateway.Options options, String dataDir, String storeUrl, String policy) {
        return String.join("\n",
                "# written by the e2e suite",
                "data_dir: " + dataDir,
                "ssh:",
                "  listen: 127.0.0.1:0",
                "  idle_timeout: 30m",
                "store:",
                "  url: " + storeUrl,
                "  fail_closed: true",
                "certificates:",
                "  ttl: 2m",
                "  source_addresses: [127.0.0.1/32]",
                "recording:",
                "  record_input: " + options.recordInput,
                "  stream_cap: " + options.streamCap,
                "policy: " + policy,
                "");
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

    private static String pub(Gateway.User u) {
        return Keys.publicLine(u.key().resolveSibling(u.name() + ".pub")) + " " + u.name() + "@e2e";
    }
}
