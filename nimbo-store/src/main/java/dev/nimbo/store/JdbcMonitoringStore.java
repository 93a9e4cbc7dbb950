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
 * Host monitoring history in the {@code host_monitoring} table (migration V2) of the same database as the
 * {@link JdbcStore}, through its own small connection pool: monitoring rows are written and read off the
 * controller's path, so they never wait for, nor hold, the controller's connection. On SQLite the writes
 * use {@code synchronous=NORMAL} (WAL): losing the last second of history in a power cut is acceptable,
 * an fsync per batch is not needed. Open it after {@link JdbcStore#open}, which brings the schema up to date.
 * Thread-safe.
 */
public final class JdbcMonitoringStore implements MonitoringStore {

    private static final String UPSERT = """
            INSERT INTO host_monitoring (hid, last_mon_time, body) VALUES (?, ?, ?)
            ON CONFLICT (hid, last_mon_time) DO UPDATE SET body = excluded.body""";
    private static final String COLUMNS = "SELECT hid, last_mon_time, body FROM host_monitoring ";

    private final HikariDataSource pool;
    private final String description;

    private JdbcMonitoringStore(HikariDataSource pool, String description) {
        this.pool = pool;
        this.description = description;
    }

    /** Connects to the database at {@code jdbcUrl} (jdbc:sqlite:FILE or jdbc:postgresql:…). */
    public static JdbcMonitoringStore open(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("nimbo-monitoring");
        config.setAutoCommit(true);
        config.setConnectionTimeout(10_000);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        String description;
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            description = "sqlite host_monitoring";
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", "NORMAL");
            config.addDataSourceProperty("busy_timeout", "10000");
        } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            description = "postgresql host_monitoring";
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            config.addDataSourceProperty("ApplicationName", "nimbo-monitoring");
        } else {
            throw new StoreException("unsupported database for host monitoring (use jdbc:sqlite: or jdbc:postgresql:)");
        }
        try {
            return new JdbcMonitoringStore(new HikariDataSource(config), description);
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
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                for (Entry e : entries) {
                    ps.setInt(1, e.hostId());
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
    public List<Entry> host(int hostId) {
        return query(COLUMNS + "WHERE hid = ? ORDER BY last_mon_time", hostId, null, id -> true);
    }

    @Override
    public List<Entry> latest(IntPredicate hosts) {
        return query("SELECT m.hid, m.last_mon_time, m.body FROM host_monitoring m JOIN "
                + "(SELECT hid, MAX(last_mon_time) AS t FROM host_monitoring GROUP BY hid) l "
                + "ON l.hid = m.hid AND l.t = m.last_mon_time ORDER BY m.hid", null, null, hosts);
    }

    @Override
    public List<Entry> since(long afterEpochSeconds, IntPredicate hosts) {
        if (afterEpochSeconds < 0) {
            return query(COLUMNS + "ORDER BY hid, last_mon_time", null, null, hosts);
        }
        return query(COLUMNS + "WHERE last_mon_time > ? ORDER BY hid, last_mon_time", null, afterEpochSeconds, hosts);
    }

    private List<Entry> query(String sql, Integer intArg, Long longArg, IntPredicate hosts) {
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
                    int hid = rs.getInt(1);
                    if (hosts.test(hid)) {
                        out.add(new Entry(hid, rs.getLong(2), rs.getString(3)));
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
        return update("DELETE FROM host_monitoring WHERE last_mon_time < ?", beforeEpochSeconds);
    }

    @Override
    public void deleteHost(int hostId) {
        update("DELETE FROM host_monitoring WHERE hid = ?", hostId);
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
