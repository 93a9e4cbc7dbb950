package dev.nimbo.drivers.ds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The dummy driver: simulated latency, failure injection, simulated capacity. */
class DummyDatastoreDriverTest {
    static Datastore ds(String template) {
        return new Datastore(101, "dummy", 0, 0, "oneadmin", "oneadmin", new Permissions(0640), "dummy", "dummy", "/d/101",
                Datastore.IMAGE_DS, 0, 0, Set.of(0), 0, 0, 0, Set.of(), Template.parse(template));
    }

    @Test
    void answersAfterTheDelayAndTracksUsage() throws Exception {
        DummyDatastoreDriver d = new DummyDatastoreDriver();
        Datastore ds = ds("DUMMY_DELAY_MS=150\nDUMMY_TOTAL_MB=1000");
        Image img = Image.builder(1, "a").sizeMb(300).build();
        long t0 = System.nanoTime();
        var stored = d.copy(ds, img).get(5, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(140);
        assertThat(stored.source()).isEqualTo("/d/101/dummy-1");
        var c = d.monitor(ds).get(5, TimeUnit.SECONDS);
        assertThat(c.totalMb()).isEqualTo(1000);
        assertThat(c.usedMb()).isEqualTo(300);
        assertThat(c.freeMb()).isEqualTo(700);
        d.delete(ds, img).get(5, TimeUnit.SECONDS);
        assertThat(d.monitor(ds).get(5, TimeUnit.SECONDS).usedMb()).isZero();
        assertThat(d.stat(ds("DUMMY_DELAY_MS=0"), "/x").get()).isEqualTo(1024L);
    }

    @Test
    void failsTheListedOperations() {
        DummyDatastoreDriver d = new DummyDatastoreDriver();
        Datastore ds = ds("DUMMY_DELAY_MS=0\nDUMMY_FAIL=\"cp, rm\"");
        Image img = Image.builder(1, "a").sizeMb(1).build();
        assertThatThrownBy(() -> d.copy(ds, img).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DatastoreDriverException.class).hasMessageContaining("cp failed");
        assertThatThrownBy(() -> d.delete(ds, img).get(5, TimeUnit.SECONDS)).hasMessageContaining("rm failed");
        assertThat(d.mkfs(ds, img).join().format()).isEqualTo("raw");
    }
}
