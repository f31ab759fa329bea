package dev.gatehouse.gateway;

import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.access.SecondFactor;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.ssh.upstream.UpstreamConnector;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.recorder.SessionRecorder;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every session handler needs, built once by {@link Gateway}.
 *
 * @param config start-up configuration
 * @param clock time source
 * @param policy current policy and CA
 * @param audit the audit log
 * @param recorder session recordings
 * @param upstream connections to nodes
 * @param sessions live sessions
 * @param commandPool runs gateway-shell commands (they may read the store)
 * @param timer timeouts and periodic work
 * @param access elevation requests, grants and locks
 * @param totp TOTP second factor
 * @param tlsCa the HTTPS CA: server certificate, {@code app-cert} client certificates
 * @param webLogin one-time browser login links ({@code web-login}); empty when {@code web.enabled} is false
 * @param apiTokens console API tokens ({@code api-token}); empty when {@code web.enabled} is false
 * @param changes announcements of shared-state changes by this and other instances on the same store
 * @param directory this instance among those sharing the store: their live sessions, terminations between them
 */
public record GatewayServices(
        GatewayConfig config,
        Clock clock,
        PolicyHolder policy,
        AuditTrail audit,
        SessionRecorder recorder,
        UpstreamConnector upstream,
        SessionRegistry sessions,
        ExecutorService commandPool,
        ScheduledExecutorService timer,
        AccessService access,
        SecondFactor totp,
        TlsCertificateAuthority tlsCa,
        java.util.Optional<dev.gatehouse.gateway.web.WebLogin> webLogin,
        java.util.Optional<dev.gatehouse.gateway.web.console.ApiTokens> apiTokens,
        dev.gatehouse.recorder.ChangeFeed changes,
        dev.gatehouse.gateway.access.LiveDirectory directory) {}
