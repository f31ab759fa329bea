package dev.gatehouse.bench;

import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import dev.gatehouse.policy.PolicyLoader;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** {@code PolicyEvaluator.decide} latency on a policy of {@code users} users and as many nodes. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyDecisionBench {
    @Param({"1000"})
    public int users;

    private PolicyEvaluator evaluator;
    private String user;
    private String node;
    private final Instant now = Instant.parse("2026-06-01T12:00:00Z");

    @Setup
    public void setUp() {
        String key = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        StringBuilder y = new StringBuilder("forbidden_logins: [toor]\nusers:\n");
        for (int i = 0; i < users; i++) {
            // each user needs a key of their own; a varied suffix is enough for a distinct line
            y.append("  - name: user").append(i).append("\n    keys: [\"")
                    .append(SshKeys.toLine(SshKeys.generateEd25519().getPublic())).append("\"]\n")
                    .append("    roles: [").append(i % 2 == 0 ? "engineer" : "auditor").append("]\n");
        }
        y.append("nodes:\n");
        for (int i = 0; i < users; i++) {
            y.append("  - name: gpu-node-").append(i).append("\n    address: 10.0.").append(i / 250).append('.')
                    .append(i % 250 + 1).append(":22\n    host_key: \"").append(key).append("\"\n")
                    .append("    labels: {tenant: team-a, gpu: h100}\n");
        }
        y.append("roles:\n  - name: engineer\n    logins: [aiops]\n    nodes: {tenant: team-a}\n"
                + "  - name: auditor\n    permissions: [audit]\n");
        evaluator = PolicyEvaluator.of(PolicyLoader.parse(y.toString(), "bench-policy.yaml"));
        user = "user" + (users / 2 - 2 + (users / 2) % 2); // an engineer in the middle
        node = "gpu-node-" + (users - 1);
        Decision d = evaluator.decide(user, "aiops", node);
        if (!d.allowed()) {
            throw new IllegalStateException("benchmark policy should allow " + user + ": " + d);
        }
    }

    @Benchmark
    public Decision standingAllow() {
        return evaluator.decide(user, "aiops", node);
    }

    @Benchmark
    public Decision rootDenied() {
        return evaluator.decide(user, "root", node);
    }

    @Benchmark
    public Decision withStateAllow() {
        return evaluator.decide(user, "aiops", node, AccessState.empty(), now);
    }
}
