package dev.nimbo.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every Store must do; subclasses give a fresh, empty database per test. */
abstract class StoreContract {

    /** JDBC URL of a new, empty database. */
    abstract String newUrl();

    String url;

    @BeforeEach
    void freshDatabase() {
        url = newUrl();
    }

    static Record put(ObjectType type, int id, String payload) {
        return new Record.Put(TestObject.of(type, id, payload));
    }

    /** Stored objects as type:id → body, ordered, for whole-state comparisons. */
    static Map<String, String> contents(Store.Snapshot s) {
        Map<String, String> m = new TreeMap<>();
        for (Store.Row r : s.rows()) {
            m.put(r.type() + ":" + r.id(), r.body());
        }
        return m;
    }

    @Test
    void emptyDatabaseLoadsNothing() {
        try (JdbcStore store = JdbcStore.open(url)) {
            Store.Snapshot s = store.load();
            assertThat(s.rows()).isEmpty();
            assertThat(s.lastIds()).isEmpty();
            store.commit(List.of());
        }
    }

    @Test
    void putDeleteAndLastIdRoundTrip() {
        try (JdbcStore store = JdbcStore.open(url)) {
            store.commit(List.of(put(ObjectType.VM, 0, "a"), put(ObjectType.VM, 1, "b"), put(ObjectType.HOST, 0, "h"),
                    new Record.LastId(ObjectType.VM, 1), new Record.LastId(ObjectType.HOST, 0)));
            Store.Snapshot s = store.load();
            assertThat(s.rows()).extracting(Store.Row::type, Store.Row::id)
                    .containsExactlyInAnyOrder(
                            tuple(ObjectType.VM, 0),
                            tuple(ObjectType.VM, 1),
                            tuple(ObjectType.HOST, 0));
            assertThat(s.rows()).filteredOn(r -> r.type() == ObjectType.VM && r.id() == 1).singleElement()
                    .extracting(Store.Row::body)
                    .isEqualTo(TestObject.of(ObjectType.VM, 1, "b").toXml());
            assertThat(s.lastIds()).containsExactlyInAnyOrderEntriesOf(Map.of(ObjectType.VM, 1, ObjectType.HOST, 0));

            // Update one, delete one, delete one that never existed, move a sequence on.
            store.commit(List.of(put(ObjectType.VM, 1, "b2"), new Record.Delete(ObjectType.VM, 0),
                    new Record.Delete(ObjectType.IMAGE, 42), new Record.LastId(ObjectType.VM, 7)));
            s = store.load();
            assertThat(contents(s)).containsOnlyKeys("HOST:0", "VM:1");
            assertThat(contents(s).get("VM:1")).isEqualTo(TestObject.of(ObjectType.VM, 1, "b2").toXml());
            assertThat(s.lastIds()).containsEntry(ObjectType.VM, 7).containsEntry(ObjectType.HOST, 0);
        }
    }

    @Test
    void theLastRecordForAnObjectWinsWithinABatch() {
        try (JdbcStore store = JdbcStore.open(url)) {
            store.commit(List.of(put(ObjectType.USER, 5, "old")));
            store.commit(List.of(new Record.Delete(ObjectType.USER, 5), put(ObjectType.USER, 5, "new"),
                    put(ObjectType.USER, 6, "gone"), new Record.Delete(ObjectType.USER, 6),
                    new Record.LastId(ObjectType.USER, 5), new Record.LastId(ObjectType.USER, 6)));
            Store.Snapshot s = store.load();
            assertThat(contents(s)).containsOnlyKeys("USER:5");
            assertThat(contents(s).get("USER:5")).contains("new");
            assertThat(s.lastIds()).containsEntry(ObjectType.USER, 6);
        }
    }

    @Test
    void aBatchThatFailsMidwayStoresNothing() {
        try (JdbcStore store = JdbcStore.open(url)) {
            store.commit(List.of(put(ObjectType.VM, 0, "keep"), put(ObjectType.VM, 1, "keep too"),
                    new Record.LastId(ObjectType.VM, 1)));
            Map<String, String> before = contents(store.load());

            // The deletes reach the database before the failing object is rendered: a real rollback.
            List<Record> batch = List.of(new Record.Delete(ObjectType.VM, 0), put(ObjectType.VM, 1, "changed"),
                    put(ObjectType.VM, 2, "new"), new Record.Put(TestObject.failing(ObjectType.VM, 3)),
                    put(ObjectType.VM, 4, "after"), new Record.LastId(ObjectType.VM, 4));
            assertThatThrownBy(() -> store.commit(batch))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("toXml failed on purpose")
                    .hasMessageNotContaining("\n");

            Store.Snapshot after = store.load();
            assertThat(contents(after)).isEqualTo(before);
            assertThat(after.lastIds()).containsEntry(ObjectType.VM, 1);

            // The store is still usable after the failure.
            store.commit(List.of(put(ObjectType.VM, 2, "new")));
            assertThat(contents(store.load())).containsOnlyKeys("VM:0", "VM:1", "VM:2");
        }
        try (JdbcStore store = JdbcStore.open(url)) {
            assertThat(contents(store.load())).containsOnlyKeys("VM:0", "VM:1", "VM:2");
        }
    }

