package dev.nimbo.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.host.MonitoringStore.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host monitoring history beside a JdbcStore on the same database; subclasses choose SQLite or PostgreSQL. */
abstract class MonitoringStoreContract {
    @TempDir
    Path dir;

    /** A new, empty database. */
    abstract String newUrl();

    private static Entry e(int hid, long t) {
        return new Entry(hid, t, "<MONITORING><TIMESTAMP>" + t + "</TIMESTAMP><ID>" + hid + "</ID></MONITORING>");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(JdbcMonitoringStore.Kind.class)
    void appendQueryExpireAndDelete(JdbcMonitoringStore.Kind kind) {
        String url = newUrl();
        try (JdbcStore store = JdbcStore.open(url); JdbcMonitoringStore m = JdbcMonitoringStore.open(url, kind)) {
            m.append(List.of(e(1, 100), e(1, 130), e(2, 110), e(1, 160), e(2, 140), e(3, 90)));
            m.append(List.of(new Entry(1, 160, "<MONITORING><ID>1</ID><X>replaced</X></MONITORING>")));

            assertThat(m.of(1)).extracting(Entry::time).containsExactly(100L, 130L, 160L);
            assertThat(m.of(1).get(2).body()).contains("replaced");
            assertThat(m.of(9)).isEmpty();
            assertThat(m.latest(h -> true)).extracting(x -> x.id() + "@" + x.time())
                    .containsExactly("1@160", "2@140", "3@90");
            assertThat(m.latest(h -> h != 2)).extracting(Entry::id).containsExactly(1, 3);
            assertThat(m.since(120, h -> true)).extracting(x -> x.id() + "@" + x.time())
                    .containsExactly("1@130", "1@160", "2@140");
            assertThat(m.since(-1, h -> h == 2)).extracting(Entry::time).containsExactly(110L, 140L);

            assertThat(m.expire(120)).isEqualTo(3);
            assertThat(m.since(-1, h -> true)).extracting(x -> x.id() + "@" + x.time())
                    .containsExactly("1@130", "1@160", "2@140");
            m.delete(1);
            assertThat(m.since(-1, h -> true)).extracting(Entry::id).containsExactly(2);

            // the object store keeps working beside it
            store.commit(List.of(new dev.nimbo.core.state.Record.LastId(dev.nimbo.core.obj.ObjectType.HOST, 4)));
            assertThat(store.load().lastIds()).containsEntry(dev.nimbo.core.obj.ObjectType.HOST, 4);
        }
    }

    @Test
    void concurrentAppendsAndReadsDoNotBlockTheObjectStore() throws Exception {
        String url = newUrl();
        try (JdbcStore store = JdbcStore.open(url);
             JdbcMonitoringStore m = JdbcMonitoringStore.open(url, JdbcMonitoringStore.Kind.HOSTS)) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int base = w;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        m.append(List.of(e(base, i), e(base + 10, i)));
                        m.latest(h -> true);
                    }
                }));
            }
            for (int i = 0; i < 50; i++) {
                store.commit(List.of(new dev.nimbo.core.state.Record.LastId(dev.nimbo.core.obj.ObjectType.HOST, i)));
            }
            for (Future<?> f : work) {
                f.get();
            }
            pool.shutdown();
            assertThat(m.since(-1, h -> true)).hasSize(300);
        }
    }
}
