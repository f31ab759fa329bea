package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.GatewayKeys;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.TlsPem;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Prints the gateway's public keys for nodes' and clients' trust files. */
@Command(name = "ca", description = "Show the gateway's CA and host keys.", subcommands = CaCommand.Show.class)
final class CaCommand extends CommandGroup {
    @Override
    String usage() {
        return "usage: gatehouse ca show ssh-user|ssh-host|tls";
    }

    @Command(name = "show", description = "ssh-user: the line for a node's TrustedUserCAKeys; ssh-host: the gateway's host key for known_hosts;"
            + " tls: the HTTPS CA certificate (PEM) for browsers and curl to trust.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(index = "0", paramLabel = "ssh-user|ssh-host|tls")
        String which;

        @Override
        public Integer call() throws Exception {
            if (!which.equals("ssh-user") && !which.equals("ssh-host") && !which.equals("tls")) {
                throw new Main.UsageException("unknown key '" + which + "': use ssh-user, ssh-host or tls");
            }
            GatewayKeys keys = GatewayKeys.forTools(config.load());
            if (which.equals("tls")) {
                System.out.print(TlsPem.certificate(keys.existingTlsCaCertificate()));
                return Main.OK;
            }
            KeyPair pair = keys.existingSshKey(which.equals("ssh-user") ? GatewayKeys.USER_CA : GatewayKeys.HOST_KEY);
            System.out.println(SshKeys.toLine(pair.getPublic()) + (which.equals("ssh-user") ? " gatehouse-user-ca" : " gatehouse-host"));
            return Main.OK;
        }
    }
}
