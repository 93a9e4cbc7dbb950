package dev.nimbo.drivers.ds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.image.BackupIncrements;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rsync backup driver on a real temporary directory. */
class RsyncBackupDriverTest {
    @TempDir
    Path dir;

    Datastore ds;
    RsyncBackupDriver driver = new RsyncBackupDriver();
    Path disk0;
    Path disk1;

    @BeforeEach
    void setUp() throws Exception {
        ds = new Datastore(101, "backups", 0, 0, "oneadmin", "oneadmin", new Permissions(0640), "rsync", "-",
                dir.resolve("ds/101").toString(), Datastore.BACKUP_DS, 0, 0, Set.of(0), 0, 0, 0, Set.of(),
                Template.EMPTY);
        disk0 = Files.writeString(dir.resolve("vm-disk0"), "zero");
        disk1 = Files.writeString(dir.resolve("vm-disk1"), "one!");
    }

    static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    Image backupImage(String source, BackupIncrements incs) {
        return Image.builder(5, "b").imageType(ImageType.BACKUP).datastore(ds.id(), ds.name()).source(source)
                .increments(incs).build();
    }

    @Test
    void backupCopiesEveryDiskAndRestoreWritesItBack() throws Exception {
        BackupDriver.Saved s = get(driver.backup(ds, 7, List.of(new BackupDriver.Disk(0, disk0.toString(), 1),
                new BackupDriver.Disk(1, disk1.toString(), 1)), "", "<VM><ID>7</ID></VM>"));
        Path b = Path.of(s.source());
        assertThat(b.getParent()).isEqualTo(dir.resolve("ds/101/7").toAbsolutePath());
        assertThat(Files.readString(b.resolve("disk.0"))).isEqualTo("zero");
        assertThat(Files.readString(b.resolve("disk.1"))).isEqualTo("one!");
        assertThat(s.sizeMb()).isEqualTo(1);
        Image full = backupImage(s.source(), BackupIncrements.EMPTY);
        assertThat(get(driver.vmXml(ds, full, -1))).isEqualTo("<VM><ID>7</ID></VM>");
        assertThat(driver.diskSource(ds, full, -1, 1)).isEqualTo(b.resolve("disk.1").toString());

        Path target = dir.resolve("sys/7/disk.1");
        get(driver.restore(ds, backupImage(s.source(), BackupIncrements.EMPTY), -1,
                List.of(new BackupDriver.Disk(1, target.toString(), 1))));
        assertThat(Files.readString(target)).isEqualTo("one!");
        assertThat(Files.exists(target.resolveSibling("disk.1.part"))).isFalse();

        get(driver.delete(ds, backupImage(s.source(), BackupIncrements.EMPTY)));
        assertThat(Files.exists(b)).isFalse();
    }

    @Test
    void aDiskWithoutFileFailsAndLeavesNothing() throws Exception {
        assertThatThrownBy(() -> get(driver.backup(ds, 7, List.of(new BackupDriver.Disk(0, disk0.toString(), 1),
                new BackupDriver.Disk(1, "", 1)), "", ""))).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(DatastoreDriverException.class)
                .hasMessageContaining("Cannot back up disk 1: it has no file on this front-end");
        try (Stream<Path> left = Files.list(dir.resolve("ds/101/7"))) {
            assertThat(left).isEmpty();
        }
        // sources outside the datastore are refused
        assertThatThrownBy(() -> get(driver.delete(ds, backupImage("/etc", BackupIncrements.EMPTY))))
                .hasMessageContaining("is not under the datastore's BASE_PATH");
        assertThatThrownBy(() -> get(driver.copy(ds, backupImage("", BackupIncrements.EMPTY))))
                .hasMessageContaining("stores VM backups only");
    }

    @Test
    void flattenDropsTheOldestIncrementsAndRestorePicksAnIncrement() throws Exception {
        BackupIncrements incs = BackupIncrements.EMPTY;
        for (String content : List.of("v0", "v1", "v2")) {
            Files.writeString(disk0, content);
            BackupDriver.Saved s = get(driver.backup(ds, 7, List.of(new BackupDriver.Disk(0, disk0.toString(), 1)),
                    incs.isEmpty() ? "" : incs.get(incs.lastId()).source(), "<VM/>"));
            incs = incs.add(s.source(), s.sizeMb(), 1);
        }
        Image img = backupImage(incs.get(0).source(), incs);
        Path target = dir.resolve("sys/7/disk.0");
        get(driver.restore(ds, img, 1, List.of(new BackupDriver.Disk(0, target.toString(), 1))));
        assertThat(Files.readString(target)).isEqualTo("v1");
        get(driver.restore(ds, img, -1, List.of(new BackupDriver.Disk(0, target.toString(), 1))));
        assertThat(Files.readString(target)).isEqualTo("v2");
        assertThatThrownBy(() -> get(driver.restore(ds, img, 9, List.of(new BackupDriver.Disk(0, target.toString(),
                1))))).hasMessageContaining("has no increment 9");

        BackupDriver.Saved merged = get(driver.flatten(ds, img, 2));
        assertThat(merged.source()).isEqualTo(incs.get(1).source());
        assertThat(Files.exists(Path.of(incs.get(0).source()))).isFalse();
        assertThat(Files.readString(Path.of(incs.get(1).source()).resolve("disk.0"))).isEqualTo("v1");
        assertThat(get(driver.flatten(ds, img.toBuilder().increments(incs.keepLast(2, null, -1)).build(), 2)).source())
                .isNull();
    }
}
