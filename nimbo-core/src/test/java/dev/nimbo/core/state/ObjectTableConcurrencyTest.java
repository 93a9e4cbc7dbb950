package dev.nimbo.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.document.Document;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Readers look objects up by name while the single writer replaces them: a lookup must never miss. */
class ObjectTableConcurrencyTest {

    @Test
    void replacingAnObjectNeverHidesItsName() throws Exception {
        ObjectTable table = new ObjectTable();
        table.apply(new Record.Put(doc(0)));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong misses = new AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                if (table.byName(ObjectType.DOCUMENT, 0, "kept") == null) {
                    misses.incrementAndGet();
                }
            }
        });
        for (int version = 1; version < 2_000_000; version++) {
            table.apply(new Record.Put(doc(version)));
        }
        stop.set(true);
        reader.join();
        assertThat(misses.get()).isZero();
    }

    @Test
    void renamingMovesTheNameAndDeletingDropsIt() {
        ObjectTable table = new ObjectTable();
        table.apply(new Record.Put(doc(0)));
        table.apply(new Record.Put(doc(0).withName("renamed")));
        assertThat(table.byName(ObjectType.DOCUMENT, 0, "kept")).isNull();
        assertThat(table.byName(ObjectType.DOCUMENT, 0, "renamed")).isNotNull();
        table.apply(new Record.Delete(ObjectType.DOCUMENT, 0));
        assertThat(table.byName(ObjectType.DOCUMENT, 0, "renamed")).isNull();
    }

    private static Document doc(int version) {
        return new Document(0, "kept", 0, 0, "oneadmin", "oneadmin", version, new Permissions(0600), Lock.NONE,
                Template.EMPTY);
    }
}
