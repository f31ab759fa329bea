package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.recorder.Asciicast;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.VerifyReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Plays a session in the terminal after verifying its recording's hash chain (R18). */
@Command(name = "replay", description = "Replay a recorded session in this terminal (verified first).")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Option(names = "--speed", defaultValue = "1", description = "playback speed factor (default ${DEFAULT-VALUE})")
    double speed;

    @Override
    public Integer call() throws Exception {
        if (!(speed > 0 && speed <= 10_000)) {
            throw new Main.UsageException("--speed must be between 0 and 10000");
        }
        try (AuditStore store = config.openStore()) {
            if (store.session(id).isEmpty()) {
                System.err.println("gatehouse: no session '" + Views.escape(id) + "'");
                return Main.FAILED;
            }
            VerifyReport report = store.verifyRecording(id);
            if (!report.intact()) {
                System.err.println("gatehouse: recording failed verification, not replaying: "
                        + Views.escape(report.firstProblem()));
                return Main.FAILED;
            }
            // the recorded user chose every byte: what could act on this terminal (clipboard, titles,
            // answers typed back) is dropped, as when an admin observes a live session
            java.io.PrintStream shown = new java.io.PrintStream(
                    dev.gatehouse.gateway.shell.TerminalOutputFilter.onto(System.out), false);
            Asciicast.replay(store.recording(id), shown, speed,
                    micros -> Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000));
            shown.flush();
        }
        return Main.OK;
    }
}