    @Test
    void reopeningKeepsEverything() {
        Map<String, String> expected;
        Map<ObjectType, Integer> expectedIds;
        try (JdbcStore store = JdbcStore.open(url)) {
            for (ObjectType t : ObjectType.values()) {
                store.commit(List.of(put(t, 0, "first <&> \"quoted\" ünïcødé"), put(t, 1, "second"),
                        new Record.LastId(t, 1)));
            }
            store.commit(List.of(new Record.Delete(ObjectType.GROUP, 0)));
            expected = contents(store.load());
            expectedIds = store.load().lastIds();
        }
        try (JdbcStore store = JdbcStore.open(url)) {
            Store.Snapshot s = store.load();
            assertThat(contents(s)).isEqualTo(expected).hasSize(2 * ObjectType.values().length - 1);
            assertThat(s.lastIds()).isEqualTo(expectedIds).hasSize(ObjectType.values().length);
        }
    }

    @Test
    void aLargeBatchIsOneCommit() {
        List<Record> batch = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            batch.add(put(i % 2 == 0 ? ObjectType.VM : ObjectType.HOST, i, "payload " + i));
        }
        batch.add(new Record.LastId(ObjectType.VM, 4998));
        batch.add(new Record.LastId(ObjectType.HOST, 4999));
        try (JdbcStore store = JdbcStore.open(url)) {
            store.commit(batch);
            store.commit(batch);
        }
        try (JdbcStore store = JdbcStore.open(url)) {
            Store.Snapshot s = store.load();
            assertThat(s.rows()).hasSize(5000);
            assertThat(contents(s).get("HOST:4999")).isEqualTo(TestObject.of(ObjectType.HOST, 4999, "payload 4999").toXml());
            assertThat(s.lastIds()).containsEntry(ObjectType.VM, 4998).containsEntry(ObjectType.HOST, 4999);
        }
    }

    @Test
    void migrationsAreIdempotent() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (JdbcStore store = JdbcStore.open(url)) {
                store.commit(List.of(put(ObjectType.VM, i, "run " + i)));
            }
        }
        // every migration of this build applied, the broken one rolled back and not recorded as applied
        assertThat(history()).isNotEmpty().allMatch(h -> h.endsWith(":true")).noneMatch(h -> h.startsWith("999:"));
        try (JdbcStore store = JdbcStore.open(url)) {
            assertThat(store.load().rows()).hasSize(3);
        }
    }

    @Test
    void aFailedMigrationLeavesTheSchemaIntact() throws Exception {
        try (JdbcStore store = JdbcStore.open(url)) {
            store.commit(List.of(put(ObjectType.VM, 0, "survives"), new Record.LastId(ObjectType.VM, 0)));
        }
        List<String> columnsBefore = columns("objects");

        assertThatThrownBy(() -> JdbcStore.open(url, List.of("db/migration", "db/broken")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema migration")
                .hasMessageContaining("V999__broken.sql")
                .hasMessageNotContaining("\n");

        assertThat(columns("objects")).isEqualTo(columnsBefore).doesNotContain("foo");
        assertThat(tableExists("extra")).isFalse();
        // every migration of this build applied, the broken one rolled back and not recorded as applied
        assertThat(history()).isNotEmpty().allMatch(h -> h.endsWith(":true")).noneMatch(h -> h.startsWith("999:"));
        try (JdbcStore store = JdbcStore.open(url)) {
            Store.Snapshot s = store.load();
            assertThat(contents(s)).containsOnlyKeys("VM:0");
            assertThat(s.lastIds()).isEqualTo(Map.of(ObjectType.VM, 0));
        }
    }

    @Test
    void aSchemaNewerThanThisBuildIsRefused() {
        try (JdbcStore store = JdbcStore.open(url, List.of("db/migration", "db/future"))) {
            store.commit(List.of(put(ObjectType.VM, 0, "from the future")));
        }
        assertThatThrownBy(() -> JdbcStore.open(url))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 999, newer than this Nimbo build knows (")
                .hasMessageNotContaining("\n");
    }

    @Test
    void describeAndSize() {
        try (JdbcStore store = JdbcStore.open(url)) {
            long empty = store.sizeBytes();
            assertThat(empty).isPositive();
            List<Record> batch = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                batch.add(put(ObjectType.VM, i, "y".repeat(500)));
            }
            store.commit(batch);
            assertThat(store.sizeBytes()).isGreaterThan(empty + 500_000);
            assertThat(store.describe()).doesNotContain("password").doesNotContain("jdbc:");
            assertThat(store.toString()).contains(store.describe());
        }
    }

    /**
     * A child JVM commits and prints "ACK id" after each commit returns, and is killed (kill -9) midway:
     * every acknowledged commit must be there after reopening, and commits must be all-or-nothing.
     */
    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void acknowledgedCommitsSurviveKill9() throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Surefire runs tests from a manifest-only jar; this property has the real class path.
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path err = Files.createTempFile("nimbo-store-child", ".err");
        Process child = new ProcessBuilder(java, "-cp", cp, CommitAndAckMain.class.getName(), url, "1000000")
                .redirectError(err.toFile())
                .start();
        List<Integer> acked = new ArrayList<>();
        try (BufferedReader out = child.inputReader()) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acked.add(Integer.parseInt(line.substring(4)));
                    if (acked.size() == 1) {
                        // Killed by time, not after a given ACK, so it lands anywhere, mid-commit too.
                        // SIGKILL through the handle: Process.destroyForcibly() would also close our end of
                        // the pipe and lose the ACKs already sent.
                        Thread.ofVirtual().start(() -> {
                            try {
                                Thread.sleep(300);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            child.toHandle().destroyForcibly();
                        });
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(acked).as("child acknowledged commits before the kill; its stderr: %s", Files.readString(err))
                .isNotEmpty();
        assertThat(acked.get(acked.size() - 1)).as("killed, not finished").isLessThan(999_999);
        assertThat(child.exitValue()).as("killed, not finished").isNotZero();
        int lastAcked = acked.get(acked.size() - 1);

        try (JdbcStore store = JdbcStore.open(url)) {
            Store.Snapshot s = store.load();
            int[] ids = s.rows().stream().mapToInt(Store.Row::id).sorted().toArray();
            assertThat(ids).as("every acknowledged commit is there").contains(acked.stream().mapToInt(i -> i).toArray());
            int last = ids[ids.length - 1];
            // Commits are whole and in order: ids 0..last, and at most the one in flight was not acknowledged.
            assertThat(ids).containsExactly(IntStream.rangeClosed(0, last).toArray());
            assertThat(last).isBetween(lastAcked, lastAcked + 1);
            assertThat(s.lastIds()).containsEntry(ObjectType.VM, last);
            System.out.printf("%s: child killed after %d acknowledged commits, %d found%n",
                    store.describe(), acked.size(), ids.length);
        }
        Files.deleteIfExists(err);
    }

    /** Prints commit latency per batch size; the numbers go to the surefire report. */
    @Test
    void commitLatency() {
        try (JdbcStore store = JdbcStore.open(url)) {
            int nextId = 0;
            for (int i = 0; i < 20; i++) {
                store.commit(List.of(put(ObjectType.VM, nextId++, "warm-up")));
            }
            for (int size : new int[] {1, 10, 100}) {
                long[] micros = new long[100];
                for (int b = 0; b < micros.length; b++) {
                    List<Record> batch = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                        batch.add(put(ObjectType.VM, nextId++, "z".repeat(1500)));
                    }
                    batch.add(new Record.LastId(ObjectType.VM, nextId - 1));
                    long t0 = System.nanoTime();
                    store.commit(batch);
                    micros[b] = (System.nanoTime() - t0) / 1000;
                }
                Arrays.sort(micros);
                System.out.printf("LATENCY %s batch=%d records: p50=%.2f ms p90=%.2f ms max=%.2f ms%n",
                        store.describe(), size, micros[49] / 1000.0, micros[89] / 1000.0, micros[99] / 1000.0);
            }
            assertThat(store.load().rows()).hasSize(20 + 100 * (1 + 10 + 100));
        }
    }

    // --- looking at the database directly ---

    Connection connect() throws Exception {
        return DriverManager.getConnection(url);
    }

    /** flyway_schema_history as "version:success" in order. */
    List<String> history() throws Exception {
        List<String> h = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history ORDER BY installed_rank")) {
            while (rs.next()) {
                h.add(rs.getString(1) + ":" + rs.getBoolean(2));
            }
        }
        return h;
    }

    List<String> columns(String table) throws Exception {
        List<String> cols = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                cols.add(md.getColumnName(i).toLowerCase(Locale.ROOT));
            }
        }
        return cols;
    }

    boolean tableExists(String table) throws Exception {
        try (Connection c = connect()) {
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet rs = md.getTables(null, null, table, null)) {
                return rs.next();
            }
        }
    }
}
