package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nimbo vm} (and {@code nimbo template instantiate}) against the fake endpoint. */
class VmCommandTest {
    // NOW is 1735689600 (2025-01-01T00:00:00Z)
    static final String WEB = "<VM><ID>7</ID><UID>2</UID><GID>1</GID><UNAME>dave</UNAME><GNAME>users</GNAME><NAME>web</NAME>"
            + "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M>"
            + "<GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>"
            + "<LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>3</LCM_STATE><PREV_STATE>3</PREV_STATE>"
            + "<PREV_LCM_STATE>2</PREV_LCM_STATE><RESCHED>0</RESCHED><STIME>1735603200</STIME><ETIME>0</ETIME>"
            + "<DEPLOY_ID>dummy-7</DEPLOY_ID><MONITORING><CPU><![CDATA[12.5]]></CPU><MEMORY><![CDATA[524288]]></MEMORY></MONITORING>"
            + "<TEMPLATE><CPU><![CDATA[1]]></CPU><MEMORY><![CDATA[2048]]></MEMORY><VCPU><![CDATA[2]]></VCPU>"
            + "<DISK><DATASTORE><![CDATA[dummy-ds]]></DATASTORE><DISK_ID><![CDATA[0]]></DISK_ID><IMAGE><![CDATA[ubuntu]]></IMAGE>"
            + "<IMAGE_ID><![CDATA[4]]></IMAGE_ID><SIZE><![CDATA[8]]></SIZE><TARGET><![CDATA[vda]]></TARGET>"
            + "<PERSISTENT><![CDATA[YES]]></PERSISTENT></DISK>"
            + "<NIC><BRIDGE><![CDATA[br0]]></BRIDGE><IP><![CDATA[10.0.0.11]]></IP><MAC><![CDATA[02:00:0a:00:00:0b]]></MAC>"
            + "<NETWORK><![CDATA[dave-net]]></NETWORK><NIC_ID><![CDATA[0]]></NIC_ID></NIC>"
            + "<SNAPSHOT><ACTIVE><![CDATA[YES]]></ACTIVE><NAME><![CDATA[before-upgrade]]></NAME><SNAPSHOT_ID><![CDATA[0]]></SNAPSHOT_ID>"
            + "<TIME><![CDATA[1735686000]]></TIME></SNAPSHOT>"
            + "<TOPOLOGY><CORES><![CDATA[2]]></CORES><SOCKETS><![CDATA[1]]></SOCKETS><THREADS><![CDATA[1]]></THREADS></TOPOLOGY>"
            + "</TEMPLATE><USER_TEMPLATE><DESCRIPTION><![CDATA[front end]]></DESCRIPTION></USER_TEMPLATE>"
            + "<HISTORY_RECORDS><HISTORY><OID>7</OID><SEQ>0</SEQ><HOSTNAME>edge-1</HOSTNAME><HID>3</HID><CID>0</CID>"
            + "<STIME>1735603300</STIME><ETIME>1735689000</ETIME><DS_ID>0</DS_ID><ACTION>19</ACTION><UID>2</UID></HISTORY>"
            + "<HISTORY><OID>7</OID><SEQ>1</SEQ><HOSTNAME>edge-1</HOSTNAME><HID>3</HID><CID>0</CID>"
            + "<STIME>1735689000</STIME><ETIME>0</ETIME><DS_ID>0</DS_ID><ACTION>0</ACTION><UID>-1</UID></HISTORY>"
            + "</HISTORY_RECORDS></VM>";
    static final String VM_POOL = "<VM_POOL>" + WEB
            + "<VM><ID>8</ID><UID>2</UID><GID>1</GID><UNAME>dave</UNAME><GNAME>users</GNAME><NAME>db</NAME>"
            + "<STATE>1</STATE><LCM_STATE>0</LCM_STATE><STIME>1735689540</STIME><ETIME>0</ETIME>"
            + "<TEMPLATE><CPU><![CDATA[0.5]]></CPU><MEMORY><![CDATA[512]]></MEMORY></TEMPLATE><HISTORY_RECORDS/></VM>"
            + "<VM><ID>9</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>old</NAME>"
            + "<STATE>8</STATE><LCM_STATE>0</LCM_STATE><STIME>1735430400</STIME><ETIME>0</ETIME>"
            + "<TEMPLATE><CPU><![CDATA[2]]></CPU><MEMORY><![CDATA[4096]]></MEMORY></TEMPLATE><HISTORY_RECORDS><HISTORY>"
            + "<SEQ>0</SEQ><HOSTNAME>edge-2</HOSTNAME><HID>4</HID></HISTORY></HISTORY_RECORDS></VM>"
            + "<VM><ID>10</ID><UNAME>dave</UNAME><GNAME>users</GNAME><NAME>broken</NAME>"
            + "<STATE>3</STATE><LCM_STATE>36</LCM_STATE><STIME>1735689500</STIME><ETIME>0</ETIME><TEMPLATE/><HISTORY_RECORDS/></VM>"
            + "</VM_POOL>";
    static final String IMAGE_POOL = "<IMAGE_POOL><IMAGE><ID>4</ID><NAME>ubuntu</NAME></IMAGE><IMAGE><ID>5</ID><NAME>data</NAME>"
            + "</IMAGE></IMAGE_POOL>";
    static final String VN_POOL = "<VNET_POOL><VNET><ID>7</ID><NAME>public</NAME></VNET><VNET><ID>12</ID><NAME>dave-net</NAME>"
            + "</VNET></VNET_POOL>";
    static final String HOST_POOL = "<HOST_POOL><HOST><ID>3</ID><NAME>edge-1</NAME></HOST></HOST_POOL>";
    static final String DS_POOL = "<DATASTORE_POOL><DATASTORE><ID>0</ID><NAME>system</NAME></DATASTORE></DATASTORE_POOL>";
    static final String TEMPLATE_POOL = "<VMTEMPLATE_POOL><VMTEMPLATE><ID>3</ID><NAME>small</NAME></VMTEMPLATE></VMTEMPLATE_POOL>";

    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.vmpool.info", VM_POOL)
                .ok("one.vm.info", WEB)
                .ok("one.imagepool.info", IMAGE_POOL)
                .ok("one.vnpool.info", VN_POOL)
                .ok("one.hostpool.info", HOST_POOL)
                .ok("one.datastorepool.info", DS_POOL)
                .ok("one.templatepool.info", TEMPLATE_POOL);
        for (String m : List.of("action", "deploy", "migrate", "recover", "resize", "snapshotrevert", "snapshotdelete",
                "attach", "detach", "attachnic", "detachnic", "scheddelete", "update", "rename", "chmod", "chown", "lock",
                "unlock", "disksnapshotrevert", "disksnapshotdelete", "disksnapshotrename", "diskresize", "attachsg", "detachsg", "schedupdate")) {
            fake.ok("one.vm." + m, 7);
        }
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void listShowsShortStatesHostAndTime() {
        var r = cli.run("vm", "list");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "ID USER     GROUP    NAME   STAT CPU  MEM HOST       TIME",
                " 7 dave     users    web    runn   1   2G edge-1 1d 00h00",
                " 8 dave     users    db     pend 0.5 512M -      0d 00h01",
                " 9 oneadmin oneadmin old    poff   2   4G edge-2 3d 00h00",
                "10 dave     users    broken fail   -    - -      0d 00h01");
        assertThat(fake.last("one.vmpool.info")).containsExactly("oneadmin:secret", -2, -1, -1, -1);

