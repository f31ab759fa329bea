package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.recorder.AuditStore;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Runs the gateway until SIGTERM or SIGINT, then drains the recorder and exits 0; exits 1 when the
 * audit store could not take everything (what it could not write is kept in the spill file).
 */
@Command(name = "serve", description = "Run the gateway.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    @SuppressWarnings("removal")
    public Integer call() throws Exception {
        GatewayConfig cfg = config.load();
        Gateway gateway = Gateway.start(cfg, Clock.systemUTC());
        CountDownLatch stop = new CountDownLatch(1);
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> stop.countDown());
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> stop.countDown());
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> gateway.reloadPolicy());
        System.out.println("gatehouse: listening on " + dev.gatehouse.gateway.config.HostPort.format(gateway.address()));
        // after the SSH line, which scripts and the tests read first
        gateway.webAddress().ifPresent(web -> System.out.println("gatehouse: web listening on "
                + dev.gatehouse.gateway.config.HostPort.format(web)));
        gateway.opsAddress().ifPresent(ops -> System.out.println("gatehouse: ops listening on "
                + dev.gatehouse.gateway.config.HostPort.format(ops)));
        System.out.flush();
        stop.await();
        System.out.println("gatehouse: stopping; draining the audit store");
        System.out.flush();
        gateway.close();
        AuditStore.Shutdown shutdown = gateway.storeShutdown().orElse(AuditStore.Shutdown.DRAINED);
        if (!shutdown.drained()) {
            System.out.println("gatehouse: stopped, but the audit store could not drain: " + Gateway.stopProblem(shutdown));
            System.out.flush();
            return Main.FAILED;
        }
        System.out.println("gatehouse: stopped");
        System.out.flush();
        return Main.OK;
    }
}
