package dev.gatehouse.gateway;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.PolicyLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the policy file when it changes (polled once a second) or on SIGHUP. A broken file is
 * rejected with {@code file:line} and the old policy stays in force. After a good one,
 * {@code afterReload} judges live sessions and grants again (R28): what the new policy still
 * allows goes on untouched, what it no longer allows ends.
 */
final class PolicyWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyWatcher.class);

    private final Path file;
    private final PolicyHolder holder;
    private final AuditTrail audit;
    private final Runnable afterReload;
    private String lastText;

    PolicyWatcher(Path file, PolicyHolder holder, AuditTrail audit, String loadedText, Runnable afterReload) {
        this.file = file;
        this.holder = holder;
        this.audit = audit;
        this.lastText = loadedText;
        this.afterReload = afterReload;
    }

    static Policy load(Path file) throws IOException {
        return PolicyLoader.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    void schedule(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                reload(false);
            } catch (RuntimeException e) {
                LOG.error("policy reload failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** Re-reads the file; {@code forced} reloads even when unchanged (SIGHUP). */
    synchronized void reload(boolean forced) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (forced) {
                LOG.error("policy reload failed: cannot read {}: {}", file, e.getMessage());
            }
            return;
        }
        if (!forced && text.equals(lastText)) {
            return;
        }
        lastText = text;
        try {
            Policy policy = PolicyLoader.parse(text, file.toString());
            dev.gatehouse.gateway.web.upstream.GatewayAddresses.checkPolicy(policy, file.toString(), text);
            holder.replace(policy);
            LOG.info("policy reloaded from {}: {} users, {} nodes, {} roles", file, policy.users().size(), policy.nodes().size(), policy.roles().size());
            audit.append(audit.event(EventType.CONFIG_RELOAD, "success").with("file", file).with("users", policy.users().size())
                    .with("nodes", policy.nodes().size()));
            afterReload.run();
        } catch (ConfigException e) {
            LOG.error("policy reload rejected, keeping the previous policy: {}", e.getMessage());
            audit.append(audit.event(EventType.CONFIG_RELOAD, "failure").with("file", file).with("reason", e.getMessage()));
        }
    }
}
