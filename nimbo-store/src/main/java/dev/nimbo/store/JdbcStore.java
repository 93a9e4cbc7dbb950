package dev.nimbo.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/**
 * The {@link Store} on SQLite (embedded default) or PostgreSQL. Objects are rows of their XML body keyed by
 * (type, id); the schema comes from Flyway migrations applied at {@link #open}.
 */
public final class JdbcStore implements Store {

    /** Classpath folders of migrations; the dialect's folder name is appended. */
    static final List<String> MIGRATIONS = List.of("db/migration");

    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    private static final String POSTGRESQL_PREFIX = "jdbc:postgresql:";

    private static final String UPSERT_OBJECT = """
            INSERT INTO objects (type, oid, name, uid, gid, body) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (type, oid) DO UPDATE
            SET name = excluded.name, uid = excluded.uid, gid = excluded.gid, body = excluded.body""";
    private static final String DELETE_OBJECT = "DELETE FROM objects WHERE type = ? AND oid = ?";
    private static final String UPSERT_SEQUENCE = """
            INSERT INTO sequences (type, last_oid) VALUES (?, ?)
            ON CONFLICT (type) DO UPDATE SET last_oid = excluded.last_oid""";

    private enum Dialect {
        SQLITE("sqlite"), POSTGRESQL("postgresql");

        final String folder;

        Dialect(String folder) {
            this.folder = folder;
        }
    }

    private final Dialect dialect;
    private final String description;
    private final Path sqliteFile;
    private final HikariDataSource pool;

    private JdbcStore(Dialect dialect, String description, Path sqliteFile, HikariDataSource pool) {
        this.dialect = dialect;
        this.description = description;
        this.sqliteFile = sqliteFile;
        this.pool = pool;
    }

    /**
     * Opens {@code jdbc:sqlite:/path/nimbo.db} or {@code jdbc:postgresql://host:port/db?user=..&password=..}
     * and brings its schema up to date.
     *
     * @throws StoreException when the URL is unsupported, the database can't be opened, a migration fails
     *         or the schema is newer than this build
     */
    public static JdbcStore open(String jdbcUrl) {
        return open(jdbcUrl, MIGRATIONS);
    }

    /** As {@link #open(String)} with other migration folders; tests add broken or future ones. */
    static JdbcStore open(String jdbcUrl, List<String> migrationFolders) {
        if (jdbcUrl == null) {
            throw new StoreException("no database URL given");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("nimbo-store");
        // Commits are explicit: one transaction per batch.
        config.setAutoCommit(false);
        config.setConnectionTimeout(10_000);
        Dialect dialect;
        String description;
        Path sqliteFile = null;
        if (jdbcUrl.startsWith(SQLITE_PREFIX)) {
            dialect = Dialect.SQLITE;
            String path = jdbcUrl.substring(SQLITE_PREFIX.length());
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (path.isEmpty() || path.contains(":memory:") || path.contains("mode=memory")) {
                throw new StoreException("SQLite needs a database file, e.g. jdbc:sqlite:/var/lib/nimbo/nimbo.db"
                        + " (an in-memory database would not be durable)");
            }
            sqliteFile = Path.of(path.startsWith("file:") ? path.substring("file:".length()) : path).toAbsolutePath();
            description = "sqlite:" + sqliteFile;
            // One writer (the controller): a single connection, so SQLite's lock is never contended.
            config.setMaximumPoolSize(1);
            config.setMinimumIdle(1);
            // The driver applies these on every connection it opens.
            // WAL: a commit appends to the log, readers (backups, sqlite3) don't block the writer.
            config.addDataSourceProperty("journal_mode", "WAL");
            // FULL: fsync the WAL at every commit, so an acknowledged commit survives power loss too.
            config.addDataSourceProperty("synchronous", "FULL");
            config.addDataSourceProperty("foreign_keys", "true");
            // Waits out brief locks by other processes (a backup, an operator's sqlite3) instead of failing.
            config.addDataSourceProperty("busy_timeout", "10000");
        } else if (jdbcUrl.startsWith(POSTGRESQL_PREFIX)) {
            dialect = Dialect.POSTGRESQL;
            description = describePostgres(jdbcUrl);
            // One writer, plus load(), sizeBytes() and Flyway's lock connection.
            config.setMaximumPoolSize(4);
            config.setMinimumIdle(1);
            // Sends a batch of upserts as multi-row statements: fewer round trips per commit.
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            config.addDataSourceProperty("ApplicationName", "nimbo");
        } else {
            throw new StoreException("unsupported database " + scheme(jdbcUrl)
                    + " (use jdbc:sqlite:/path/nimbo.db or jdbc:postgresql://host:port/db)");
        }

        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open database " + description + ": " + reason(e), e);
        }
        JdbcStore store = new JdbcStore(dialect, description, sqliteFile, pool);
        try {
            store.migrate(migrationFolders);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return store;
    }

    private void migrate(List<String> folders) {
        Flyway flyway = Flyway.configure(JdbcStore.class.getClassLoader())
                .dataSource(pool)
                .locations(folders.stream().map(f -> "classpath:" + f + "/" + dialect.folder).toArray(String[]::new))
                .failOnMissingLocations(true)
                .validateMigrationNaming(true)
                .cleanDisabled(true)
                .load();
        try {
            // Flyway by default ignores applied migrations it doesn't know; we refuse them, as a newer
            // build may have changed what rows mean.
            for (MigrationInfo m : flyway.info().applied()) {
                if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED) {
                    throw new StoreException("database " + description + " has schema version " + m.getVersion()
                            + ", newer than this Nimbo build knows (" + latestKnown(flyway) + "): upgrade Nimbo");
                }
            }
            // Each migration runs in its own transaction (both dialects have transactional DDL), so a
            // failing one leaves the schema as it was.
            flyway.migrate();
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("schema migration of " + description + " failed: " + reason(e), e);
        }
    }

