package dev.nimbo.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nimbo.core.host.MonitoringStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Monitoring history in the {@code host_monitoring} (migration V2) or {@code vm_monitoring} (V3) table of the same
 * database as the {@link JdbcStore}, through its own small connection pool: monitoring rows are written and read off the
 * controller's path, so they never wait for, nor hold, the controller's connection. On SQLite the writes
 * use {@code synchronous=NORMAL} (WAL): losing the last second of history in a power cut is acceptable,
 * an fsync per batch is not needed. Open it after {@link JdbcStore#open}, which brings the schema up to date.
 * Thread-safe.
 */
public final class JdbcMonitoringStore implements MonitoringStore {

    /** Which history: its table, its ID and time columns (as oned names them). */
    public enum Kind {
        HOSTS("host_monitoring", "hid", "last_mon_time"),
        VMS("vm_monitoring", "vmid", "last_poll");

        private final String table;
        private final String id;
        private final String time;

        Kind(String table, String id, String time) {
            this.table = table;
            this.id = id;
            this.time = time;
        }
    }

    private final HikariDataSource pool;
    private final String description;
    private final Kind kind;
    private final String upsert;
    private final String columns;

    private JdbcMonitoringStore(HikariDataSource pool, String description, Kind kind) {
        this.pool = pool;
        this.description = description;
        this.kind = kind;
        this.upsert = "INSERT INTO " + kind.table + " (" + kind.id + ", " + kind.time + ", body) VALUES (?, ?, ?) "
                + "ON CONFLICT (" + kind.id + ", " + kind.time + ") DO UPDATE SET body = excluded.body";
        this.columns = "SELECT " + kind.id + ", " + kind.time + ", body FROM " + kind.table + " ";
    }

    /** Connects to the database at {@code jdbcUrl} (jdbc:sqlite:FILE or jdbc:postgresql:…) for one history. */
    public static JdbcMonitoringStore open(String jdbcUrl, Kind kind) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("nimbo-" + kind.table.replace('_', '-'));
        config.setAutoCommit(true);
        config.setConnectionTimeout(10_000);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        String description;
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            description = "sqlite " + kind.table;
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", "NORMAL");
            config.addDataSourceProperty("busy_timeout", "10000");
        } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            description = "postgresql " + kind.table;
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            config.addDataSourceProperty("ApplicationName", "nimbo-monitoring");
        } else {
            throw new StoreException("unsupported database for " + kind.table + " (use jdbc:sqlite: or jdbc:postgresql:)");
        }
        try {
            return new JdbcMonitoringStore(new HikariDataSource(config), description, kind);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open " + description + ": " + JdbcStore.reason(e), e);
        }
    }

    @Override
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                for (Entry e : entries) {
                    ps.setInt(1, e.id());
                    ps.setLong(2, e.time());
                    ps.setString(3, e.body());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("append " + entries.size() + " records to", e);
        }
    }

    @Override
    public List<Entry> of(int id) {
        return query(columns + "WHERE " + kind.id + " = ? ORDER BY " + kind.time, id, null, x -> true);
    }

    @Override
    public List<Entry> latest(IntPredicate ids) {
        return query("SELECT m." + kind.id + ", m." + kind.time + ", m.body FROM " + kind.table + " m JOIN "
                + "(SELECT " + kind.id + ", MAX(" + kind.time + ") AS t FROM " + kind.table + " GROUP BY " + kind.id
                + ") l ON l." + kind.id + " = m." + kind.id + " AND l.t = m." + kind.time + " ORDER BY m." + kind.id,
                null, null, ids);
    }

    @Override
    public List<Entry> since(long afterEpochSeconds, IntPredicate ids) {
        if (afterEpochSeconds < 0) {
            return query(columns + "ORDER BY " + kind.id + ", " + kind.time, null, null, ids);
        }
        return query(columns + "WHERE " + kind.time + " > ? ORDER BY " + kind.id + ", " + kind.time, null,
                afterEpochSeconds, ids);
    }

    private List<Entry> query(String sql, Integer intArg, Long longArg, IntPredicate ids) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (intArg != null) {
                ps.setInt(1, intArg);
            } else if (longArg != null) {
                ps.setLong(1, longArg);
            }
            ps.setFetchSize(1000);
            List<Entry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int id = rs.getInt(1);
                    if (ids.test(id)) {
                        out.add(new Entry(id, rs.getLong(2), rs.getString(3)));
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    @Override
    public int expire(long beforeEpochSeconds) {
        return update("DELETE FROM " + kind.table + " WHERE " + kind.time + " < ?", beforeEpochSeconds);
    }

    @Override
    public void delete(int id) {
        update("DELETE FROM " + kind.table + " WHERE " + kind.id + " = ?", id);
    }

    private int update(String sql, long arg) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, arg);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("update", e);
        }
    }

    private StoreException failure(String what, Exception e) {
        return new StoreException("cannot " + what + " " + description + ": " + JdbcStore.reason(e), e);
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "JdbcMonitoringStore[" + description + "]";
    }
}
