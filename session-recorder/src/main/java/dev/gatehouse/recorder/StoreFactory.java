package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;

/** Checks options, opens the pool, migrates (writers) or checks (read-only) the schema, starts the store. */
final class StoreFactory {
    private StoreFactory() {}

    static AuditStore open(StoreOptions options) {
        check(options);
        Dialect dialect = Dialect.of(options.jdbcUrl());
        boolean readOnly = options.chainId() == null;
        String where = redact(options.jdbcUrl());
        HikariDataSource dataSource = DataSources.open(options.jdbcUrl(), dialect, readOnly);
        try {
            if (readOnly) {
                SchemaMigrations.check(dataSource, dialect, where);
            } else {
                SchemaMigrations.migrate(dataSource, dialect, where);
            }
            return new JdbcAuditStore(options, dialect, dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Validates the options once, saying what is wrong and what to do. */
    static void check(StoreOptions o) {
        if (o == null) {
            throw new IllegalArgumentException("store options are required");
        }
        if (o.jdbcUrl() == null || o.jdbcUrl().isBlank()) {
            throw new IllegalArgumentException("store.url is empty: set jdbc:sqlite:PATH or jdbc:postgresql://...");
        }
        if (o.clock() == null) {
            throw new IllegalArgumentException("the audit store needs a clock");
        }
        String chain = o.chainId();
        if (chain != null) {
            if (chain.isBlank() || chain.length() > 200 || chain.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("chain id '" + chain
                        + "' is invalid: use 1-200 printable characters (e.g. the gateway's host name)");
            }
            if (o.signer() == null) {
                throw new IllegalArgumentException("a writing audit store needs a checkpoint signer (the audit key)");
            }
        }
        positive("queue capacity", o.queueCapacity());
        if (o.queueBytes() < 1 || o.queueBytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("queue bytes is " + o.queueBytes() + ": it must be between 1 and "
                    + Integer.MAX_VALUE);
        }
        positive("batch size", o.batchSize());
        positive("checkpoint every", o.checkpointEvery());
        positive("append timeout", o.appendTimeout());
        positive("checkpoint interval", o.checkpointInterval());
        if (o.witnessFiles() == null) {
            throw new IllegalArgumentException("witness files must be a list (empty for none), not null");
        }
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " is " + value + ": it must be at least 1");
        }
    }

    private static void positive(String what, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " is " + value + ": it must be a positive duration");
        }
    }

    /** The URL with any password masked, for messages and logs. */
    static String redact(String jdbcUrl) {
        if (jdbcUrl == null) {
            return null;
        }
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1****").replaceAll("//([^/:@]+):[^@/]*@", "//$1:****@");
    }
}