    private static String latestKnown(Flyway flyway) {
        MigrationInfo[] all = flyway.info().all();
        String latest = "none";
        for (MigrationInfo m : all) {
            if (m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED
                    && m.getVersion() != null) {
                latest = m.getVersion().toString();
            }
        }
        return latest;
    }

    @Override
    public Snapshot load() {
        try (Connection c = pool.getConnection()) {
            try {
                List<Row> rows = new ArrayList<>();
                Map<ObjectType, Integer> lastIds = new EnumMap<>(ObjectType.class);
                try (Statement s = c.createStatement()) {
                    // Streams rows on PostgreSQL instead of buffering the whole table.
                    s.setFetchSize(1000);
                    try (ResultSet rs = s.executeQuery("SELECT type, oid, body FROM objects ORDER BY type, oid")) {
                        while (rs.next()) {
                            rows.add(new Row(type(rs.getString(1)), rs.getInt(2), rs.getString(3)));
                        }
                    }
                    try (ResultSet rs = s.executeQuery("SELECT type, last_oid FROM sequences")) {
                        while (rs.next()) {
                            lastIds.put(type(rs.getString(1)), rs.getInt(2));
                        }
                    }
                }
                c.commit();
                return new Snapshot(List.copyOf(rows), lastIds);
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read " + description + ": " + reason(e), e);
        }
    }

    private static ObjectType type(String name) {
        try {
            return ObjectType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new StoreException("stored object type '" + name + "' is unknown to this Nimbo build");
        }
    }

    private record Key(ObjectType type, int id) {
    }

    @Override
    public void commit(List<Record> records) {
        if (records.isEmpty()) {
            return;
        }
        // The last record for an object decides its fate; the keys are then distinct, so deletes and
        // upserts can each go in one batch without reordering effects.
        Map<Key, Record> byObject = new LinkedHashMap<>();
        Map<ObjectType, Integer> lastIds = new EnumMap<>(ObjectType.class);
        for (Record r : records) {
            switch (r) {
                case Record.Put put -> byObject.put(new Key(put.object().type(), put.object().id()), put);
                case Record.Delete del -> byObject.put(new Key(del.type(), del.id()), del);
                case Record.LastId last -> lastIds.put(last.type(), last.lastId());
            }
        }
        try (Connection c = pool.getConnection()) {
            try {
                write(c, byObject, lastIds);
                c.commit();
            } catch (Throwable e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("commit of " + records.size() + " records to " + description + " failed: "
                    + reason(e), e);
        }
    }

    private static void write(Connection c, Map<Key, Record> byObject, Map<ObjectType, Integer> lastIds)
            throws SQLException {
        boolean deletes = false;
        boolean puts = false;
        try (PreparedStatement del = c.prepareStatement(DELETE_OBJECT);
                PreparedStatement put = c.prepareStatement(UPSERT_OBJECT)) {
            for (Map.Entry<Key, Record> e : byObject.entrySet()) {
                if (e.getValue() instanceof Record.Delete) {
                    del.setString(1, e.getKey().type().name());
                    del.setInt(2, e.getKey().id());
                    del.addBatch();
                    deletes = true;
                }
            }
            if (deletes) {
                del.executeBatch();
            }
            for (Record r : byObject.values()) {
                if (r instanceof Record.Put(PoolObject o)) {
                    put.setString(1, o.type().name());
                    put.setInt(2, o.id());
                    put.setString(3, o.name());
                    put.setInt(4, o.uid());
                    put.setInt(5, o.gid());
                    put.setString(6, o.toXml());
                    put.addBatch();
                    puts = true;
                }
            }
            if (puts) {
                put.executeBatch();
            }
        }
        if (!lastIds.isEmpty()) {
            try (PreparedStatement seq = c.prepareStatement(UPSERT_SEQUENCE)) {
                for (Map.Entry<ObjectType, Integer> e : lastIds.entrySet()) {
                    seq.setString(1, e.getKey().name());
                    seq.setInt(2, e.getValue());
                    seq.addBatch();
                }
                seq.executeBatch();
            }
        }
    }

    private static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    /** Bytes the database takes on disk: the SQLite file and its WAL, or PostgreSQL's pg_database_size. */
    public long sizeBytes() {
        if (dialect == Dialect.SQLITE) {
            try {
                long size = Files.size(sqliteFile);
                Path wal = sqliteFile.resolveSibling(sqliteFile.getFileName() + "-wal");
                return Files.exists(wal) ? size + Files.size(wal) : size;
            } catch (IOException e) {
                throw new StoreException("cannot read the size of " + sqliteFile + ": " + reason(e), e);
            }
        }
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            long size = rs.getLong(1);
            c.commit();
            return size;
        } catch (SQLException e) {
            throw new StoreException("cannot read the size of " + description + ": " + reason(e), e);
        }
    }

    /** The pool, for tests that look at the database directly. */
    DataSource dataSource() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "JdbcStore[" + description + "]";
    }

