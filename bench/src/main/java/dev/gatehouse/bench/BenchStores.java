package dev.gatehouse.bench;

import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/** Opens real audit stores for the benchmarks: SQLite in a temp dir, PostgreSQL in a throwaway schema. */
final class BenchStores {
    /** Override with -Dgatehouse.bench.pg=jdbc:postgresql://HOST:PORT/DB?user=U */
    static final String PG_URL = System.getProperty("gatehouse.bench.pg",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private BenchStores() {}

    /** A store and what to remove after it. */
    record Handle(AuditStore store, Runnable cleanup) implements AutoCloseable {
        @Override
        public void close() {
            try {
                store.close();
            } finally {
                cleanup.run();
            }
        }
    }

    static Handle open(String kind) throws Exception {
        switch (kind) {
            case "sqlite": {
                Path dir = Files.createTempDirectory("gatehouse-bench-store-");
                AuditStore s = AuditStore.open(StoreBench.options("jdbc:sqlite:" + dir.resolve("audit.db")));
                return new Handle(s, () -> deleteTree(dir));
            }
            case "postgres": {
                String schema = "gatehouse_bench_" + Long.toHexString(System.nanoTime());
                sql("CREATE SCHEMA " + schema);
                String url = PG_URL + (PG_URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
                AuditStore s = AuditStore.open(StoreBench.options(url));
                return new Handle(s, () -> sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
            }
            default:
                throw new IllegalArgumentException("store was '" + kind + "'; use sqlite or postgres");
        }
    }

    static CheckpointSigner signer() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        JwsSigner jws = JwsSigner.es256(pair);
        return CheckpointSigner.of(jws::sign, jws::verify);
    }

    private static void sql(String statement) {
        try (Connection c = DriverManager.getConnection(PG_URL); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL at " + PG_URL + " refused: " + statement
                    + " (set -Dgatehouse.bench.pg=... to another database)", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp dir left behind is harmless
        }
    }
}
