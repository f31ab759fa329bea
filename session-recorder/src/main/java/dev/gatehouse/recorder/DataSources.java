package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the HikariCP pool for a store URL, preparing the SQLite file first. */
final class DataSources {
    private static final Logger log = LoggerFactory.getLogger(DataSources.class);

    /**
     * Page size of a new SQLite store. Recordings are stored as 64 KiB chunks; with SQLite's
     * default 4 KiB pages each chunk is 17 overflow pages, every one written to the WAL as its own
     * frame (two writes) and again by the checkpoint. 16 KiB pages halve the writer's CPU per
     * recorded byte (bench/ANALYSIS.md); larger pages gain nothing more and make every commit of
     * a few small audit rows write bigger frames. SQLite fixes the page size when the first page
     * is written, so this applies to stores created from now on; older stores keep theirs.
     */
    static final int SQLITE_PAGE_SIZE = 16_384;

    /** Default wait for a lock before a write fails (and the writer retries, reporting unhealthy). */
    static final int DEFAULT_LOCK_TIMEOUT_MS = 5_000;

    /**
     * pgjdbc logs through java.util.logging, past the gateway's log escaping and scrubbing; its
     * messages may quote statements. Held here: java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger PGJDBC_LOG = java.util.logging.Logger.getLogger("org.postgresql");

    static {
        PGJDBC_LOG.setLevel(java.util.logging.Level.OFF);
    }

    private DataSources() {}

    static HikariDataSource open(String jdbcUrl, Dialect dialect, boolean readOnly) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("gatehouse-audit");
        config.setConnectionTimeout(5_000);
        config.setMinimumIdle(1);
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        if (dialect == Dialect.SQLITE) {
            prepareSqliteFile(jdbcUrl, readOnly);
            // One writer plus concurrent readers (WAL lets readers run beside the writer).
            config.setMaximumPoolSize(4);
            config.addDataSourceProperty("journal_mode", "WAL");
            // FULL: a committed batch survives power loss, not just a process crash.
            config.addDataSourceProperty("synchronous", "FULL");
            if (!lower.contains("busy_timeout")) {
                config.addDataSourceProperty("busy_timeout", String.valueOf(DEFAULT_LOCK_TIMEOUT_MS));
            }
        } else {
            config.setMaximumPoolSize(6);
            // Errors must not carry record contents (user names, fingerprints) into logs: without
            // this, pgjdbc puts every bound value of a failed batch into its exception's message
            // ("Batch entry 0 INSERT ... VALUES (...)"), and server details ("Failing row contains").
            config.addDataSourceProperty("logServerErrorDetail", "false");
            if (!lower.contains("lock_timeout")) {
                // A table locked by someone else must surface as a failed write (unhealthy), not a silent stall.
                config.setConnectionInitSql("SET lock_timeout = '" + DEFAULT_LOCK_TIMEOUT_MS + "ms'");
            }
        }
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("cannot connect to the audit store at " + StoreFactory.redact(jdbcUrl)
                    + ": " + e.getMessage() + "; check that the database is running and the URL is right", e);
        }
    }

    /** Creates the data directory and a 0600 database file before SQLite opens it. */
    private static void prepareSqliteFile(String jdbcUrl, boolean readOnly) {
        Path file = sqlitePath(jdbcUrl);
        try {
            if (Files.exists(file)) {
                restrict(file);
                if (!readOnly && Files.size(file) == 0) {
                    initialise(file); // created by an earlier start that stopped before SQLite wrote to it
                }
                return;
            }
            if (readOnly) {
                throw new StoreUnavailableException("no audit store at " + file
                        + ": start the gateway once to create it, or fix store.url");
            }
            Path parent = file.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                if (posix(parent.getRoot())) {
                    Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(parent);
                }
            }
            try {
                if (posix(parent)) {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
                } else {
                    Files.createFile(file);
                }
            } catch (FileAlreadyExistsException raced) {
                restrict(file);
                return;
            }
            initialise(file);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot create the audit store file " + file + ": " + e, e);
        }
    }

    /**
     * Writes the first page of an empty database: the page size, then WAL mode (which fixes the
     * page size from then on). The pool's connections then find a WAL database of that page size.
     */
    private static void initialise(Path file) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = " + SQLITE_PAGE_SIZE);
            s.execute("PRAGMA journal_mode = WAL");
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot initialise the audit store file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void restrict(Path file) {
        if (!posix(file)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("could not restrict {} to mode 0600: {}", file, e.toString());
        }
    }

    private static boolean posix(Path anyPath) {
        Path p = anyPath == null ? Path.of(".") : anyPath;
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** The file of a {@code jdbc:sqlite:PATH[?params]} URL. */
    static Path sqlitePath(String jdbcUrl) {
        String rest = jdbcUrl.substring("jdbc:sqlite:".length());
        int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        }
        if (rest.isEmpty() || rest.startsWith(":memory:") || rest.contains("mode=memory")) {
            throw new IllegalArgumentException("the audit store needs a file: use jdbc:sqlite:PATH (not an in-memory database)");
        }
        return Path.of(rest).toAbsolutePath().normalize();
    }
}