    /** "postgresql://host:port/db": no parameters, so no password in logs. */
    private static String describePostgres(String url) {
        String s = url.substring("jdbc:".length());
        int query = s.indexOf('?');
        if (query >= 0) {
            s = s.substring(0, query);
        }
        int at = s.indexOf('@');
        if (at >= 0 && s.startsWith("postgresql://")) {
            s = "postgresql://" + s.substring(at + 1);
        }
        return s;
    }

    /** "jdbc:mysql", never the rest: it may hold a password. */
    private static String scheme(String url) {
        int first = url.indexOf(':');
        int second = first < 0 ? -1 : url.indexOf(':', first + 1);
        return second < 0 ? "'" + (url.length() > 12 ? url.substring(0, 12) + "…" : url) + "'" : url.substring(0, second);
    }

    /** One line saying why: the message of the innermost exception that has one, plus the outer one if different. */
    static String reason(Throwable e) {
        String outer = firstLine(e.getMessage());
        Throwable root = e;
        String inner = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = firstLine(t.getMessage());
            if (m != null) {
                root = t;
                inner = m;
            }
        }
        if (inner == null) {
            return e.getClass().getSimpleName();
        }
        if (outer == null || root == e || outer.contains(inner)) {
            return inner;
        }
        return outer + ": " + inner;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return null;
        }
        for (String line : message.strip().split("\\R")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.chars().allMatch(ch -> ch == '-')) {
                return l;
            }
        }
        return null;
    }
}
