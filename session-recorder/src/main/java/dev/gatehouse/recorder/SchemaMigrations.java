package dev.gatehouse.recorder;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

/**
 * Schema migrations with Flyway (its core supports SQLite; flyway-database-postgresql adds
 * PostgreSQL). Scripts live in {@code db/gatehouse/<dialect>/V<n>__*.sql}; Flyway applies each
 * once, in a transaction, under its own lock, and records them in {@code flyway_schema_history}.
 */
final class SchemaMigrations {
    private SchemaMigrations() {}

    /** Migrates a writer's store to the newest schema. */
    static void migrate(DataSource dataSource, Dialect dialect, String where) {
        try {
            flyway(dataSource, dialect).migrate();
        } catch (FlywayException e) {
            throw new StoreUnavailableException("cannot migrate the audit store schema at " + where + ": "
                    + e.getMessage(), e);
        }
    }

    /** For read-only use: checks the schema is present and current, changes nothing. */
    static void check(DataSource dataSource, Dialect dialect, String where) {
        MigrationInfoService info;
        try {
            info = flyway(dataSource, dialect).info();
        } catch (FlywayException e) {
            throw new StoreUnavailableException("cannot read the audit store schema version at " + where + ": "
                    + e.getMessage(), e);
        }
        MigrationInfo current = info.current();
        if (current == null) {
            throw new StoreUnavailableException("no audit store schema at " + where
                    + ": start the gateway once to create it, or fix store.url");
        }
        if (info.pending().length > 0) {
            throw new StoreUnavailableException("the audit store at " + where + " has schema version "
                    + current.getVersion() + " but this version of gatehouse needs "
                    + info.pending()[info.pending().length - 1].getVersion()
                    + ": start the upgraded gateway once to migrate it");
        }
    }

    private static Flyway flyway(DataSource dataSource, Dialect dialect) {
        return Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(dialect.migrationLocation())
                .cleanDisabled(true)
                .load();
    }
}
