package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The instance registry over the audit store's pool (SQLite or PostgreSQL).
 *
 * <p>Implementation notes. Each write is one short transaction. Registration is a single
 * conditional upsert ({@code ON CONFLICT ... DO UPDATE ... WHERE} the old row stopped or is
 * older than dead_after), so two processes starting with the same chain at once cannot both
 * win: the loser's upsert changes no row and it is refused. Errors name the database problem
 * only ({@link BatchWriter#describe}): drivers echo bound values such as user names.
 */
final class JdbcInstanceRegistry implements InstanceRegistry {
    private static final String INSTANCE_COLUMNS =
            "chain_id, name, started_at, heartbeat_at, stopped_at, ssh_listen, web_listen";
    private static final String SESSION_COLUMNS = "session_id, chain_id, kind, user_name, login, node, source, tenant,"
            + " grant_id, observable, started_at, bytes_in, bytes_out, updated_at";
    private static final String COMMAND_COLUMNS = "seq, target_chain, session_id, action, actor, reason, origin_chain,"
            + " origin_name, created_at, done_at, result";

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final HikariDataSource dataSource;
    private final boolean readOnly;

    JdbcInstanceRegistry(HikariDataSource dataSource, boolean readOnly) {
        this.dataSource = dataSource;
        this.readOnly = readOnly;
    }

    @Override
    public void register(Instance self, Duration deadAfter) {
        require(self != null && self.chainId() != null && self.name() != null && self.startedAt() != null,
                "an instance needs a chain id, a name and a start time");
        require(deadAfter != null && !deadAfter.isNegative(), "dead_after must not be negative");
        long start = ChainHash.micros(self.startedAt());
        boolean registered = transaction("register instance " + self.name(), c -> {
            int changed;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gateway_instances (" + INSTANCE_COLUMNS
                    + ") VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (chain_id) DO UPDATE SET name = excluded.name,"
                    + " started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL,"
                    + " ssh_listen = excluded.ssh_listen, web_listen = excluded.web_listen"
                    + " WHERE gateway_instances.stopped_at IS NOT NULL OR gateway_instances.heartbeat_at < ?")) {
                ps.setString(1, self.chainId());
                ps.setString(2, self.name());
                ps.setLong(3, start);
                ps.setLong(4, start);
                ps.setString(5, self.sshListen());
                ps.setString(6, self.webListen());
                ps.setLong(7, deadAfter.isZero() ? Long.MAX_VALUE : start - ChainHash.micros(Instant.EPOCH.plus(deadAfter)));
                changed = ps.executeUpdate();
            }
            if (changed == 0) {
                return false;
            }
            update(c, "DELETE FROM live_sessions WHERE chain_id = ?", self.chainId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE instance_commands SET done_at = ?, result = 'expired'"
                    + " WHERE target_chain = ? AND done_at IS NULL")) {
                ps.setLong(1, start);
                ps.setString(2, self.chainId());
                ps.executeUpdate();
            }
            return true;
        });
        if (!registered) {
            Instance other = instances().stream().filter(i -> i.chainId().equals(self.chainId())).findFirst().orElseThrow();
            throw new IllegalStateException(other.runningProblem(deadAfter));
        }
    }

    @Override
    public void sync(String chainId, List<LiveRow> sessions, Instant at) {
        require(chainId != null && sessions != null && at != null, "a chain id, its sessions and a time are required");
        for (LiveRow s : sessions) {
            require(chainId.equals(s.chainId()), "live session " + s.sessionId() + " names chain " + s.chainId()
                    + ", not " + chainId);
            require(s.sessionId() != null && s.kind() != null && s.user() != null && s.startedAt() != null,
                    "a live session needs an id, a kind, a user and a start time");
        }
        transaction("record the heartbeat of " + chainId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE gateway_instances SET heartbeat_at = ? WHERE chain_id = ?")) {
                ps.setLong(1, ChainHash.micros(at));
                ps.setString(2, chainId);
                if (ps.executeUpdate() == 0) {
                    throw new IllegalArgumentException("instance " + chainId + " is not registered: register it first");
                }
            }
            Set<String> keep = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO live_sessions (" + SESSION_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET"
                    + " bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, observable = excluded.observable,"
                    + " updated_at = excluded.updated_at WHERE live_sessions.chain_id = excluded.chain_id")) {
                for (LiveRow s : sessions) {
                    keep.add(s.sessionId());
                    ps.setString(1, s.sessionId());
                    ps.setString(2, chainId);
                    ps.setString(3, s.kind());
                    ps.setString(4, s.user());
                    nullable(ps, 5, s.login());
                    nullable(ps, 6, s.node());
                    nullable(ps, 7, s.source());
                    nullable(ps, 8, s.tenant());
                    nullable(ps, 9, s.grantId());
                    ps.setBoolean(10, s.observable());
                    ps.setLong(11, ChainHash.micros(s.startedAt()));
                    ps.setLong(12, s.bytesIn());
                    ps.setLong(13, s.bytesOut());
                    ps.setLong(14, ChainHash.micros(at));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<String> gone = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT session_id FROM live_sessions WHERE chain_id = ?")) {
                ps.setString(1, chainId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (!keep.contains(rs.getString(1))) {
                            gone.add(rs.getString(1));
                        }
                    }
                }
            }
            for (String id : gone) {
                update(c, "DELETE FROM live_sessions WHERE session_id = ?", id);
            }
            return null;
        });
    }

    @Override
    public void stopped(String chainId, Instant at) {
        require(chainId != null && at != null, "a chain id and a time are required");
        transaction("record the stop of " + chainId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE gateway_instances SET stopped_at = ? WHERE chain_id = ?")) {
                ps.setLong(1, ChainHash.micros(at));
                ps.setString(2, chainId);
                ps.executeUpdate();
            }
            update(c, "DELETE FROM live_sessions WHERE chain_id = ?", chainId);
            return null;
        });
    }

    @Override
    public void listening(String chainId, String sshListen, String webListen) {
        require(chainId != null, "a chain id is required");
        transaction("record the addresses of " + chainId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE gateway_instances SET ssh_listen = ?, web_listen = ?"
                    + " WHERE chain_id = ?")) {
                ps.setString(1, sshListen);
                ps.setString(2, webListen);
                ps.setString(3, chainId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Instance> instances() {
        return read("SELECT " + INSTANCE_COLUMNS + " FROM gateway_instances ORDER BY name, chain_id", null, rs ->
                new Instance(rs.getString(1), rs.getString(2), ChainHash.instant(rs.getLong(3)),
                        ChainHash.instant(rs.getLong(4)), instant(rs, 5), rs.getString(6), rs.getString(7)));
    }

    @Override
    public List<LiveRow> sessions() {
        return read("SELECT " + SESSION_COLUMNS + " FROM live_sessions ORDER BY started_at, session_id", null,
                JdbcInstanceRegistry::liveRow);
    }

    @Override
    public Optional<LiveRow> session(String sessionId) {
        return read("SELECT " + SESSION_COLUMNS + " FROM live_sessions WHERE session_id = ?", sessionId,
                JdbcInstanceRegistry::liveRow).stream().findFirst();
    }

    @Override
    public long command(InstanceCommand cmd) {
        require(cmd != null && cmd.targetChain() != null && cmd.sessionId() != null && cmd.actor() != null
                && cmd.reason() != null && cmd.originChain() != null && cmd.originName() != null && cmd.createdAt() != null,
                "a command needs a target, a session, an actor, a reason, an origin and a time");
        require(TERMINATE.equals(cmd.action()), "unknown instance command '" + cmd.action() + "': use " + TERMINATE);
        return transaction("store the " + cmd.action() + " command for " + cmd.targetChain(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO instance_commands (target_chain, session_id, action,"
                    + " actor, reason, origin_chain, origin_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, cmd.targetChain());
                ps.setString(2, cmd.sessionId());
                ps.setString(3, cmd.action());
                ps.setString(4, cmd.actor());
                ps.setString(5, cmd.reason());
                ps.setString(6, cmd.originChain());
                ps.setString(7, cmd.originName());
                ps.setLong(8, ChainHash.micros(cmd.createdAt()));
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    @Override
    public List<InstanceCommand> pending(String targetChain) {
        return read("SELECT " + COMMAND_COLUMNS + " FROM instance_commands WHERE target_chain = ? AND done_at IS NULL"
                + " ORDER BY seq", targetChain, JdbcInstanceRegistry::command);
    }

    @Override
    public Optional<InstanceCommand> command(long seq) {
        return read("SELECT " + COMMAND_COLUMNS + " FROM instance_commands WHERE seq = ?", seq,
                JdbcInstanceRegistry::command).stream().findFirst();
    }

    @Override
    public boolean done(long seq, String result, Instant at) {
        require(result != null && at != null, "a result and a time are required");
        return transaction("mark command " + seq + " done", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE instance_commands SET done_at = ?, result = ? WHERE seq = ? AND done_at IS NULL")) {
                ps.setLong(1, ChainHash.micros(at));
                ps.setString(2, result);
                ps.setLong(3, seq);
                return ps.executeUpdate() == 1;
            }
        });
    }

    // ---- plumbing ----

    private static LiveRow liveRow(ResultSet rs) throws SQLException {
        return new LiveRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getBoolean(10),
                ChainHash.instant(rs.getLong(11)), rs.getLong(12), rs.getLong(13), ChainHash.instant(rs.getLong(14)));
    }

    private static InstanceCommand command(ResultSet rs) throws SQLException {
        return new InstanceCommand(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), ChainHash.instant(rs.getLong(9)), instant(rs, 10),
                rs.getString(11));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long micros = rs.getLong(column);
        return rs.wasNull() ? null : ChainHash.instant(micros);
    }

    private static void nullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    private static void update(Connection c, String sql, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Runs {@code work} in one transaction; bad input (IllegalArgumentException) and failures roll back. */
    private <T> T transaction(String what, Work<T> work) {
        open();
        if (readOnly) {
            throw new StoreUnavailableException("cannot " + what + ": the audit store is open read-only (no chain id)");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot " + what + ": " + BatchWriter.describe(e)
                    + "; nothing was stored, check the database", e);
        }
    }

    private <T> List<T> read(String sql, Object key, EventRows.Mapper<T> mapper) {
        open();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (key instanceof Long l) {
                ps.setLong(1, l);
            } else if (key != null) {
                ps.setString(1, (String) key);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("instance registry read failed: " + BatchWriter.describe(e), e);
        }
    }

    private void open() {
        if (dataSource.isClosed()) {
            throw new StoreUnavailableException("the audit store is closed, and its instance registry with it");
        }
    }
}
