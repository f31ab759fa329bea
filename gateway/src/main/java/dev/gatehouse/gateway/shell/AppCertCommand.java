package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.ClientCertificate;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.policy.App;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code app-cert APP@NODE [--for DURATION]}: a short-lived X.509 client certificate (mTLS) for
 * one app on one node, printed as PEM, the certificate then its PKCS#8 key, so that
 * {@code ssh GATEWAY app-cert APP@NODE > me.pem} gives a file {@code curl --cert me.pem} takes.
 *
 * <p>The policy decides as for opening the app in a browser ({@link PolicyEvaluator#decideApp}).
 * The lifetime is {@code --for} (default {@link #DEFAULT_TTL}, at most
 * {@link TlsCertificateAuthority#MAX_CLIENT_TTL}), cut to the grant's end when the app's login is
 * reached through a grant. The key pair is made here. Issuing is audited ({@code app.cert.issued})
 * before the PEM is printed; a refusal is one line, a non-zero exit and an {@code app.denied} event.
 */
final class AppCertCommand {
    // TODO(web-front): take the default from web.app_cert_ttl (GatewayConfig.Web) once it exists.
    /** Lifetime when {@code --for} is not given ({@code web.app_cert_ttl}'s default). */
    static final Duration DEFAULT_TTL = Duration.ofHours(1);

    private final GatewayServices services;
    private final Identity identity;
    private final Duration defaultTtl;

    AppCertCommand(GatewayServices services, Identity identity, Duration defaultTtl) {
        this.services = services;
        this.identity = identity;
        this.defaultTtl = defaultTtl;
    }

    /** @return exit status: 0 with the PEM on {@code out}, or 1 with the refusal on {@code err} */
    int run(List<String> arguments, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(arguments);
        Duration ttl;
        try {
            Map<String, String> options = AccessCommands.options(args, Set.of("--for"));
            ttl = options.containsKey("--for") ? AccessCommands.duration(options.get("--for")) : defaultTtl;
        } catch (IllegalArgumentException e) {
            return ShellCommands.refuse(err, e.getMessage());
        }
        String usage = "app-cert APP@NODE [--for 30m]";
        if (args.size() > 1) {
            return ShellCommands.refuse(err, ShellUsage.unexpected("app-cert", args.get(1), usage).getMessage());
        }
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            return ShellCommands.refuse(err, "usage: " + usage);
        }
        String target = args.get(0);
        int at = target.indexOf('@');
        if (at <= 0 || at == target.length() - 1 || target.indexOf('@', at + 1) >= 0) {
            return ShellCommands.refuse(err, "app-cert needs APP@NODE (for example jupyter@gpu-node-1), not '"
                    + Views.escape(target) + "'");
        }
        String app = target.substring(0, at);
        String node = target.substring(at + 1);
        if (ttl.isZero() || ttl.compareTo(TlsCertificateAuthority.MAX_CLIENT_TTL) > 0) {
            return ShellCommands.refuse(err, "--for must be between 1s and " + AccessCommands.human(TlsCertificateAuthority.MAX_CLIENT_TTL));
        }

        var snapshot = services.policy().current();
        Instant now = services.clock().instant();
        Decision decision = snapshot.evaluator().decideApp(identity.user(), app, node, services.access().state(), now);
        if (!decision.allowed()) {
            return deny(err, app, node, decision.reason());
        }
        App declared = snapshot.policy().app(app).orElse(null);
        if (declared == null) {
            return deny(err, app, node, "no app '" + app + "'"); // the policy allowed an app it does not declare: fail closed
        }
        if (decision.viaGrant() && snapshot.evaluator().secondFactor(declared.login(), node).isPresent()) {
            // the gateway shell cannot ask for the code, and the certificate would skip it for its whole life
            return deny(err, app, node, "login '" + declared.login() + "' on " + node + " needs a second factor, which app-cert"
                    + " cannot ask for; open the app in the browser instead");
        }
        if (!services.audit().acceptingSessions()) {
            return deny(err, app, node, AuditTrail.refusedWhileDown("certificates"));
        }
        Instant notAfter = now.plus(ttl);
        if (decision.viaGrant() && decision.grantEnd().isBefore(notAfter)) {
            notAfter = decision.grantEnd();
        }
        ClientCertificate issued;
        try {
            issued = services.tlsCa().clientCertificate(Optional.empty(), identity.user(), app, node, notAfter);
        } catch (CertificateRefusedException e) {
            return deny(err, app, node, e.getMessage());
        }
        boolean recorded = services.audit().append(services.audit().event(EventType.APP_CERT_ISSUED, "success")
                .withUser(identity.user()).withSource(identity.source())
                .withTarget(node, declared.login()).withGrantId(decision.grantId())
                .with("app", app).with("cert_serial", issued.serialHex()).with("not_after", issued.notAfter()));
        if (!recorded && !services.audit().acceptingSessions()) {
            // a credential never leaves without its audit record
            return ShellCommands.refuse(err, AuditTrail.refusedWhileDown("certificates"));
        }
        out.print(issued.pem());
        out.flush();
        return 0;
    }

    private int deny(PrintStream err, String app, String node, String reason) {
        services.audit().append(services.audit().event(EventType.APP_DENIED, "denied")
                .withUser(identity.user()).withSource(identity.source())
                .withTarget(node, null).with("app", app).with("reason", reason).with("via", "app-cert"));
        return ShellCommands.refuse(err, reason);
    }
}
