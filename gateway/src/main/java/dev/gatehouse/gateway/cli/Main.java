package dev.gatehouse.gateway.cli;

import dev.gatehouse.policy.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code gatehouse}: the gateway and the operator's local tools. Exit codes: 0 success, 1 the
 * thing asked for failed (or verification found a problem), 2 bad arguments or configuration.
 */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, version = "gatehouse 0.1.0",
        description = "Privileged-access gateway for AI compute nodes.",
        subcommands = {ServeCommand.class, CaCommand.class, SessionsCommand.class, ReplayCommand.class,
            ExportCommand.class, AuditCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try --help)");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof ConfigException) {
                err.println(e.getMessage());
                err.flush();
                return USAGE;
            }
            if (e instanceof UsageException) {
                err.println("gatehouse: " + e.getMessage());
                err.flush();
                return USAGE;
            }
            err.println("gatehouse: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            err.flush();
            return FAILED;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("gatehouse: " + e.getMessage());
            err.flush();
            return USAGE;
        });
        return cli.execute(args);
    }

    /** Bad arguments that picocli cannot see (exit 2). */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
