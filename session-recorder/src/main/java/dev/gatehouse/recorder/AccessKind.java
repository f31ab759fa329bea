package dev.gatehouse.recorder;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * The access-log tables, as the access chain sees them: their columns (in the order that is
 * hashed), the type of each column ({@code s} string, {@code n} 64-bit number) and the columns
 * that identify a row (its key). The same column values feed the INSERT, the row digest written
 * into the chain, and the digest verify recomputes from the table.
 */
enum AccessKind {
    REQUEST("request", "access_requests", AccessRows.REQUEST_COLUMNS, "ssssssnsn", 0),
    DECISION("decision", "access_decisions", AccessRows.DECISION_COLUMNS, "snsssnns", 0, 1),
    LOCK("lock", "access_locks", AccessRows.LOCK_COLUMNS, "nssssssn", 0),
    ISSUED("issued", "access_issued", AccessRows.ISSUED_COLUMNS, "snsnn", 0, 1),
    TOTP("totp", "totp_secrets", AccessRows.TOTP_COLUMNS, "snsn", 0, 1),
    API_TOKEN("api_token", "api_tokens", AccessRows.API_TOKEN_COLUMNS, "snssssnsn", 0, 1);

    private final String label;
    private final String table;
    private final String columns;
    private final String types;
    private final int[] key;

    AccessKind(String label, String table, String columns, String types, int... key) {
        this.label = label;
        this.table = table;
        this.columns = columns;
        this.types = types;
        this.key = key;
    }

    /** The name stored in {@code access_chain.kind}. */
    String label() {
        return label;
    }

    String table() {
        return table;
    }

    static AccessKind of(String label) {
        for (AccessKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        return null;
    }

    String insertSql() {
        return "INSERT INTO " + table + " (" + columns + ") VALUES (" + "?, ".repeat(types.length() - 1) + "?)";
    }

    /** Every row, in a stable order (by key). */
    String selectSql() {
        String[] names = columns.split(",\\s*");
        StringBuilder order = new StringBuilder();
        for (int i : key) {
            order.append(order.length() == 0 ? "" : ", ").append(names[i]);
        }
        return "SELECT " + columns + " FROM " + table + " ORDER BY " + order;
    }

    void bind(PreparedStatement ps, Object[] row) throws SQLException {
        for (int i = 0; i < row.length; i++) {
            if (types.charAt(i) == 'n') {
                if (row[i] == null) {
                    ps.setNull(i + 1, Types.BIGINT);
                } else {
                    ps.setLong(i + 1, (Long) row[i]);
                }
            } else {
                ps.setString(i + 1, (String) row[i]);
            }
        }
    }

    /** A row selected with {@link #selectSql()}, each column read as its declared type. */
    Object[] read(ResultSet rs) throws SQLException {
        Object[] row = new Object[types.length()];
        for (int i = 0; i < row.length; i++) {
            if (types.charAt(i) == 'n') {
                long n = rs.getLong(i + 1);
                row[i] = rs.wasNull() ? null : n;
            } else {
                row[i] = rs.getString(i + 1);
            }
        }
        return row;
    }

    /** The row's key as a canonical JSON array, e.g. {@code ["r-1",2]} for a request's second decision. */
    String key(Object[] row) {
        Object[] values = new Object[key.length];
        for (int i = 0; i < key.length; i++) {
            values[i] = row[key[i]];
        }
        return CanonicalJson.array(values);
    }

    /** The row's digest, as the chain records it ({@link ChainHash#accessRow}). */
    String digest(Object[] row) {
        return ChainHash.accessRow(label, row);
    }
}
