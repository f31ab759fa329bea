package dev.gatehouse.gateway.cli;

import picocli.CommandLine;

/** A command that only groups subcommands: run on its own, it is a usage error (exit 2). */
abstract class CommandGroup implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The one line shown when no subcommand was given. */
    abstract String usage();

    @Override
    public final void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), usage());
    }
}