        var wide = cli.run("vm", "list", "--list", "id,ip,state,lcm_state,umem,host_id", "--filter", "STAT=runn");
        assertThat(wide.out().lines().toList()).containsExactly(
                "ID IP        STATE  LCM_STATE UMEM HOST_ID",
                " 7 10.0.0.11 ACTIVE RUNNING   512M       3");
        assertThat(cli.run("vm", "list", "--csv", "--list", "ID,STAT").out()).isEqualTo("ID,STAT\n7,runn\n8,pend\n9,poff\n10,fail\n");
    }

    @Test
    void showHasHistoryDisksNicsAndSnapshots() {
        var r = cli.run("vm", "show", "web");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.last("one.vm.info")).containsExactly("oneadmin:secret", 7, false);
        assertThat(r.out()).contains("VIRTUAL MACHINE 7 INFORMATION")
                .contains("STATE           : ACTIVE")
                .contains("LCM_STATE       : RUNNING")
                .contains("HOST            : edge-1")
                .contains("START TIME      : 1d ago")
                .contains("DEPLOY ID       : dummy-7")
                .contains("MEMORY          : 2G")
                .contains("TOPOLOGY        : sockets=1 cores=2 threads=1")
                .contains("VM DISKS")
                .containsPattern("0 dummy-ds\\s+vda\\s+ubuntu\\s+8M\\s+-\\s+YES")
                .contains("VM NICS")
                .containsPattern("0 dave-net br0\\s+10.0.0.11 02:00:0a:00:00:0b")
                .contains("SNAPSHOTS")
                .containsPattern("0 =>\\s+1h ago\\s+before-upgrade")
                .contains("VIRTUAL MACHINE HISTORY")
                .containsPattern("0\\s+2 edge-1 poweroff\\s+0 23h ago\\s+0d 23h48")
                .containsPattern("1\\s+-1 edge-1 none\\s+0 10m ago\\s+0d 00h10")
                .contains("USER TEMPLATE")
                .contains("DESCRIPTION=\"front end\"")
                .contains("VIRTUAL MACHINE TEMPLATE")
                .contains("VCPU=\"2\"");
        // vectors shown as tables are not repeated in the template dump
        assertThat(r.out().substring(r.out().indexOf("VIRTUAL MACHINE TEMPLATE"))).doesNotContain("DISK=").doesNotContain("NIC=");
        assertThat(cli.run("vm", "show", "7", "-x").out()).contains("<VM>").contains("<NAME>web</NAME>");
    }

    @Test
    void showHasBackups() {
        fake.ok("one.vm.info", WEB.replace("</HISTORY_RECORDS>", "</HISTORY_RECORDS><BACKUPS><BACKUP_CONFIG>"
                + "<KEEP_LAST><![CDATA[3]]></KEEP_LAST><MODE><![CDATA[INCREMENT]]></MODE></BACKUP_CONFIG>"
                + "<BACKUP_IDS><ID>40</ID><ID>42</ID></BACKUP_IDS></BACKUPS>"));
        var r = cli.run("vm", "show", "web");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("BACKUP CONFIGURATION").contains("KEEP_LAST=\"3\"").contains("MODE=\"INCREMENT\"")
                .contains("VM BACKUPS").containsPattern("IMAGE IDS\\s+: 40,42");
        // a VM without backups shows no backup sections
        fake.ok("one.vm.info", WEB);
        assertThat(cli.run("vm", "show", "web").out()).doesNotContain("BACKUP");
    }

    @Test
    void createFromOptionsResolvesImagesAndNetworks() {
        fake.ok("one.vm.allocate", 11);
        var r = cli.run("vm", "create", "--name", "web", "--cpu", "1", "--vcpu", "2", "--memory", "2g", "--disk", "ubuntu,5",
                "--nic", "dave-net", "--nic", "public", "--topology", "sockets=1,cores=2,threads=1", "--hold");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("ID: 11\n");
        assertThat(fake.last("one.vm.allocate")).containsExactly("oneadmin:secret", """
                NAME="web"
                CPU="1"
                VCPU=2
                MEMORY=2048
                DISK=[ IMAGE_ID=4 ]
                DISK=[ IMAGE_ID=5 ]
                NIC=[ NETWORK_ID=12 ]
                NIC=[ NETWORK_ID=7 ]
                TOPOLOGY=[ SOCKETS="1", CORES="2", THREADS="1" ]
                """, true);

        assertThat(cli.stdin("CPU=1\nMEMORY=64").run("vm", "create", "-").exit()).isZero();
        assertThat(fake.last("one.vm.allocate")).containsExactly("oneadmin:secret", "CPU=1\nMEMORY=64\n", false);

        var noImage = cli.run("vm", "create", "--cpu", "1", "--memory", "1g", "--disk", "nope");
        assertThat(noImage.exit()).isEqualTo(1);
        assertThat(noImage.err()).isEqualTo("nimbo: image 'nope' not found\n");
        assertThat(cli.run("vm", "create", "--cpu", "1", "--topology", "cores").exit()).isEqualTo(2);
        assertThat(cli.run("vm", "create", "--cpu", "x", "--memory", "1g").exit()).isEqualTo(2);
        assertThat(cli.run("vm", "create").exit()).isEqualTo(2);
    }

    @Test
    void instantiateFromVmAndTemplateFamilies(@TempDir Path dir) throws Exception {
        fake.ok("one.template.instantiate", 12);
        assertThat(cli.run("vm", "instantiate", "small", "--name", "web-2", "--hold").out()).isEqualTo("ID: 12\n");
        assertThat(fake.last("one.template.instantiate")).containsExactly("oneadmin:secret", 3, "web-2", true, "", false);
        Path extra = dir.resolve("extra");
        Files.writeString(extra, "MEMORY=96");
        assertThat(cli.run("template", "instantiate", "3", "-f", extra.toString()).out()).isEqualTo("ID: 12\n");
        assertThat(fake.last("one.template.instantiate")).containsExactly("oneadmin:secret", 3, "", false, "MEMORY=96", false);
    }

    @Test
    void lifeCycleVerbsSendActionWords() {
        String[][] cases = {
            {"terminate", "terminate"}, {"terminate --hard", "terminate-hard"}, {"undeploy", "undeploy"},
            {"undeploy --hard", "undeploy-hard"}, {"poweroff", "poweroff"}, {"poweroff --hard", "poweroff-hard"},
            {"reboot", "reboot"}, {"reboot --hard", "reboot-hard"}, {"hold", "hold"}, {"release", "release"},
            {"stop", "stop"}, {"suspend", "suspend"}, {"resume", "resume"}, {"resched", "resched"},
            {"unresched", "unresched"}};
        for (String[] c : cases) {
            String[] words = c[0].split(" ");
            String[] args = new String[words.length + 2];
            args[0] = "vm";
            args[1] = words[0];
            args[2] = "web";
            System.arraycopy(words, 1, args, 3, words.length - 1);
            var r = cli.run(args);
            assertThat(r.exit()).as(c[0] + ": " + r.err()).isZero();
            assertThat(fake.last("one.vm.action")).as(c[0]).containsExactly("oneadmin:secret", c[1], 7);
        }
        assertThat(cli.run("vm", "poweroff", "7", "8").exit()).isZero();
        assertThat(fake.methods().stream().filter(m -> m.equals("one.vm.action")).count()).isEqualTo(cases.length + 2);

        fake.fail("one.vm.action", 0x800, "[one.vm.action] Error performing action \"resume\": This action is not available for state RUNNING");
        var refused = cli.run("vm", "resume", "7");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("nimbo: [one.vm.action] Error performing action \"resume\"");
    }

    @Test
    void placementRecoverAndResize() {
        assertThat(cli.run("vm", "deploy", "web", "edge-1").exit()).isZero();
        assertThat(fake.last("one.vm.deploy")).containsExactly("oneadmin:secret", 7, 3, false, -1);
        assertThat(cli.run("vm", "deploy", "web", "edge-1", "system", "--enforce").exit()).isZero();
        assertThat(fake.last("one.vm.deploy")).containsExactly("oneadmin:secret", 7, 3, true, 0);
        assertThat(cli.run("vm", "migrate", "web", "3", "--live", "--ds", "0").exit()).isZero();
        assertThat(fake.last("one.vm.migrate")).containsExactly("oneadmin:secret", 7, 3, true, false, 0, 0);
        assertThat(cli.run("vm", "migrate", "web", "3", "--poweroff-hard").exit()).isZero();
        assertThat(fake.last("one.vm.migrate")).containsExactly("oneadmin:secret", 7, 3, false, false, -1, 2);

        String[][] recover = {{"--success", "1"}, {"--failure", "0"}, {"--retry", "2"}, {"--delete", "3"},
            {"--delete-recreate", "4"}};
        for (String[] c : recover) {
            assertThat(cli.run("vm", "recover", "web", c[0]).exit()).isZero();
            assertThat(fake.last("one.vm.recover")).containsExactly("oneadmin:secret", 7, Integer.parseInt(c[1]));
        }
        assertThat(cli.run("vm", "recover", "web").exit()).isEqualTo(2);
        assertThat(cli.run("vm", "recover", "web", "--success", "--retry").exit()).isEqualTo(2);

        assertThat(cli.run("vm", "resize", "web", "--cpu", "2", "--memory", "4g").exit()).isZero();
        assertThat(fake.last("one.vm.resize")).containsExactly("oneadmin:secret", 7, "CPU=\"2\"\nMEMORY=4096\n", false);
        assertThat(cli.run("vm", "resize", "web").exit()).isEqualTo(2);
    }

    @Test
    void snapshotsHotplugAndSchedules() {
        fake.ok("one.vm.snapshotcreate", 1).ok("one.vm.schedadd", 0);
        assertThat(cli.run("vm", "snapshot-create", "web", "nightly").out()).isEqualTo("ID: 1\n");
        assertThat(fake.last("one.vm.snapshotcreate")).containsExactly("oneadmin:secret", 7, "nightly");
        assertThat(cli.run("vm", "snapshot-revert", "web", "before-upgrade").exit()).isZero();
        assertThat(fake.last("one.vm.snapshotrevert")).containsExactly("oneadmin:secret", 7, 0);
        assertThat(cli.run("vm", "snapshot-delete", "web", "0").exit()).isZero();
        assertThat(fake.last("one.vm.snapshotdelete")).containsExactly("oneadmin:secret", 7, 0);
        var missing = cli.run("vm", "snapshot-revert", "web", "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no snapshot named 'nope'");

        assertThat(cli.run("vm", "disk-attach", "web", "--image", "data").exit()).isZero();
        assertThat(fake.last("one.vm.attach")).containsExactly("oneadmin:secret", 7, "DISK=[ IMAGE_ID=5 ]\n");
        assertThat(cli.run("vm", "disk-attach", "web", "--size", "1g", "--target", "vdc").exit()).isZero();
        assertThat(fake.last("one.vm.attach")).containsExactly("oneadmin:secret", 7, "DISK=[ SIZE=1024, TYPE=\"fs\", TARGET=\"vdc\" ]\n");
        assertThat(cli.run("vm", "disk-attach", "web").exit()).isEqualTo(2);
        assertThat(cli.run("vm", "disk-detach", "web", "1").exit()).isZero();
        assertThat(fake.last("one.vm.detach")).containsExactly("oneadmin:secret", 7, 1);
        assertThat(cli.run("vm", "nic-attach", "web", "--network", "public", "--ip", "10.0.0.5").exit()).isZero();
        assertThat(fake.last("one.vm.attachnic")).containsExactly("oneadmin:secret", 7, "NIC=[ NETWORK_ID=7, IP=\"10.0.0.5\" ]\n");
        assertThat(cli.run("vm", "nic-attach", "web", "--network", "public", "--pci", "3b:02.1").exit()).isZero();
        assertThat(fake.last("one.vm.attachnic")).containsExactly("oneadmin:secret", 7,
                "PCI=[ TYPE=NIC, NETWORK_ID=7, SHORT_ADDRESS=\"3b:02.1\" ]\n");
        assertThat(cli.run("vm", "nic-detach", "web", "1").exit()).isZero();
        assertThat(fake.last("one.vm.detachnic")).containsExactly("oneadmin:secret", 7, 1);

        assertThat(cli.run("vm", "sched-add", "web", "poweroff", "--time", "+3600").out()).isEqualTo("ID: 0\n");
        assertThat(fake.last("one.vm.schedadd")).containsExactly("oneadmin:secret", 7,
                "SCHED_ACTION=[ ACTION=\"poweroff\", TIME=\"+3600\" ]\n");
        assertThat(cli.run("vm", "sched-add", "web", "snapshot-create", "--time", "2025-02-01T00:00:00Z", "--repeat", "weekly",
                "--days", "0,6", "--end", "4").exit()).isZero();
        assertThat(fake.last("one.vm.schedadd")).containsExactly("oneadmin:secret", 7, "SCHED_ACTION=[ ACTION=\"snapshot-create\", "
                + "TIME=\"1738368000\", REPEAT=\"0\", DAYS=\"0,6\", END_TYPE=\"1\", END_VALUE=\"4\" ]\n");
        assertThat(cli.run("vm", "sched-add", "web", "poweroff", "--time", "tomorrow").exit()).isEqualTo(2);
        assertThat(cli.stdin("SCHED_ACTION=[ ACTION=\"poweroff\", TIME=\"+7200\" ]").run("vm", "sched-update", "web", "0", "-")
                .exit()).isZero();
        assertThat(fake.last("one.vm.schedupdate")).containsExactly("oneadmin:secret", 7, 0,
                "SCHED_ACTION=[ ACTION=\"poweroff\", TIME=\"+7200\" ]");
        assertThat(cli.run("vm", "sched-delete", "web", "0").exit()).isZero();
        assertThat(fake.last("one.vm.scheddelete")).containsExactly("oneadmin:secret", 7, 0);
    }

    @Test
    void backupRestoreAndCancel() {
        fake.ok("one.vm.backup", 7).ok("one.vm.backupcancel", 7).ok("one.vm.restore", 7);
        assertThat(cli.run("vm", "backup", "web", "--datastore", "system").exit()).isZero();
        assertThat(fake.last("one.vm.backup")).containsExactly("oneadmin:secret", 7, 0, false);
        assertThat(cli.run("vm", "backup", "web", "-d", "0", "--reset").exit()).isZero();
        assertThat(fake.last("one.vm.backup")).containsExactly("oneadmin:secret", 7, 0, true);
        assertThat(cli.run("vm", "backup", "web").exit()).isEqualTo(2); // the datastore is required
        assertThat(cli.run("vm", "backup-cancel", "web").exit()).isZero();
        assertThat(fake.last("one.vm.backupcancel")).containsExactly("oneadmin:secret", 7);
        assertThat(cli.run("vm", "restore", "web", "data").exit()).isZero();
        assertThat(fake.last("one.vm.restore")).containsExactly("oneadmin:secret", 7, 5, -1, -1);
        assertThat(cli.run("vm", "restore", "web", "4", "--increment", "2", "--disk", "1").exit()).isZero();
        assertThat(fake.last("one.vm.restore")).containsExactly("oneadmin:secret", 7, 4, 2, 1);
    }

    @Test
    void diskSnapshotsAndResize() {
        fake.ok("one.vm.disksnapshotcreate", 2);
        assertThat(cli.run("vm", "disk-snapshot-create", "web", "0", "golden").out()).isEqualTo("ID: 2\n");
        assertThat(fake.last("one.vm.disksnapshotcreate")).containsExactly("oneadmin:secret", 7, 0, "golden");
        assertThat(cli.run("vm", "disk-snapshot-revert", "web", "0", "2").exit()).isZero();
        assertThat(fake.last("one.vm.disksnapshotrevert")).containsExactly("oneadmin:secret", 7, 0, 2);
        assertThat(cli.run("vm", "disk-snapshot-rename", "web", "0", "2", "silver").exit()).isZero();
        assertThat(fake.last("one.vm.disksnapshotrename")).containsExactly("oneadmin:secret", 7, 0, 2, "silver");
        assertThat(cli.run("vm", "disk-snapshot-delete", "web", "0", "2").exit()).isZero();
        assertThat(fake.last("one.vm.disksnapshotdelete")).containsExactly("oneadmin:secret", 7, 0, 2);
        assertThat(cli.run("vm", "disk-resize", "web", "0", "20g").exit()).isZero();
        assertThat(fake.last("one.vm.diskresize")).containsExactly("oneadmin:secret", 7, 0, "20480");
        assertThat(cli.run("vm", "disk-resize", "web", "0", "big").exit()).isEqualTo(2);
        fake.ok("one.vm.disksaveas", 31);
        assertThat(cli.run("vm", "disk-saveas", "web", "0", "web-backup", "--snapshot", "2").out()).isEqualTo("ID: 31\n");
        assertThat(fake.last("one.vm.disksaveas")).containsExactly("oneadmin:secret", 7, 0, "web-backup", "", 2);
        assertThat(cli.run("vm", "disk-saveas", "web", "0", "web-os", "--type", "os").exit()).isZero();
        assertThat(fake.last("one.vm.disksaveas")).containsExactly("oneadmin:secret", 7, 0, "web-os", "OS", -1);
        fake.ok("one.secgrouppool.info", "<SECURITY_GROUP_POOL><SECURITY_GROUP><ID>100</ID><NAME>web-rules</NAME>"
                + "</SECURITY_GROUP></SECURITY_GROUP_POOL>");
        assertThat(cli.run("vm", "sg-attach", "web", "0", "web-rules").exit()).isZero();
        assertThat(fake.last("one.vm.attachsg")).containsExactly("oneadmin:secret", 7, 0, 100);
        assertThat(cli.run("vm", "sg-detach", "web", "0", "100").exit()).isZero();
        assertThat(fake.last("one.vm.detachsg")).containsExactly("oneadmin:secret", 7, 0, 100);

        fake.ok("one.vm.info", WEB.replace("</TEMPLATE>", "</TEMPLATE><SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS>"
                + "<CURRENT_BASE><![CDATA[-1]]></CURRENT_BASE><DISK_ID><![CDATA[0]]></DISK_ID><NEXT_SNAPSHOT><![CDATA[3]]>"
                + "</NEXT_SNAPSHOT><SNAPSHOT><ACTIVE><![CDATA[YES]]></ACTIVE><DATE><![CDATA[1735682400]]></DATE>"
                + "<ID><![CDATA[2]]></ID><NAME><![CDATA[golden]]></NAME><PARENT><![CDATA[-1]]></PARENT>"
                + "<SIZE><![CDATA[8]]></SIZE></SNAPSHOT></SNAPSHOTS>"));
        assertThat(cli.run("vm", "show", "web").out()).contains("DISK SNAPSHOTS").containsPattern("0\\s+2 =>\\s+2h ago\\s+golden\\s+8M");
    }

    @Test
    void ownerVerbsAndMonitoring() {
        fake.ok("one.userpool.info", Docs.USER_POOL).ok("one.grouppool.info", Docs.GROUP_POOL)
                .ok("one.vm.monitoring", "<MONITORING_DATA><MONITORING><TIMESTAMP>1735689540</TIMESTAMP><ID>7</ID>"
                        + "<CPU><![CDATA[3.5]]></CPU><MEMORY><![CDATA[1048576]]></MEMORY></MONITORING></MONITORING_DATA>");
        assertThat(cli.stdin("A=1").run("vm", "update", "web", "-", "--append").exit()).isZero();
        assertThat(fake.last("one.vm.update")).containsExactly("oneadmin:secret", 7, "A=1", 1);
        assertThat(cli.run("vm", "rename", "web", "www").exit()).isZero();
        assertThat(fake.last("one.vm.rename")).containsExactly("oneadmin:secret", 7, "www");
        assertThat(cli.run("vm", "chmod", "web", "640").exit()).isZero();
        assertThat(fake.last("one.vm.chmod")).containsExactly("oneadmin:secret", 7, 1, 1, 0, 1, 0, 0, 0, 0, 0);
        assertThat(cli.run("vm", "chown", "web", "oneadmin").exit()).isZero();
        assertThat(fake.last("one.vm.chown")).containsExactly("oneadmin:secret", 7, 0, -1);
        assertThat(cli.run("vm", "chgrp", "web", "users").exit()).isZero();
        assertThat(fake.last("one.vm.chown")).containsExactly("oneadmin:secret", 7, -1, 1);
        assertThat(cli.run("vm", "lock", "web").exit()).isZero();
        assertThat(fake.last("one.vm.lock")).containsExactly("oneadmin:secret", 7, 1, false);
        assertThat(cli.run("vm", "unlock", "web").exit()).isZero();
        var mon = cli.run("vm", "monitoring", "web");
        assertThat(mon.out().lines().toList()).containsExactly("TIME   CPU MEMORY", "1m ago 3.5     1G");
    }

    @Test
    void helpAndUsageErrors() {
        var help = cli.run("vm", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("snapshot-create").contains("disk-attach").contains("instantiate");
        assertThat(cli.run("vm").exit()).isEqualTo(2);
        assertThat(cli.run("vm", "deploy", "web").exit()).isEqualTo(2);
        var ambiguous = cli.run("vm", "show", "nope");
        assertThat(ambiguous.exit()).isEqualTo(1);
        assertThat(ambiguous.err()).isEqualTo("nimbo: vm 'nope' not found\n");
    }
}
