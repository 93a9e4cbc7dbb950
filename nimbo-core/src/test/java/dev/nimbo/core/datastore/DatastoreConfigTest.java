package dev.nimbo.core.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Datastore TYPE/DS_MAD/TM_MAD/DISK_TYPE rules on create and update, and SAFE_DIRS. */
class DatastoreConfigTest {
    static final Set<String> MADS = Set.of("dummy", "fs");

    @Test
    void imageDatastoreGetsTransferAttributesAndSafeDirs() {
        var r = DatastoreConfig.forCreate(Template.parse("NAME=x\nDS_MAD=fs\nTM_MAD=shared\nBASE_PATH=/etc"), MADS);
        assertThat(r.dsType()).isEqualTo(Datastore.IMAGE_DS);
        assertThat(r.dsMad()).isEqualTo("fs");
        Template t = r.template();
        assertThat(t.get("NAME")).isNull();
        assertThat(t.get("BASE_PATH")).isNull();
        assertThat(t.get("TYPE")).isEqualTo("IMAGE_DS");
        assertThat(t.get("LN_TARGET")).isEqualTo("NONE");
        assertThat(t.get("CLONE_TARGET")).isEqualTo("SYSTEM");
        assertThat(t.get("TM_MAD_SYSTEM")).isEqualTo("ssh");
        assertThat(t.get("DISK_TYPE")).isEqualTo("FILE");
        assertThat(t.get("SAFE_DIRS")).isEqualTo("/var/tmp");
        assertThat(t.get("RESTRICTED_DIRS")).isEqualTo("/");
        assertThat(t.get("ALLOW_ORPHANS")).isEqualTo("FORMAT");
    }

    @Test
    void systemDatastores() {
        var r = DatastoreConfig.forCreate(Template.parse("TYPE=system_ds\nTM_MAD=ssh"), MADS);
        assertThat(r.dsMad()).isEqualTo("-");
        assertThat(r.template().get("SHARED")).isEqualTo("NO");
        assertThat(r.template().get("LN_TARGET")).isNull();
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("TYPE=SYSTEM_DS\nDS_MAD=fs\nTM_MAD=ssh"), MADS))
                .hasMessage("SYSTEM datastores cannot have DS_MAD defined.");
    }

    @Test
    void badDriversAndDiskTypes() {
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("TM_MAD=ssh"), MADS))
                .hasMessage("No DS_MAD in template.");
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("DS_MAD=ceph\nTM_MAD=ssh"), MADS))
                .hasMessage("DS_MAD named \"ceph\" is not defined (available: dummy, fs).");
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("DS_MAD=fs"), MADS))
                .hasMessage("No TM_MAD in template.");
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("DS_MAD=fs\nTM_MAD=nfs"), MADS))
                .hasMessageStartingWith("TM_MAD named \"nfs\" is not defined");
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("DS_MAD=fs\nTM_MAD=ssh\nDISK_TYPE=CDROM"), MADS))
                .hasMessage("Invalid DISK_TYPE for an Image Datastore.");
        assertThatThrownBy(() -> DatastoreConfig.forCreate(Template.parse("DS_MAD=fs\nTM_MAD=ssh\nDISK_TYPE=floppy"), MADS))
                .hasMessage("Unknown DISK_TYPE in template.");
    }

    @Test
    void updateKeepsDriversAndRechecks() {
        Datastore ds = new Datastore(100, "d", 0, 0, "oneadmin", "oneadmin", new Permissions(0640), "fs", "ssh", "/x/100",
                Datastore.IMAGE_DS, 0, 0, Set.of(0), 0, 0, 0, Set.of(), Template.parse("DS_MAD=fs\nTM_MAD=ssh"));
        var r = DatastoreConfig.forUpdate(ds, Template.parse("DESCRIPTION=hi"), MADS);
        assertThat(r.dsMad()).isEqualTo("fs");
        assertThat(r.tmMad()).isEqualTo("ssh");
        assertThat(r.template().get("DS_MAD")).isEqualTo("fs");
        assertThat(r.template().get("TYPE")).isEqualTo("IMAGE_DS");
        assertThatThrownBy(() -> DatastoreConfig.forUpdate(ds, Template.parse("DS_MAD=nope"), MADS))
                .hasMessageStartingWith("DS_MAD named \"nope\"");
        Datastore system = new Datastore(0, "system", 0, 0, "oneadmin", "oneadmin", new Permissions(0640), "-", "ssh",
                "/x/0", Datastore.SYSTEM_DS, 0, 0, Set.of(0), 0, 0, 0, Set.of(), Template.EMPTY);
        assertThat(DatastoreConfig.forUpdate(system, Template.parse("TYPE=IMAGE_DS"), MADS).dsType())
                .isEqualTo(Datastore.SYSTEM_DS);
    }

    @Test
    void safeDirs() {
        Template defaults = Template.EMPTY;
        assertThat(SafeDirs.refusal(defaults, "/var/tmp/a.img")).isNull();
        assertThat(SafeDirs.refusal(defaults, "/etc/passwd"))
                .isEqualTo("Not allowed to copy image from /etc/passwd, check SAFE_DIRS in your datastore");
        assertThat(SafeDirs.refusal(defaults, "/var/tmp/../../etc/passwd")).isNotNull();
        assertThat(SafeDirs.refusal(defaults, "/var/tmpx/a")).isNotNull();
        assertThat(SafeDirs.refusal(defaults, "relative.img")).contains("must be absolute");
        Template custom = Template.parse("SAFE_DIRS=\"/srv/images /data\"\nRESTRICTED_DIRS=\"/\"");
        assertThat(SafeDirs.refusal(custom, "/data/x.qcow2")).isNull();
        assertThat(SafeDirs.refusal(custom, "/var/tmp/x")).isNotNull();
        Template denyList = Template.parse("RESTRICTED_DIRS=\"/etc /root\"");
        assertThat(SafeDirs.allowed(denyList, Path.of("/home/u/x"))).isTrue();
        assertThat(SafeDirs.allowed(denyList, Path.of("/etc/shadow"))).isFalse();
    }

    @Test
    void availableSpaceHonoursLimitMb() {
        Datastore ds = new Datastore(100, "d", 0, 0, "o", "o", new Permissions(0640), "fs", "ssh", "/x", 0, 0, 0, Set.of(),
                1000, 800, 200, Set.of(), Template.EMPTY);
        assertThat(ds.availableMb()).isEqualTo(800);
        assertThat(ds.withTemplate(Template.parse("LIMIT_MB=250")).availableMb()).isEqualTo(50);
        assertThat(ds.withTemplate(Template.parse("LIMIT_MB=100")).availableMb()).isZero();
        assertThat(ds.capacityCheck()).isTrue();
        assertThat(ds.withTemplate(Template.parse("DATASTORE_CAPACITY_CHECK=no")).capacityCheck()).isFalse();
    }
}
