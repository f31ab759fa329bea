package dev.gatehouse.gateway.cli;

import dev.gatehouse.recorder.Asciicast;
import dev.gatehouse.recorder.AuditStore;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Writes a recording as asciicast v2 to stdout. */
@Command(name = "export", description = "Write a session recording as asciicast v2 (for asciinema play).")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
        try (AuditStore store = config.openStore()) {
            if (store.session(id).isEmpty()) {
                System.err.println("gatehouse: no session '" + id + "'");
                return Main.FAILED;
            }
            Writer out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
            Asciicast.export(store.recording(id), out);
            out.flush();
        }
        return Main.OK;
    }
}
