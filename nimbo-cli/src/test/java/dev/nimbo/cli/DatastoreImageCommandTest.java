package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nimbo datastore} and {@code nimbo image} against the fake endpoint: output and what is sent. */
class DatastoreImageCommandTest {
    static final String DS_POOL = """
            <DATASTORE_POOL>
              <DATASTORE><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>system</NAME>
                <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M>
                <GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>
                <DS_MAD>-</DS_MAD><TM_MAD>local</TM_MAD><BASE_PATH>/var/lib/nimbo/datastores/0</BASE_PATH><TYPE>1</TYPE>
                <DISK_TYPE>0</DISK_TYPE><STATE>1</STATE><CLUSTERS><ID>0</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB><FREE_MB>0</FREE_MB>
                <USED_MB>0</USED_MB><IMAGES></IMAGES><TEMPLATE><TYPE><![CDATA[SYSTEM_DS]]></TYPE></TEMPLATE></DATASTORE>
              <DATASTORE><ID>1</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>default</NAME>
                <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M>
                <GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>
                <DS_MAD>fs</DS_MAD><TM_MAD>shared</TM_MAD><BASE_PATH>/var/lib/nimbo/datastores/1</BASE_PATH><TYPE>0</TYPE>
                <DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0</ID><ID>100</ID></CLUSTERS><TOTAL_MB>102400</TOTAL_MB>
                <FREE_MB>76800</FREE_MB><USED_MB>25600</USED_MB><IMAGES><ID>7</ID><ID>8</ID></IMAGES>
                <TEMPLATE><DS_MAD><![CDATA[fs]]></DS_MAD><LIMIT_MB><![CDATA[51200]]></LIMIT_MB><TYPE><![CDATA[IMAGE_DS]]></TYPE></TEMPLATE></DATASTORE>
            </DATASTORE_POOL>
            """;
    static final String IMAGE_7 = """
            <IMAGE><ID>7</ID><UID>1</UID><GID>1</GID><UNAME>alice</UNAME><GNAME>users</GNAME><NAME>ubuntu</NAME>
              <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M>
                <GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>
              <TYPE>0</TYPE><DISK_TYPE>0</DISK_TYPE><PERSISTENT>1</PERSISTENT><REGTIME>1735686000</REGTIME><MODTIME>1735686000</MODTIME>
              <SOURCE>/var/lib/nimbo/datastores/1/ab12</SOURCE><PATH>/var/tmp/ubuntu.qcow2</PATH><FORMAT>qcow2</FORMAT><FS></FS>
              <SIZE>2252</SIZE><STATE>8</STATE><PREV_STATE>1</PREV_STATE><RUNNING_VMS>1</RUNNING_VMS><CLONING_OPS>0</CLONING_OPS>
              <CLONING_ID>-1</CLONING_ID><TARGET_SNAPSHOT>-1</TARGET_SNAPSHOT><DATASTORE_ID>1</DATASTORE_ID><DATASTORE>default</DATASTORE>
              <VMS><ID>12</ID></VMS><CLONES></CLONES><APP_CLONES></APP_CLONES>
              <TEMPLATE><DEV_PREFIX><![CDATA[sd]]></DEV_PREFIX></TEMPLATE>
              <SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS><CURRENT_BASE><![CDATA[-1]]></CURRENT_BASE>
                <NEXT_SNAPSHOT><![CDATA[1]]></NEXT_SNAPSHOT><SNAPSHOT><ACTIVE><![CDATA[YES]]></ACTIVE><DATE><![CDATA[1735689600]]></DATE>
                <ID><![CDATA[0]]></ID><NAME><![CDATA[before-upgrade]]></NAME><PARENT><![CDATA[-1]]></PARENT><SIZE><![CDATA[300]]></SIZE></SNAPSHOT>
              </SNAPSHOTS><BACKUP_INCREMENTS/><BACKUP_DISK_IDS></BACKUP_DISK_IDS></IMAGE>
            """;
    static final String IMAGE_POOL = "<IMAGE_POOL>" + IMAGE_7 + """
            <IMAGE><ID>8</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>scratch</NAME>
              <TYPE>2</TYPE><PERSISTENT>0</PERSISTENT><SIZE>10240</SIZE><STATE>4</STATE><RUNNING_VMS>0</RUNNING_VMS>
              <DATASTORE_ID>1</DATASTORE_ID><DATASTORE>default</DATASTORE><FORMAT>raw</FORMAT><TEMPLATE/></IMAGE>
            </IMAGE_POOL>
            """;

    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.datastorepool.info", DS_POOL)
                .ok("one.imagepool.info", IMAGE_POOL)
                .ok("one.image.info", IMAGE_7)
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.grouppool.info", Docs.GROUP_POOL)
                .on("one.datastore.info", p -> List.of(true, DS_POOL.substring(DS_POOL.indexOf("<DATASTORE><ID>1<"),
                        DS_POOL.indexOf("</DATASTORE_POOL>")), 0));
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void datastoreListShowsCapacityAndType() {
        var r = cli.run("datastore", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
                ID NAME    SIZE AVAIL CLUSTERS IMAGES TYPE DS TM     STAT
                 0 system    0M     - 0             0 sys  -  local  off
                 1 default 100G   75% 0,100         2 img  fs shared on
                """);
        assertThat(cli.run("datastore", "list", "--filter", "TYPE=img", "--list", "NAME,FREE,USED").out())
                .isEqualTo("NAME    FREE USED\ndefault  75G  25G\n");
    }

    @Test
    void datastoreShow() {
        var r = cli.run("datastore", "show", "default");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("DATASTORE 1 INFORMATION").contains("BASE PATH       : /var/lib/nimbo/datastores/1")
                .contains("TYPE            : IMAGE_DS").contains("LIMIT           : 50G").contains("OWNER           : um-")
                .contains("GROUP           : u--").contains("IMAGES\n7,8\n");
        assertThat(fake.last("one.datastore.info")).containsExactly("oneadmin:secret", 1, false);
    }

    @Test
    void datastoreVerbs() {
        fake.ok("one.datastore.allocate", 100).ok("one.datastore.delete", 1).ok("one.datastore.update", 1)
                .ok("one.datastore.rename", 1).ok("one.datastore.chmod", 1).ok("one.datastore.chown", 1)
                .ok("one.datastore.enable", 0);
        assertThat(cli.run("datastore", "create", "--name", "fast", "--ds-mad", "fs", "--tm-mad", "shared",
                "--safe-dirs", "/srv/img", "--limit", "1t").out()).isEqualTo("ID: 100\n");
        assertThat(fake.last("one.datastore.allocate")).containsExactly("oneadmin:secret",
                "NAME=\"fast\"\nDS_MAD=\"fs\"\nTM_MAD=\"shared\"\nSAFE_DIRS=\"/srv/img\"\nLIMIT_MB=\"1048576\"\n", -1);
        assertThat(cli.stdin("NAME=sys\nTM_MAD=ssh").run("datastore", "create", "-", "--type", "system").exit()).isZero();
        assertThat(fake.last("one.datastore.allocate").get(1)).isEqualTo("NAME=sys\nTM_MAD=ssh\nTYPE=\"SYSTEM_DS\"\n");
        assertThat(cli.run("datastore", "create").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("datastore", "delete", "default").exit()).isZero();
        assertThat(fake.last("one.datastore.delete")).containsExactly("oneadmin:secret", 1);
        assertThat(cli.stdin("LIMIT_MB=1").run("datastore", "update", "default", "-", "--append").exit()).isZero();
        assertThat(fake.last("one.datastore.update")).containsExactly("oneadmin:secret", 1, "LIMIT_MB=1", 1);
        assertThat(cli.run("datastore", "rename", "1", "main").exit()).isZero();
        assertThat(cli.run("datastore", "chmod", "default", "644").exit()).isZero();
        assertThat(fake.last("one.datastore.chmod")).containsExactly("oneadmin:secret", 1, 1, 1, 0, 1, 0, 0, 1, 0, 0);
        assertThat(cli.run("datastore", "chmod", "default", "9").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("datastore", "chown", "default", "alice", "users").exit()).isZero();
        assertThat(fake.last("one.datastore.chown")).containsExactly("oneadmin:secret", 1, 1, 1);
        assertThat(cli.run("datastore", "chgrp", "default", "devs").exit()).isZero();
        assertThat(fake.last("one.datastore.chown")).containsExactly("oneadmin:secret", 1, -1, 100);
        assertThat(cli.run("datastore", "disable", "system").exit()).isZero();
        assertThat(fake.last("one.datastore.enable")).containsExactly("oneadmin:secret", 0, false);
        assertThat(cli.run("datastore", "enable", "0").exit()).isZero();
        assertThat(fake.last("one.datastore.enable")).containsExactly("oneadmin:secret", 0, true);
    }

    @Test
    void imageListShowsStatesTypesAndSizes() {
        var r = cli.run("image", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
                ID USER     GROUP    NAME    DATASTORE SIZE TYPE      PER STAT RVMS
                 7 alice    users    ubuntu  default   2.2G OS        Yes used    1
                 8 oneadmin oneadmin scratch default    10G DATABLOCK No  lock    0
                """);
        assertThat(fake.last("one.imagepool.info")).containsExactly("oneadmin:secret", -2, -1, -1);
        assertThat(cli.run("image", "list", "--list", "ID,STATE", "--filter", "STAT=lock").out())
                .isEqualTo("ID STATE\n 8 LOCKED\n");
    }

