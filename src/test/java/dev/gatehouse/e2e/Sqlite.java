package dev.gatehouse.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The sqlite3 CLI, used the way an attacker with file access would use it. */
final class Sqlite {
    private static final List<String> TABLES = List.of("audit_events", "recording_chunks", "checkpoints", "chains",
            "access_requests", "access_decisions", "access_locks", "access_issued", "totp_secrets", "access_chain");

    private Sqlite() {}

    /** Rows of a query, each split on tabs. */
    static List<String[]> query(Path db, String sql) {
        return exec(db, sql).lines().map(l -> l.split("\t", -1)).toList();
    }

    static String exec(Path db, String sql) {
        if (!Files.isExecutable(Path.of("/usr/bin/sqlite3"))) {
            throw new IllegalStateException("/usr/bin/sqlite3 is missing: install sqlite3 (bin/test does)");
        }
        Proc.Result r = Proc.run("sqlite3", "-batch", "-noheader", "-separator", "\t", db.toString(), sql);
        if (r.exit() != 0 || !r.stderr().isBlank()) {
            throw new AssertionError("sqlite3 failed\n" + r.describe());
        }
        return r.stdout();
    }

    /** A consistent copy (includes anything still in the WAL). */
    static Path backup(Path db, Path copy) {
        exec(db, ".backup '" + copy + "'");
        return copy;
    }

    /** What an attacker does first: the append-only triggers are in the way of UPDATE and DELETE. */
    static void dropTriggers(Path db) {
        StringBuilder sql = new StringBuilder();
        for (String table : TABLES) {
            sql.append("DROP TRIGGER IF EXISTS ").append(table).append("_no_update;\n");
            sql.append("DROP TRIGGER IF EXISTS ").append(table).append("_no_delete;\n");
        }
        exec(db, sql.toString());
    }

    /** Proves the triggers exist: a plain UPDATE or DELETE is refused. */
    static Proc.Result tryWrite(Path db, String sql) {
        return Proc.run("sqlite3", "-batch", db.toString(), sql);
    }

    static String[] row(Path db, String sql) {
        List<String[]> rows = query(db, sql);
        if (rows.size() != 1) {
            throw new AssertionError("expected one row from " + sql + ", got " + rows.size() + ": "
                    + rows.stream().map(Arrays::toString).toList());
        }
        return rows.get(0);
    }
}
