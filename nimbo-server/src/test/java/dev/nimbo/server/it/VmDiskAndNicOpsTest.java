package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Operations on a VM's disks end to end (one nimbod, dummy drivers with 50 ms latency): disk snapshots while
 * running and powered off, disk growth, disks saved as images, security groups and QoS on NICs, PCI devices,
 * updateconf, persistent template instantiation, their driver failures, quotas and what tenants may do.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmDiskAndNicOpsTest {
    static final int ACTIVE = 3;
    static final int POWEROFF = 8;
    static final int DONE = 6;
    static final int RUNNING = 3;

    NimbodProcess nimbod;
    OneClient admin;
    int host;
    int ds;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-vmdisk-");
        nimbod = NimbodProcess.start(dir, null, Map.of("NIMBO_HOST_MONITOR_INTERVAL", "1",
                "NIMBO_VM_MONITOR_INTERVAL", "1", "NIMBO_DUMMY_LATENCY", "50"));
        admin = nimbod.client();
        String name = unique("dhost");
        host = ok(admin.call("one.host.allocate", name, "dummy", "dummy", -1)).intValue();
        ds = ok(admin.call("one.datastore.allocate", "NAME = " + unique("dds") + "\nDS_MAD = dummy\nTM_MAD = dummy",
                -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.host.info", host))
                .stringValue()).integer("STATE", -1) == 2
                && XmlNode.parse(ok(admin.call("one.datastore.info", ds)).stringValue()).longValue("TOTAL_MB", 0) > 0);
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }

    XmlNode vm(OneClient c, int id) {
        return XmlNode.parse(ok(c.call("one.vm.info", id)).stringValue());
    }

    XmlNode awaitVm(OneClient c, int id, int state, int lcm) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25)).until(() -> {
            last[0] = vm(c, id);
            return last[0].integer("STATE", -1) == state && (state != ACTIVE || last[0].integer("LCM_STATE", -1) == lcm);
        });
        return last[0];
    }

    /** A READY image of {@code sizeMb} in the test datastore that other users may use. */
    int image(boolean persistent, int sizeMb) {
        int img = ok(admin.call("one.image.allocate", "NAME = " + unique("img") + "\nTYPE = DATABLOCK\nSIZE = " + sizeMb
                + "\nPERSISTENT = " + (persistent ? "YES" : "NO"), ds)).intValue();
        ok(admin.call("one.image.chmod", img, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.image.info", img))
                .stringValue()).integer("STATE", -1) == 1);
        return img;
    }

    static double systemDisk(XmlNode user) {
        XmlNode q = user.child("VM_QUOTA");
        XmlNode vmq = q == null ? null : q.child("VM");
        return vmq == null ? 0 : Double.parseDouble(vmq.text("SYSTEM_DISK_SIZE_USED", "0"));
    }

    @Test
    void diskSnapshotsRunningAndPoweredOffWithFailuresQuotasAndTenants() {
        int img = image(false, 8);
        String alice = unique("alice");
        int aliceId = ok(admin.call("one.user.allocate", alice, "pw", "", List.of())).intValue();
        String bob = unique("bob");
        ok(admin.call("one.user.allocate", bob, "pw", "", List.of()));
        OneClient a = nimbod.client(alice + ":pw");
        OneClient b = nimbod.client(bob + ":pw");
        int id = ok(a.call("one.vm.allocate", "NAME = " + unique("snapvm") + "\nCPU = 0.5\nMEMORY = 128\n"
                + "DISK = [ TYPE = fs, SIZE = 64 ]\nDISK = [ IMAGE_ID = " + img + " ]", false)).intValue();
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(a, id, ACTIVE, RUNNING);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isEqualTo(64);

        // running: the owner takes a snapshot of the image disk; it counts as another disk of its size
        int s0 = ok(a.call("one.vm.disksnapshotcreate", id, 1, "clean")).intValue();
        assertThat(s0).isZero();
        XmlNode vm = awaitVm(a, id, ACTIVE, RUNNING);
        XmlNode snaps = vm.child("SNAPSHOTS");
        assertThat(snaps.text("DISK_ID")).isEqualTo("1");
        assertThat(snaps.child("SNAPSHOT").text("NAME")).isEqualTo("clean");
        assertThat(snaps.child("SNAPSHOT").text("ACTIVE")).isEqualTo("YES");
        assertThat(snaps.child("SNAPSHOT").text("SIZE")).isEqualTo("8");
        assertThat(vm.child("TEMPLATE").all("DISK").get(1).text("DISK_SNAPSHOT_TOTAL_SIZE")).isEqualTo("8");
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY").get(0).integer("ACTION", -1)).isEqualTo(25);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isEqualTo(72);

        // bad input and bad states: nothing changes
        fails(a.call("one.vm.disksnapshotcreate", id, 0, "vol"), ACTION, "Cannot make snapshots on disks of type: fs");
        fails(a.call("one.vm.disksnapshotcreate", id, 7, "none"), ACTION, "VM disk does not exist");
        fails(a.call("one.vm.disksnapshotrevert", id, 1, s0), ACTION,
                "Could not revert to disk snapshot for VM " + id + ", wrong state RUNNING.");
        fails(a.call("one.vm.disksnapshotdelete", id, 1, 9), ACTION, "Snapshot does not exist");
        fails(b.call("one.vm.disksnapshotcreate", id, 1, "theirs"), AUTHORIZATION, "");
        fails(b.call("one.vm.disksnapshotrename", id, 1, s0, "theirs"), AUTHORIZATION, "");
        ok(a.call("one.vm.disksnapshotrename", id, 1, s0, "golden"));
        assertThat(vm(a, id).child("SNAPSHOTS").child("SNAPSHOT").text("NAME")).isEqualTo("golden");
        fails(a.call("one.vm.disksnapshotrename", id, 1, 5, "x"), ACTION, "Snapshot does not exist");

        // the hypervisor fails: back to RUNNING with the reason, no snapshot and no charge left behind
        ok(a.call("one.vm.update", id, "DUMMY_FAIL = disk_snapshot_create", 1));
        ok(a.call("one.vm.disksnapshotcreate", id, 1, "doomed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(a, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("disk_snapshot_create"));
        vm = awaitVm(a, id, ACTIVE, RUNNING);
        assertThat(vm.child("SNAPSHOTS").all("SNAPSHOT")).hasSize(1);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isEqualTo(72);
        ok(a.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));

        // powered off: the transfer driver creates, reverts and deletes
        ok(a.call("one.vm.action", "poweroff", id));
        awaitVm(a, id, POWEROFF, 0);
        int s1 = ok(a.call("one.vm.disksnapshotcreate", id, 1, "")).intValue();
        assertThat(s1).isEqualTo(2); // IDs are not reused, even after a failed creation
        awaitVm(a, id, POWEROFF, 0);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isEqualTo(80);
        ok(a.call("one.vm.disksnapshotrevert", id, 1, s0));
        vm = awaitVm(a, id, POWEROFF, 0);
        assertThat(vm.child("SNAPSHOTS").all("SNAPSHOT").stream().filter(s -> s.text("ACTIVE").equals("YES"))
                .map(s -> s.text("ID")).toList()).containsExactly(String.valueOf(s0));
        ok(a.call("one.vm.update", id, "DUMMY_FAIL = snap_delete", 1));
        ok(a.call("one.vm.disksnapshotdelete", id, 1, s1));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(a, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("snap_delete"));
        assertThat(awaitVm(a, id, POWEROFF, 0).child("SNAPSHOTS").all("SNAPSHOT")).hasSize(2);
        ok(a.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));
        ok(a.call("one.vm.disksnapshotdelete", id, 1, s1));
        vm = awaitVm(a, id, POWEROFF, 0);
        assertThat(vm.child("SNAPSHOTS").all("SNAPSHOT")).hasSize(1);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isEqualTo(72);

        // terminate gives back the VM's disks and the snapshots left on them
        ok(a.call("one.vm.action", "terminate", id));
        awaitVm(a, id, DONE, 0);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", aliceId)).stringValue()))).isZero();
    }

    @Test
    void diskResizeGrowsRunningAndPoweredOffDisksAndChargesTheGrowth() {
        String carol = unique("carol");
        int carolId = ok(admin.call("one.user.allocate", carol, "pw", "", List.of())).intValue();
        ok(admin.call("one.user.quota", carolId, "VM = [ SYSTEM_DISK_SIZE = 200 ]"));
        OneClient c = nimbod.client(carol + ":pw");
        int id = ok(c.call("one.vm.allocate", "NAME = " + unique("growvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "DISK = [ TYPE = fs, SIZE = 64 ]", false)).intValue();
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(c, id, ACTIVE, RUNNING);
        fails(c.call("one.vm.diskresize", id, 0, "big"), ACTION, "Disk SIZE is not a valid integer");
        fails(c.call("one.vm.diskresize", id, 0, "32"), ACTION, "New disk size has to be greater than current one");
        fails(c.call("one.vm.diskresize", id, 3, "128"), ACTION, "VM disk does not exist");
        fails(c.call("one.vm.diskresize", id, 0, "300"), AUTHORIZATION, "SYSTEM_DISK_SIZE");
        ok(c.call("one.vm.diskresize", id, 0, "100"));
        XmlNode vm = awaitVm(c, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("DISK").text("SIZE")).isEqualTo("100");
        assertThat(vm.child("TEMPLATE").child("DISK").text("RESIZE", null)).isNull();
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", carolId)).stringValue()))).isEqualTo(100);

        // the hypervisor fails: the disk keeps its size and the quota its usage
        ok(c.call("one.vm.update", id, "DUMMY_FAIL = disk_resize", 1));
        ok(c.call("one.vm.diskresize", id, 0, "150"));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(c, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("disk_resize"));
        vm = awaitVm(c, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("DISK").text("SIZE")).isEqualTo("100");
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", carolId)).stringValue()))).isEqualTo(100);
        ok(c.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));

        // powered off and undeployed: the transfer driver grows the file
        ok(c.call("one.vm.action", "poweroff", id));
        awaitVm(c, id, POWEROFF, 0);
        ok(c.call("one.vm.diskresize", id, 0, "120"));
        vm = awaitVm(c, id, POWEROFF, 0);
        assertThat(vm.child("TEMPLATE").child("DISK").text("SIZE")).isEqualTo("120");
        ok(c.call("one.vm.action", "undeploy", id));
        awaitVm(c, id, 9, 0);
        ok(c.call("one.vm.diskresize", id, 0, "130"));
        awaitVm(c, id, 9, 0);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", carolId)).stringValue()))).isEqualTo(130);
        ok(c.call("one.vm.action", "terminate", id));
        awaitVm(c, id, DONE, 0);
        assertThat(systemDisk(XmlNode.parse(ok(admin.call("one.user.info", carolId)).stringValue()))).isZero();
    }

    XmlNode image(int id) {
        return XmlNode.parse(ok(admin.call("one.image.info", id)).stringValue());
    }

    @Test
    void diskSaveasMakesANewImageReadyOrFailsIt() {
        int img = image(false, 6);
        String dave = unique("dave");
        ok(admin.call("one.user.allocate", dave, "pw", "", List.of()));
        OneClient d = nimbod.client(dave + ":pw");
        ok(admin.call("one.datastore.chmod", ds, -1, -1, -1, 1, -1, -1, 1, -1, -1));
        int id = ok(d.call("one.vm.allocate", "NAME = " + unique("savevm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "DISK = [ TYPE = fs, SIZE = 16 ]\nDISK = [ IMAGE_ID = " + img + " ]", false)).intValue();
        fails(d.call("one.vm.disksaveas", id, 1, unique("early"), "", -1), Rpc.INTERNAL,
                "VM has to be RUNNING, POWEROFF or SUSPENDED to save disks");
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(d, id, ACTIVE, RUNNING);
        fails(d.call("one.vm.disksaveas", id, 0, unique("vol"), "", -1), Rpc.INTERNAL,
                "Cannot use DISK. DISK does not have a valid IMAGE_ID.");
        fails(d.call("one.vm.disksaveas", id, 1, unique("nosnap"), "", 4), Rpc.INTERNAL, "Snapshot does not exist");

        String name = unique("saved");
        int saved = ok(d.call("one.vm.disksaveas", id, 1, name, "", -1)).intValue();
        XmlNode si = image(saved);
        assertThat(si.text("UNAME")).isEqualTo(dave);
        assertThat(si.integer("DATASTORE_ID", -1)).isEqualTo(ds);
        assertThat(si.child("TEMPLATE").text("SAVED_VM_ID")).isEqualTo(String.valueOf(id));
        assertThat(si.child("TEMPLATE").text("SAVED_IMAGE_ID")).isEqualTo(String.valueOf(img));
        await().atMost(Duration.ofSeconds(15)).until(() -> image(saved).integer("STATE", -1) == 1); // READY
        assertThat(image(saved).longValue("SIZE", -1)).isEqualTo(6);
        XmlNode vm = awaitVm(d, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("DISK").get(1).text("HOTPLUG_SAVE_AS", null)).isNull();
        fails(d.call("one.vm.disksaveas", id, 1, name, "", -1), Rpc.ALLOCATE, "NAME is already taken");

        // the copy fails: the image is left in ERROR for its owner to delete, the VM runs on
        ok(d.call("one.vm.update", id, "DUMMY_FAIL = cpds", 1));
        int broken = ok(d.call("one.vm.disksaveas", id, 1, unique("broken"), "", -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> image(broken).integer("STATE", -1) == 5); // ERROR
        awaitVm(d, id, ACTIVE, RUNNING);
        ok(d.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));

        // powered off, from a snapshot
        ok(d.call("one.vm.action", "poweroff", id));
        awaitVm(d, id, POWEROFF, 0);
        int snap = ok(d.call("one.vm.disksnapshotcreate", id, 1, "s")).intValue();
        awaitVm(d, id, POWEROFF, 0);
        int fromSnap = ok(d.call("one.vm.disksaveas", id, 1, unique("fromsnap"), "DATABLOCK", snap)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> image(fromSnap).integer("STATE", -1) == 1);
        awaitVm(d, id, POWEROFF, 0);
        ok(d.call("one.vm.action", "terminate", id));
        awaitVm(d, id, DONE, 0);
    }

    @Test
    void securityGroupsAndQosOnNics() {
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + unique("sgnet") + "\nVN_MAD = dummy\nBRIDGE = br0\n"
                + "AR = [ TYPE = IP4, IP = 10.9.0.1, SIZE = 8 ]", -1)).intValue();
        int sg = ok(admin.call("one.secgroup.allocate", "NAME = " + unique("web") + "\n"
                + "RULE = [ PROTOCOL = TCP, RULE_TYPE = inbound, RANGE = \"80,443\" ]")).intValue();
        String erin = unique("erin");
        ok(admin.call("one.user.allocate", erin, "pw", "", List.of()));
        OneClient e = nimbod.client(erin + ":pw");
        ok(admin.call("one.vn.chmod", vn, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        int id = ok(e.call("one.vm.allocate", "NAME = " + unique("sgvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "NIC = [ NETWORK_ID = " + vn + " ]", false)).intValue();
        // the group is the administrator's: the tenant may not use it until it is shared
        fails(e.call("one.vm.attachsg", id, 0, sg), AUTHORIZATION, "");
        ok(admin.call("one.secgroup.chmod", sg, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        fails(e.call("one.vm.attachsg", id, 5, sg), Rpc.INTERNAL, "doesn't have NIC id 5");
        fails(e.call("one.vm.attachsg", id, 0, 9999), ACTION, "SG does not exist");
        ok(e.call("one.vm.attachsg", id, 0, sg));
        XmlNode vm = vm(e, id);
        assertThat(vm.child("TEMPLATE").child("NIC").text("SECURITY_GROUPS")).isEqualTo("0," + sg);
        XmlNode rule = vm.child("TEMPLATE").all("SECURITY_GROUP_RULE").stream()
                .filter(r -> r.text("SECURITY_GROUP_ID").equals(String.valueOf(sg))).findFirst().orElseThrow();
        assertThat(rule.text("RANGE")).isEqualTo("80,443");
        XmlNode group = XmlNode.parse(ok(admin.call("one.secgroup.info", sg)).stringValue());
        assertThat(group.child("UPDATED_VMS").text("ID")).isEqualTo(String.valueOf(id));
        fails(e.call("one.vm.attachsg", id, 0, sg), ACTION, "already in NIC 0");

        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(e, id, ACTIVE, RUNNING);
        ok(e.call("one.vm.detachsg", id, 0, sg));
        assertThat(vm(e, id).child("TEMPLATE").all("SECURITY_GROUP_RULE"))
                .extracting(r -> r.text("SECURITY_GROUP_ID")).containsOnly("0");
        fails(e.call("one.vm.detachsg", id, 0, sg), ACTION, "doesn't contain SG " + sg);
        // NIC QoS (restricted to administrators): the running VM's hypervisor applies it through HOTPLUG_NIC
        fails(e.call("one.vm.updatenic", id, 0, "NIC = [ INBOUND_AVG_BW = 1000 ]", 1), AUTHORIZATION,
                "restricted attribute NIC/INBOUND_AVG_BW");
        ok(admin.call("one.vm.updatenic", id, 0, "NIC = [ INBOUND_AVG_BW = 1000, IP = 1.2.3.4 ]", 1));
        vm = awaitVm(e, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("NIC").text("INBOUND_AVG_BW")).isEqualTo("1000");
        assertThat(vm.child("TEMPLATE").child("NIC").text("IP")).startsWith("10.9.0.");
        assertThat(vm.child("TEMPLATE").child("VNET_UPDATE")).isNull();
        fails(admin.call("one.vm.updatenic", id, 3, "NIC = [ INBOUND_AVG_BW = 1 ]", 1), ACTION,
                "NIC 3 does not exists");
        group = XmlNode.parse(ok(admin.call("one.secgroup.info", sg)).stringValue());
        assertThat(group.child("UPDATED_VMS").text("ID", null)).isNull();
        ok(e.call("one.vm.attachsg", id, 0, sg));
        ok(e.call("one.vm.action", "terminate", id));
        awaitVm(e, id, DONE, 0);
        group = XmlNode.parse(ok(admin.call("one.secgroup.info", sg)).stringValue());
        assertThat(group.child("UPDATED_VMS").text("ID", null)).isNull();
    }

    @Test
    void nicsBringTheirSecurityGroupsFromCreationToDetach() {
        int sg = ok(admin.call("one.secgroup.allocate", "NAME = " + unique("ssh") + "\n"
                + "RULE = [ PROTOCOL = TCP, RULE_TYPE = inbound, RANGE = 22 ]")).intValue();
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + unique("sgnet") + "\nVN_MAD = dummy\nBRIDGE = br0\n"
                + "SECURITY_GROUPS = " + sg + "\nAR = [ TYPE = IP4, IP = 10.9.1.1, SIZE = 8 ]", -1)).intValue();
        int other = ok(admin.call("one.secgroup.allocate", "NAME = " + unique("dns") + "\n"
                + "RULE = [ PROTOCOL = UDP, RULE_TYPE = outbound, RANGE = 53 ]")).intValue();
        String fay = unique("fay");
        ok(admin.call("one.user.allocate", fay, "pw", "", List.of()));
        OneClient f = nimbod.client(fay + ":pw");
        ok(admin.call("one.vn.chmod", vn, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        String nicOwnGroup = "NIC = [ NETWORK_ID = " + vn + ", SECURITY_GROUPS = " + other + " ]";
        // the network's group is not the tenant's to use yet: nothing is taken
        fails(f.call("one.vm.allocate", "NAME = x\nCPU = 0.1\nMEMORY = 32\n" + nicOwnGroup, true), AUTHORIZATION, "");
        ok(admin.call("one.secgroup.chmod", sg, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        ok(admin.call("one.secgroup.chmod", other, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        fails(f.call("one.vm.allocate", "NAME = x\nCPU = 0.1\nMEMORY = 32\nNIC = [ NETWORK_ID = " + vn
                + ", SECURITY_GROUPS = 99999 ]", true), Rpc.ALLOCATE, "Security group 99999");
        XmlNode net = XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue());
        assertThat(net.integer("USED_LEASES", -1)).isZero();

        int id = ok(f.call("one.vm.allocate", "NAME = " + unique("sgvm") + "\nCPU = 0.1\nMEMORY = 32\n"
                + nicOwnGroup, false)).intValue();
        XmlNode vm = vm(f, id);
        assertThat(vm.child("TEMPLATE").child("NIC").text("SECURITY_GROUPS")).isEqualTo("0," + sg + "," + other);
        assertThat(vm.child("TEMPLATE").all("SECURITY_GROUP_RULE"))
                .extracting(r -> r.text("SECURITY_GROUP_ID")).contains(String.valueOf(sg), String.valueOf(other));
        for (int g : new int[] {sg, other}) {
            XmlNode group = XmlNode.parse(ok(admin.call("one.secgroup.info", g)).stringValue());
            assertThat(group.child("UPDATED_VMS").all("ID").stream().map(XmlNode::text).toList()).contains(String.valueOf(id));
        }
        // a hot-plugged NIC brings its groups too; detaching the only NIC with a group lets the group go
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(f, id, ACTIVE, RUNNING);
        int plain = ok(admin.call("one.vn.allocate", "NAME = " + unique("plain") + "\nVN_MAD = dummy\nBRIDGE = br1\n"
                + "AR = [ TYPE = IP4, IP = 10.9.2.1, SIZE = 8 ]", -1)).intValue();
        ok(admin.call("one.vn.chmod", plain, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        int third = ok(admin.call("one.secgroup.allocate", "NAME = " + unique("icmp") + "\n"
                + "RULE = [ PROTOCOL = ICMP, RULE_TYPE = inbound ]")).intValue();
        ok(admin.call("one.secgroup.chmod", third, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        ok(f.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + plain + ", SECURITY_GROUPS = " + third + " ]"));
        vm = awaitVm(f, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("SECURITY_GROUP_RULE"))
                .extracting(r -> r.text("SECURITY_GROUP_ID")).contains(String.valueOf(third));
        XmlNode group = XmlNode.parse(ok(admin.call("one.secgroup.info", third)).stringValue());
        assertThat(group.child("UPDATED_VMS").all("ID").stream().map(XmlNode::text).toList()).contains(String.valueOf(id));
        ok(f.call("one.vm.detachnic", id, 1));
        vm = awaitVm(f, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("SECURITY_GROUP_RULE"))
                .extracting(r -> r.text("SECURITY_GROUP_ID")).doesNotContain(String.valueOf(third))
                .contains(String.valueOf(sg));
        group = XmlNode.parse(ok(admin.call("one.secgroup.info", third)).stringValue());
        assertThat(group.child("UPDATED_VMS").text("ID", null)).isNull();
        ok(f.call("one.vm.action", "terminate", id));
        awaitVm(f, id, DONE, 0);
        group = XmlNode.parse(ok(admin.call("one.secgroup.info", sg)).stringValue());
        assertThat(group.child("UPDATED_VMS").all("ID").stream().map(XmlNode::text).toList()).doesNotContain(String.valueOf(id));
    }

    @Test
    void vncPortsAreUniqueInTheClusterAndGoBackWhenTheVmLeaves() {
        String graphics = "\nCPU = 0.1\nMEMORY = 32\nGRAPHICS = [ TYPE = VNC, LISTEN = 0.0.0.0 ]";
        int a = ok(admin.call("one.vm.allocate", "NAME = " + unique("vnc") + graphics, false)).intValue();
        int b = ok(admin.call("one.vm.allocate", "NAME = " + unique("vnc") + graphics, false)).intValue();
        assertThat(vm(admin, a).child("TEMPLATE").child("GRAPHICS").text("PORT", null)).isNull();
        ok(admin.call("one.vm.deploy", a, host));
        ok(admin.call("one.vm.deploy", b, host));
        int portA = awaitVm(admin, a, ACTIVE, RUNNING).child("TEMPLATE").child("GRAPHICS").integer("PORT", -1);
        int portB = awaitVm(admin, b, ACTIVE, RUNNING).child("TEMPLATE").child("GRAPHICS").integer("PORT", -1);
        assertThat(portA).isEqualTo(5900 + a);
        assertThat(portB).isEqualTo(5900 + b);

        // a VM asking for a port another VM of the cluster has is refused and stays where it was
        int c = ok(admin.call("one.vm.allocate", "NAME = " + unique("vnc") + "\nCPU = 0.1\nMEMORY = 32\n"
                + "GRAPHICS = [ TYPE = VNC, PORT = " + portA + " ]", false)).intValue();
        fails(admin.call("one.vm.deploy", c, host), ACTION, "Requested VNC port already assigned to a VM");
        assertThat(vm(admin, c).integer("STATE", -1)).isEqualTo(1);
        ok(admin.call("one.vm.action", "terminate", a));
        assertThat(awaitVm(admin, a, DONE, 0).child("TEMPLATE").child("GRAPHICS").text("PORT", null)).isNull();
        ok(admin.call("one.vm.deploy", c, host));
        assertThat(awaitVm(admin, c, ACTIVE, RUNNING).child("TEMPLATE").child("GRAPHICS").integer("PORT", -1))
                .isEqualTo(portA);

        // undeploying gives the port back; the next deploy takes one again
        ok(admin.call("one.vm.action", "undeploy", b));
        assertThat(awaitVm(admin, b, 9, 0).child("TEMPLATE").child("GRAPHICS").text("PORT", null)).isNull();
        ok(admin.call("one.vm.deploy", b, host));
        assertThat(awaitVm(admin, b, ACTIVE, RUNNING).child("TEMPLATE").child("GRAPHICS").integer("PORT", -1))
                .isEqualTo(portB);

        // GRAPHICS added to a running VM by updateconf gets a port of the cluster at once
        int d = ok(admin.call("one.vm.allocate", "NAME = " + unique("vnc") + "\nCPU = 0.1\nMEMORY = 32", false))
                .intValue();
        ok(admin.call("one.vm.deploy", d, host));
        awaitVm(admin, d, ACTIVE, RUNNING);
        ok(admin.call("one.vm.updateconf", d, "GRAPHICS = [ TYPE = VNC ]", 1));
        assertThat(awaitVm(admin, d, ACTIVE, RUNNING).child("TEMPLATE").child("GRAPHICS").integer("PORT", -1))
                .isEqualTo(5900 + d);
        for (int id : new int[] {b, c, d}) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
    }

    @Test
    void contextNetworkValuesFollowAttachedAndDetachedNics() {
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + unique("ctxnet") + "\nVN_MAD = dummy\nBRIDGE = br0\n"
                + "GATEWAY = 10.8.0.254\nDNS = 10.8.0.53\nAR = [ TYPE = IP4, IP = 10.8.0.1, SIZE = 3 ]", -1)).intValue();
        int id = ok(admin.call("one.vm.allocate", "NAME = " + unique("ctxvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "NIC = [ NETWORK_ID = " + vn + " ]\nCONTEXT = [ NETWORK = YES, SSH_KEY = k1 ]", false)).intValue();
        ok(admin.call("one.vm.deploy", id, host));
        XmlNode ctx = awaitVm(admin, id, ACTIVE, RUNNING).child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("ETH0_IP")).isEqualTo("10.8.0.1");
        assertThat(ctx.text("ETH1_IP", null)).isNull();

        // an attached NIC's address, gateway and DNS reach the context the hypervisor makes again
        ok(admin.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + vn + " ]"));
        XmlNode vm = awaitVm(admin, id, ACTIVE, RUNNING);
        XmlNode nic1 = vm.child("TEMPLATE").all("NIC").get(1);
        ctx = vm.child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("ETH1_IP")).isEqualTo(nic1.text("IP")).isEqualTo("10.8.0.2");
        assertThat(ctx.text("ETH1_MAC")).isEqualTo(nic1.text("MAC"));
        assertThat(ctx.text("ETH1_GATEWAY")).isEqualTo("10.8.0.254");
        assertThat(ctx.text("ETH1_DNS")).isEqualTo("10.8.0.53");
        assertThat(ctx.text("SSH_KEY")).isEqualTo("k1");

        // an attach the hypervisor refuses leaves no trace in the context
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = attach_nic", 1));
        ok(admin.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + vn + " ]"));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("attach_nic"));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("NIC")).hasSize(2);
        assertThat(vm.child("TEMPLATE").child("CONTEXT").text("ETH2_IP", null)).isNull();
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));

        // a detached NIC's values go, the others stay
        ok(admin.call("one.vm.detachnic", id, 0));
        ctx = awaitVm(admin, id, ACTIVE, RUNNING).child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("ETH0_IP", null)).isNull();
        assertThat(ctx.text("ETH0_MAC", null)).isNull();
        assertThat(ctx.text("ETH1_IP")).isEqualTo("10.8.0.2");

        // without NETWORK = YES the context gets no network values
        int plain = ok(admin.call("one.vm.allocate", "NAME = " + unique("ctxplain") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "CONTEXT = [ SSH_KEY = k2 ]", false)).intValue();
        ok(admin.call("one.vm.deploy", plain, host));
        awaitVm(admin, plain, ACTIVE, RUNNING);
        ok(admin.call("one.vm.attachnic", plain, "NIC = [ NETWORK_ID = " + vn + " ]"));
        ctx = awaitVm(admin, plain, ACTIVE, RUNNING).child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("ETH0_IP", null)).isNull();
        assertThat(ctx.text("SSH_KEY")).isEqualTo("k2");
        ok(admin.call("one.vm.action", "terminate-hard", plain));
        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
    }

    @Test
    void updateconfChangesConfigurationAndTellsARunningHypervisor() {
        String fay = unique("fay");
        ok(admin.call("one.user.allocate", fay, "pw", "", List.of()));
        OneClient f = nimbod.client(fay + ":pw");
        int id = ok(f.call("one.vm.allocate", "NAME = " + unique("confvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "OS = [ ARCH = x86_64 ]\nCONTEXT = [ SSH_KEY = first, NETWORK = YES ]", false)).intValue();
        ok(f.call("one.vm.updateconf", id, "OS = [ ARCH = x86_64, KERNEL_CMD = quiet ]\nMEMORY = 4096", 1));
        XmlNode vm = vm(f, id);
        assertThat(vm.child("TEMPLATE").child("OS").text("KERNEL_CMD")).isEqualTo("quiet");
        assertThat(vm.child("TEMPLATE").text("MEMORY")).isEqualTo("64");
        fails(f.call("one.vm.updateconf", id, "OS = [ ARCH = x86_64 ]", 4), Rpc.XML_RPC_API, "Wrong update type");
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(f, id, ACTIVE, RUNNING);
        ok(f.call("one.vm.updateconf", id, "CONTEXT = [ SSH_KEY = second, NETWORK = YES ]\n"
                + "GRAPHICS = [ TYPE = VNC, LISTEN = \"0.0.0.0\" ]", 1));
        vm = awaitVm(f, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("CONTEXT").text("SSH_KEY")).isEqualTo("second");
        assertThat(vm.child("TEMPLATE").child("GRAPHICS").text("TYPE")).isEqualTo("VNC");
        assertThat(vm.child("TEMPLATE").child("OS").text("KERNEL_CMD")).isEqualTo("quiet");
        // the hypervisor refuses: the VM runs on with the reason recorded
        ok(f.call("one.vm.update", id, "DUMMY_FAIL = update_conf", 1));
        ok(f.call("one.vm.updateconf", id, "CONTEXT = [ SSH_KEY = third, NETWORK = YES ]", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(f, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("update_conf"));
        awaitVm(f, id, ACTIVE, RUNNING);
        ok(f.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));
        ok(f.call("one.vm.action", "suspend", id));
        awaitVm(f, id, 5, 0);
        fails(f.call("one.vm.updateconf", id, "OS = [ ARCH = x86_64 ]", 1), Rpc.INTERNAL,
                "configuration cannot be updated in state SUSPENDED");
        ok(f.call("one.vm.action", "terminate-hard", id));
        awaitVm(f, id, DONE, 0);
    }

    @Test
    void pciDevicesOfPoweredOffVmsComeFromTheirHost() {
        int gpuHost = ok(admin.call("one.host.allocate", unique("gpuhost"), "dummy", "dummy", -1)).intValue();
        ok(admin.call("one.host.update", gpuHost, "PCI = \"0000:3b:00.0 10de 20b5 0302\"", 1));
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            XmlNode h = XmlNode.parse(ok(admin.call("one.host.info", gpuHost)).stringValue());
            XmlNode devices = h.child("HOST_SHARE").child("PCI_DEVICES");
            return h.integer("STATE", -1) == 2 && devices != null && devices.child("PCI") != null;
        });
        int id = ok(admin.call("one.vm.allocate", "NAME = " + unique("gpuvm") + "\nCPU = 0.5\nMEMORY = 64", false))
                .intValue();
        fails(admin.call("one.vm.attachpci", id, "PCI = [ VENDOR = 10de ]"), ACTION,
                "it has to be in poweroff. Current state: PENDING");
        ok(admin.call("one.vm.deploy", id, gpuHost));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "poweroff", id));
        awaitVm(admin, id, POWEROFF, 0);
        fails(admin.call("one.vm.attachpci", id, "PCI = [ VENDOR = 8086 ]"), ACTION, "Cannot assign PCI device in host");
        fails(admin.call("one.vm.attachpci", id, "PCI = [ TYPE = NIC, VENDOR = 10de ]"), ACTION, "one.vm.attachnic");
        ok(admin.call("one.vm.attachpci", id, "PCI = [ VENDOR = 10de, CLASS = 0302 ]"));
        XmlNode pci = vm(admin, id).child("TEMPLATE").child("PCI");
        assertThat(pci.text("PCI_ID")).isEqualTo("0");
        assertThat(pci.text("SHORT_ADDRESS")).isEqualTo("3b:00.0");
        XmlNode dev = XmlNode.parse(ok(admin.call("one.host.info", gpuHost)).stringValue()).child("HOST_SHARE")
                .child("PCI_DEVICES").child("PCI");
        assertThat(dev.text("VMID")).isEqualTo(String.valueOf(id));
        ok(admin.call("one.vm.action", "resume", id));
        awaitVm(admin, id, ACTIVE, RUNNING);
        fails(admin.call("one.vm.detachpci", id, 0), ACTION, "Current state: RUNNING");
        ok(admin.call("one.vm.action", "poweroff", id));
        awaitVm(admin, id, POWEROFF, 0);
        fails(admin.call("one.vm.detachpci", id, 4), ACTION, "PCI device not found");
        ok(admin.call("one.vm.detachpci", id, 0));
        assertThat(vm(admin, id).child("TEMPLATE").child("PCI")).isNull();
        dev = XmlNode.parse(ok(admin.call("one.host.info", gpuHost)).stringValue()).child("HOST_SHARE")
                .child("PCI_DEVICES").child("PCI");
        assertThat(dev.text("VMID")).isEqualTo("-1");
        ok(admin.call("one.vm.action", "terminate", id));
        awaitVm(admin, id, DONE, 0);
    }

    @Test
    void pciNicsAttachLiveWithALeaseAndADeviceOfTheirHost() {
        int vfHost = ok(admin.call("one.host.allocate", unique("vfhost"), "dummy", "dummy", -1)).intValue();
        ok(admin.call("one.host.update", vfHost, "PCI = \"0000:3b:02.1 8086 154c 0200\"", 1));
        await().atMost(Duration.ofSeconds(15)).until(() -> vf(vfHost) != null);
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + unique("vfnet") + "\nVN_MAD = dummy\nBRIDGE = br0\n"
                + "VLAN_ID = 55\nAR = [ TYPE = IP4, IP = 10.9.7.1, SIZE = 4 ]", -1)).intValue();
        int id = ok(admin.call("one.vm.allocate", "NAME = " + unique("vfvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "NIC = [ NETWORK_ID = " + vn + " ]\nCONTEXT = [ NETWORK = YES ]", false)).intValue();
        ok(admin.call("one.vm.deploy", id, vfHost));
        awaitVm(admin, id, ACTIVE, RUNNING);

        // bad requests: no vector, no device named, no network, no such device on the host; nothing taken
        fails(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = GPU, VENDOR = 10de ]"), ACTION,
                "Wrong format or missing NIC/NIC_ALIAS/PCI attribute");
        fails(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + " ]"), ACTION,
                "SHORT_ADDRESS, DEVICE, VENDOR or CLASS must be defined");
        fails(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, VENDOR = 8086 ]"), ACTION,
                "NETWORK or NETWORK_ID");
        fails(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + ", VENDOR = 15b3 ]"),
                ACTION, "Cannot assign PCI device in host");
        assertThat(leases(vn)).isEqualTo(1);

        // live: the VF is the VM's, with a lease (MAC, IP, VLAN) and the next NIC_ID
        ok(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + ", VENDOR = 8086,"
                + " CLASS = 0200 ]"));
        XmlNode vm = awaitVm(admin, id, ACTIVE, RUNNING);
        XmlNode pci = vm.child("TEMPLATE").child("PCI");
        assertThat(pci.text("NIC_ID")).isEqualTo("1");
        assertThat(pci.text("PCI_ID")).isEqualTo("0");
        assertThat(pci.text("SHORT_ADDRESS")).isEqualTo("3b:02.1");
        assertThat(pci.text("IP")).startsWith("10.9.7.");
        assertThat(pci.text("MAC")).isNotEmpty();
        assertThat(pci.text("VLAN_ID")).isEqualTo("55");
        assertThat(pci.text("ATTACH", null)).isNull();
        assertThat(vf(vfHost).text("VMID")).isEqualTo(String.valueOf(id));
        assertThat(leases(vn)).isEqualTo(2);
        // the guest's context names the VF's address by its PCI_ID, as oned's
        XmlNode ctx = vm.child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("PCI0_IP")).isEqualTo(pci.text("IP"));
        assertThat(ctx.text("PCI0_MAC")).isEqualTo(pci.text("MAC"));
        // a CONTEXT replaced by updateconf keeps the NICs' values, the VF's too
        ok(admin.call("one.vm.updateconf", id, "CONTEXT = [ NETWORK = YES, SSH_KEY = k ]", 0));
        ctx = awaitVm(admin, id, ACTIVE, RUNNING).child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("SSH_KEY")).isEqualTo("k");
        assertThat(ctx.text("PCI0_IP")).isEqualTo(pci.text("IP"));
        assertThat(ctx.text("ETH0_IP")).startsWith("10.9.7.");
        fails(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + ", VENDOR = 8086 ]"),
                ACTION, "Cannot assign PCI device in host");

        // detached by its NIC_ID: device and lease free again
        ok(admin.call("one.vm.detachnic", id, 1));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("PCI")).isNull();
        assertThat(vm.child("TEMPLATE").child("CONTEXT").text("PCI0_IP", null)).isNull();
        assertThat(vm.child("TEMPLATE").child("CONTEXT").text("ETH0_IP")).startsWith("10.9.7.");
        assertThat(vf(vfHost).text("VMID")).isEqualTo("-1");
        assertThat(leases(vn)).isEqualTo(1);

        // the hypervisor refuses the device: the VM stays RUNNING without it, nothing kept
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = attach_nic", 1));
        ok(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + ", SHORT_ADDRESS = \"3b:02.1\" ]"));
        await().atMost(Duration.ofSeconds(15)).until(() -> !vm(admin, id).child("USER_TEMPLATE").text("ERROR").isEmpty());
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").child("PCI")).isNull();
        assertThat(vf(vfHost).text("VMID")).isEqualTo("-1");
        assertThat(leases(vn)).isEqualTo(1);
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));

        // attached again, then the VM ends: its lease and its device go with it
        ok(admin.call("one.vm.attachnic", id, "PCI = [ TYPE = NIC, NETWORK_ID = " + vn + ", SHORT_ADDRESS = \"3b:02.1\" ]"));
        awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(leases(vn)).isEqualTo(2);
        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
        assertThat(vf(vfHost).text("VMID")).isEqualTo("-1");
        assertThat(leases(vn)).isZero();
    }

    /** The host's first PCI device as its monitoring reports it (null before the first report). */
    private XmlNode vf(int hostId) {
        XmlNode devices = XmlNode.parse(ok(admin.call("one.host.info", hostId)).stringValue()).child("HOST_SHARE")
                .child("PCI_DEVICES");
        return devices == null ? null : devices.child("PCI");
    }

    /** The leases taken on a network. */
    private int leases(int vn) {
        return XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue()).integer("USED_LEASES", -1);
    }

    @Test
    void persistentInstantiateGivesTheUserPrivateCopies() {
        int img = image(false, 5);
        int tmpl = ok(admin.call("one.template.allocate", "NAME = " + unique("ptmpl") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "DISK = [ IMAGE_ID = " + img + " ]")).intValue();
        ok(admin.call("one.template.chmod", tmpl, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        String gil = unique("gil");
        int gilId = ok(admin.call("one.user.allocate", gil, "pw", "", List.of())).intValue();
        OneClient g = nimbod.client(gil + ":pw");
        String name = unique("mine");
        int id = ok(g.call("one.template.instantiate", tmpl, name, false, "MEMORY = 96", true)).intValue();
        XmlNode vm = vm(g, id);
        assertThat(vm.text("NAME")).isEqualTo(name);
        assertThat(vm.child("TEMPLATE").text("MEMORY")).isEqualTo("96");
        assertThat(vm.toString()).contains("CLONING_TEMPLATE_ID");
        XmlNode disk = vm.child("TEMPLATE").child("DISK");
        assertThat(disk.text("PERSISTENT")).isEqualTo("YES");
        int copyImg = Integer.parseInt(disk.text("IMAGE_ID"));
        assertThat(copyImg).isNotEqualTo(img);
        XmlNode ci = image(copyImg);
        assertThat(ci.text("NAME")).isEqualTo(name + "-disk-0");
        assertThat(ci.integer("UID", -1)).isEqualTo(gilId);
        assertThat(ci.integer("PERSISTENT", -1)).isEqualTo(1);
        int copyTmpl = Integer.parseInt(vm.child("TEMPLATE").text("TEMPLATE_ID"));
        XmlNode ct = XmlNode.parse(ok(g.call("one.template.info", copyTmpl)).stringValue());
        assertThat(ct.text("NAME")).isEqualTo(name);
        assertThat(ct.integer("UID", -1)).isEqualTo(gilId);
        assertThat(ct.child("TEMPLATE").child("DISK").text("IMAGE_ID")).isEqualTo(String.valueOf(copyImg));
        // the copy is ready for the VM once the datastore has cloned it
        await().atMost(Duration.ofSeconds(15)).until(() -> image(copyImg).integer("STATE", -1) == 8); // USED_PERS
        assertThat(image(img).integer("RUNNING_VMS", -1)).isZero();
        // the same name again: the private template copy cannot be made, no VM either
        fails(g.call("one.template.instantiate", tmpl, name, false, "", true), Rpc.ALLOCATE, "NAME is already taken");
        ok(g.call("one.vm.action", "terminate", id));
        awaitVm(g, id, DONE, 0);
        await().atMost(Duration.ofSeconds(15)).until(() -> image(copyImg).integer("STATE", -1) == 1);
    }

    @Test
    void persistentImageDisksHandTheirSnapshotsToTheImage() {
        int img = image(true, 4);
        int id = ok(admin.call("one.vm.allocate", "NAME = " + unique("pvm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "DISK = [ IMAGE_ID = " + img + " ]", false)).intValue();
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(admin, id, ACTIVE, RUNNING);
        int s = ok(admin.call("one.vm.disksnapshotcreate", id, 0, "p")).intValue();
        awaitVm(admin, id, ACTIVE, RUNNING);
        XmlNode image = XmlNode.parse(ok(admin.call("one.image.info", img)).stringValue());
        assertThat(image.child("SNAPSHOTS").child("SNAPSHOT").text("ID")).isEqualTo(String.valueOf(s));
        // a grown persistent disk grows its image
        ok(admin.call("one.vm.diskresize", id, 0, "12"));
        awaitVm(admin, id, ACTIVE, RUNNING);
        image = XmlNode.parse(ok(admin.call("one.image.info", img)).stringValue());
        assertThat(image.text("SIZE")).isEqualTo("12");
        ok(admin.call("one.vm.action", "terminate", id));
        awaitVm(admin, id, DONE, 0);
        image = XmlNode.parse(ok(admin.call("one.image.info", img)).stringValue());
        assertThat(image.child("SNAPSHOTS").all("SNAPSHOT")).hasSize(1);
    }
}