    @Test
    void imageShowHasSnapshotsAndVms() {
        var r = cli.run("image", "show", "ubuntu");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("IMAGE 7 INFORMATION").contains("STATE           : USED_PERS")
                .contains("PERSISTENT      : Yes").contains("DATASTORE       : default (1)").contains("SIZE            : 2.2G")
                .contains("IMAGE SNAPSHOTS").contains("before-upgrade").contains("VIRTUAL MACHINES\n12\n")
                .contains("REGISTER TIME   : 1h ago");
        assertThat(cli.run("image", "show", "7", "-j").out()).contains("\"NAME\": \"ubuntu\"");
    }

    @Test
    void imageCreateFromPathOrSize() {
        fake.ok("one.image.allocate", 9);
        assertThat(cli.run("image", "create", "--datastore", "default", "--path", "/var/tmp/debian.qcow2").out())
                .isEqualTo("ID: 9\n");
        assertThat(fake.last("one.image.allocate")).containsExactly("oneadmin:secret",
                "NAME=\"debian.qcow2\"\nPATH=\"/var/tmp/debian.qcow2\"\n", 1, false);
        assertThat(cli.run("image", "create", "-d", "1", "--name", "data", "--size", "10g", "--type", "datablock",
                "--persistent", "--no-check-capacity").exit()).isZero();
        assertThat(fake.last("one.image.allocate")).containsExactly("oneadmin:secret",
                "NAME=\"data\"\nSIZE=\"10240\"\nTYPE=\"DATABLOCK\"\nPERSISTENT=\"YES\"\n", 1, true);
        assertThat(cli.run("image", "create", "-d", "1", "--name", "x").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("image", "create", "--path", "/x").exit()).isEqualTo(ExitCodes.USAGE);
        fake.fail("one.image.allocate", 0x4000, "[one.image.allocate] Error allocating a new image. Not allowed to copy "
                + "image from /etc/passwd, check SAFE_DIRS in your datastore");
        var r = cli.run("image", "create", "-d", "default", "--path", "/etc/passwd");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).contains("check SAFE_DIRS");
    }

    @Test
    void imageVerbs() {
        for (String m : List.of("one.image.delete", "one.image.persistent", "one.image.chtype", "one.image.enable",
                "one.image.update", "one.image.rename", "one.image.chmod", "one.image.chown", "one.image.lock",
                "one.image.unlock", "one.image.snapshotdelete", "one.image.snapshotrevert", "one.image.snapshotflatten")) {
            fake.ok(m, 7);
        }
        fake.ok("one.image.restore", "12 13 14");
        assertThat(cli.run("image", "restore", "ubuntu", "-d", "default", "--name", "web again", "--no-ip").out())
                .isEqualTo("IDS: 12 13 14\n");
        assertThat(fake.last("one.image.restore")).containsExactly("oneadmin:secret", 7, 1,
                "NAME=\"web again\"\nNO_IP=YES\n");
        assertThat(cli.run("image", "restore", "7", "-d", "1", "--increment", "2", "--disk", "0", "--no-nic").exit())
                .isZero();
        assertThat(fake.last("one.image.restore")).containsExactly("oneadmin:secret", 7, 1,
                "INCREMENT_ID=2\nDISK_ID=0\nNO_NIC=YES\n");
        assertThat(cli.run("image", "restore", "7").exit()).isEqualTo(2);
        fake.ok("one.image.clone", 10);
        assertThat(cli.run("image", "clone", "ubuntu", "ubuntu-copy", "--datastore", "default").out()).isEqualTo("ID: 10\n");
        assertThat(fake.last("one.image.clone")).containsExactly("oneadmin:secret", 7, "ubuntu-copy", 1);
        assertThat(cli.run("image", "delete", "ubuntu", "--force").exit()).isZero();
        assertThat(fake.last("one.image.delete")).containsExactly("oneadmin:secret", 7, true);
        assertThat(cli.run("image", "nonpersistent", "7").exit()).isZero();
        assertThat(fake.last("one.image.persistent")).containsExactly("oneadmin:secret", 7, false);
        assertThat(cli.run("image", "persistent", "7").exit()).isZero();
        assertThat(fake.last("one.image.persistent")).containsExactly("oneadmin:secret", 7, true);
        assertThat(cli.run("image", "chtype", "7", "cdrom").exit()).isZero();
        assertThat(fake.last("one.image.chtype")).containsExactly("oneadmin:secret", 7, "CDROM");
        assertThat(cli.run("image", "disable", "7").exit()).isZero();
        assertThat(fake.last("one.image.enable")).containsExactly("oneadmin:secret", 7, false);
        assertThat(cli.run("image", "enable", "7").exit()).isZero();
        assertThat(cli.stdin("A=1").run("image", "update", "7", "-").exit()).isZero();
        assertThat(fake.last("one.image.update")).containsExactly("oneadmin:secret", 7, "A=1", 0);
        assertThat(cli.run("image", "rename", "7", "noble").exit()).isZero();
        assertThat(cli.run("image", "chmod", "7", "604").exit()).isZero();
        assertThat(fake.last("one.image.chmod")).containsExactly("oneadmin:secret", 7, 1, 1, 0, 0, 0, 0, 1, 0, 0);
        assertThat(cli.run("image", "chown", "7", "bob").exit()).isZero();
        assertThat(fake.last("one.image.chown")).containsExactly("oneadmin:secret", 7, 2, -1);
        assertThat(cli.run("image", "chgrp", "7", "users").exit()).isZero();
        assertThat(fake.last("one.image.chown")).containsExactly("oneadmin:secret", 7, -1, 1);
        assertThat(cli.run("image", "lock", "7", "--level", "manage").exit()).isZero();
        assertThat(fake.last("one.image.lock")).containsExactly("oneadmin:secret", 7, 2, false);
        assertThat(cli.run("image", "lock", "7", "--level", "most").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("image", "unlock", "7").exit()).isZero();
        assertThat(cli.run("image", "snapshot-delete", "7", "0").exit()).isZero();
        assertThat(fake.last("one.image.snapshotdelete")).containsExactly("oneadmin:secret", 7, 0);
        assertThat(cli.run("image", "snapshot-revert", "7", "0").exit()).isZero();
        assertThat(cli.run("image", "snapshot-flatten", "7", "0").exit()).isZero();
        assertThat(fake.last("one.image.snapshotflatten")).containsExactly("oneadmin:secret", 7, 0);
        fake.fail("one.image.delete", 0x800, "[one.image.delete] Cannot delete image. There are 1 VMs using it.");
        var r = cli.run("image", "delete", "ubuntu");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).contains("There are 1 VMs using it.");
    }
}
