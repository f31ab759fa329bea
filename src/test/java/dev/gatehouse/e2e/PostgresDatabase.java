package dev.gatehouse.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fresh PostgreSQL database of its own ({@code PREFIX_<random>}) on the server of
 * GATEHOUSE_TEST_PG_URL (bin/test provides one), dropped on {@link #close}. A database rather
 * than a schema, because LISTEN/NOTIFY channels and advisory locks are per database: gateways of
 * other test classes on the same server must not hear or block this one's.
 */
final class PostgresDatabase implements AutoCloseable {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    /** {@code jdbc:postgresql://HOST[:PORT]/DB[?PARAMS]}. */
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?$");

    private final String adminUrl;
    private final String url;
    private final String name;

    private PostgresDatabase(String adminUrl, String url, String name) {
        this.adminUrl = adminUrl;
        this.url = url;
        this.name = name;
    }

    /** Creates {@code prefix_<random>} (prefix: lower-case letters, digits, underscores). */
    static PostgresDatabase create(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("database prefix must be a plain lower-case identifier: " + prefix);
        }
        String base = System.getenv().getOrDefault("GATEHOUSE_TEST_PG_URL", DEFAULT_URL);
        Matcher m = URL.matcher(base);
        if (!m.matches()) {
            throw new IllegalStateException("GATEHOUSE_TEST_PG_URL is not jdbc:postgresql://HOST:PORT/DB?PARAMS: " + base);
        }
        String params = m.group(3) == null ? "" : m.group(3);
        String name = prefix + "_" + Keys.token();
        // the maintenance database exists on every server, unlike the test one on a fresh server
        String admin = m.group(1) + "postgres" + params;
        try (Connection c = DriverManager.getConnection(admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + admin
                    + " (bin/test starts a PostgreSQL, or set GATEHOUSE_TEST_PG_URL): " + e.getMessage(), e);
        }
        return new PostgresDatabase(admin, m.group(1) + name + params, name);
    }

    /** The JDBC URL of this database, for {@code store.url}. */
    String url() {
        return url;
    }

    String name() {
        return name;
    }

    /** A new connection to this database (the test's own, as the superuser of the URL). */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Drops the database, ending any session still connected to it (a gateway killed mid-test). */
    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }
}
