package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nimbo host} and {@code nimbo cluster} against the fake endpoint. */
class HostClusterCommandTest {
    static final String SHARE_EDGE = "<HOST_SHARE><MEM_USAGE>1048576</MEM_USAGE><CPU_USAGE>100</CPU_USAGE>"
            + "<TOTAL_MEM>8388608</TOTAL_MEM><TOTAL_CPU>800</TOTAL_CPU><MAX_MEM>8388608</MAX_MEM><MAX_CPU>400</MAX_CPU>"
            + "<RUNNING_VMS>1</RUNNING_VMS><VMS_THREAD>1</VMS_THREAD><DATASTORES><DISK_USAGE>0</DISK_USAGE>"
            + "<FREE_DISK>92160</FREE_DISK><MAX_DISK>102400</MAX_DISK><USED_DISK>10240</USED_DISK></DATASTORES>"
            + "<PCI_DEVICES><PCI><ADDRESS><![CDATA[0000:3b:00:0]]></ADDRESS><DEVICE_NAME><![CDATA[MT27800 Family [ConnectX-5]]]>"
            + "</DEVICE_NAME><NUMA_NODE><![CDATA[0]]></NUMA_NODE><SHORT_ADDRESS><![CDATA[3b:00.0]]></SHORT_ADDRESS>"
            + "<SRIOV><![CDATA[pf]]></SRIOV><SRIOV_NUM><![CDATA[2]]></SRIOV_NUM><TYPE><![CDATA[15b3:1017:0200]]></TYPE>"
            + "<VMID><![CDATA[-1]]></VMID></PCI><PCI><ADDRESS><![CDATA[0000:3b:01:0]]></ADDRESS><DEVICE_NAME><![CDATA[VF]]>"
            + "</DEVICE_NAME><NUMA_NODE><![CDATA[0]]></NUMA_NODE><SHORT_ADDRESS><![CDATA[3b:01.0]]></SHORT_ADDRESS>"
            + "<SRIOV><![CDATA[vf]]></SRIOV><TYPE><![CDATA[15b3:1018:0200]]></TYPE><VMID><![CDATA[4]]></VMID></PCI>"
            + "</PCI_DEVICES><NUMA_NODES><NODE><CORE><CPUS><![CDATA[0:4,2:-1]]></CPUS><DEDICATED><![CDATA[NO]]></DEDICATED>"
            + "<FREE><![CDATA[1]]></FREE><ID><![CDATA[0]]></ID></CORE><CORE><CPUS><![CDATA[1:-1,3:-1]]></CPUS>"
            + "<DEDICATED><![CDATA[NO]]></DEDICATED><FREE><![CDATA[2]]></FREE><ID><![CDATA[1]]></ID></CORE>"
            + "<HUGEPAGE><PAGES><![CDATA[1024]]></PAGES><SIZE><![CDATA[2048]]></SIZE><USAGE><![CDATA[24]]></USAGE></HUGEPAGE>"
            + "<MEMORY><DISTANCE><![CDATA[0]]></DISTANCE><TOTAL><![CDATA[8388608]]></TOTAL><USAGE><![CDATA[1048576]]></USAGE>"
            + "</MEMORY><NODE_ID><![CDATA[0]]></NODE_ID></NODE></NUMA_NODES></HOST_SHARE>";
    static final String EMPTY_SHARE = "<HOST_SHARE><MEM_USAGE>0</MEM_USAGE><CPU_USAGE>0</CPU_USAGE><TOTAL_MEM>0</TOTAL_MEM>"
            + "<TOTAL_CPU>0</TOTAL_CPU><MAX_MEM>0</MAX_MEM><MAX_CPU>0</MAX_CPU><RUNNING_VMS>0</RUNNING_VMS>"
            + "<VMS_THREAD>1</VMS_THREAD><DATASTORES><DISK_USAGE>0</DISK_USAGE><FREE_DISK>0</FREE_DISK><MAX_DISK>0</MAX_DISK>"
            + "<USED_DISK>0</USED_DISK></DATASTORES><PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES></HOST_SHARE>";
    static final String EDGE1 = "<HOST><ID>3</ID><NAME>edge-1</NAME><STATE>2</STATE><PREV_STATE>0</PREV_STATE>"
            + "<IM_MAD>dummy</IM_MAD><VM_MAD>dummy</VM_MAD><CLUSTER_ID>100</CLUSTER_ID><CLUSTER>edge</CLUSTER>" + SHARE_EDGE
            + "<VMS><ID>4</ID></VMS><TEMPLATE><HYPERVISOR><![CDATA[dummy]]></HYPERVISOR><LABELS><![CDATA[prod,edge]]></LABELS>"
            + "<RESERVED_CPU><![CDATA[400]]></RESERVED_CPU></TEMPLATE><MONITORING><TIMESTAMP>1735689540</TIMESTAMP><ID>3</ID>"
            + "<CAPACITY><FREE_CPU><![CDATA[600]]></FREE_CPU><FREE_MEMORY><![CDATA[6291456]]></FREE_MEMORY>"
            + "<USED_CPU><![CDATA[200]]></USED_CPU><USED_MEMORY><![CDATA[2097152]]></USED_MEMORY></CAPACITY>"
            + "<SYSTEM><NETRX><![CDATA[10]]></NETRX></SYSTEM></MONITORING></HOST>";
    static final String HOST_POOL = "<HOST_POOL>" + EDGE1
            + "<HOST><ID>4</ID><NAME>edge-2</NAME><STATE>8</STATE><PREV_STATE>2</PREV_STATE><IM_MAD>dummy</IM_MAD>"
            + "<VM_MAD>dummy</VM_MAD><CLUSTER_ID>0</CLUSTER_ID><CLUSTER>default</CLUSTER>" + EMPTY_SHARE
            + "<VMS></VMS><TEMPLATE></TEMPLATE><MONITORING/></HOST>"
            + "<HOST><ID>5</ID><NAME>core-1</NAME><STATE>3</STATE><PREV_STATE>2</PREV_STATE><IM_MAD>dummy</IM_MAD>"
            + "<VM_MAD>dummy</VM_MAD><CLUSTER_ID>0</CLUSTER_ID><CLUSTER>default</CLUSTER>" + EMPTY_SHARE
            + "<VMS></VMS><TEMPLATE><ERROR><![CDATA[boom]]></ERROR></TEMPLATE><MONITORING/></HOST></HOST_POOL>";
    static final String CLUSTER_EDGE = "<CLUSTER><ID>100</ID><NAME>edge</NAME><HOSTS><ID>3</ID></HOSTS>"
            + "<DATASTORES><ID>0</ID><ID>1</ID></DATASTORES><VNETS></VNETS><TEMPLATE><RESERVED_CPU><![CDATA[100]]>"
            + "</RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE></CLUSTER>";
    static final String CLUSTER_POOL = "<CLUSTER_POOL><CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS><ID>4</ID><ID>5</ID>"
            + "</HOSTS><DATASTORES><ID>0</ID><ID>1</ID><ID>2</ID></DATASTORES><VNETS></VNETS><TEMPLATE></TEMPLATE></CLUSTER>"
            + CLUSTER_EDGE + "</CLUSTER_POOL>";
    static final String MONITORING = "<MONITORING_DATA>"
            + "<MONITORING><TIMESTAMP>1735689480</TIMESTAMP><ID>3</ID><CAPACITY><FREE_CPU>700</FREE_CPU>"
            + "<FREE_MEMORY>7340032</FREE_MEMORY><USED_CPU>100</USED_CPU><USED_MEMORY>1048576</USED_MEMORY></CAPACITY>"
            + "<SYSTEM><NETRX>5</NETRX></SYSTEM></MONITORING>"
            + "<MONITORING><TIMESTAMP>1735689540</TIMESTAMP><ID>3</ID><CAPACITY><FREE_CPU>600</FREE_CPU>"
            + "<FREE_MEMORY>6291456</FREE_MEMORY><USED_CPU>200</USED_CPU><USED_MEMORY>2097152</USED_MEMORY></CAPACITY>"
            + "<SYSTEM><NETRX>10</NETRX></SYSTEM></MONITORING></MONITORING_DATA>";
    static final String DS_POOL = "<DATASTORE_POOL><DATASTORE><ID>1</ID><NAME>default</NAME></DATASTORE></DATASTORE_POOL>";
    static final String VN_POOL = "<VNET_POOL><VNET><ID>7</ID><NAME>public</NAME></VNET></VNET_POOL>";

    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.hostpool.info", HOST_POOL)
                .ok("one.host.info", EDGE1)
                .ok("one.host.monitoring", MONITORING)
                .ok("one.clusterpool.info", CLUSTER_POOL)
                .ok("one.cluster.info", CLUSTER_EDGE)
                .ok("one.datastorepool.info", DS_POOL)
                .ok("one.vnpool.info", VN_POOL);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void hostListShowsStatAndAllocation() {
        var r = cli.run("host", "list");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "ID NAME   CLUSTER RVM   ALLOCATED_CPU ALLOCATED_MEM STAT",
                " 3 edge-1 edge      1 100 / 400 (25%) 1G / 8G (13%) on",
                " 4 edge-2 default   0               -             - off",
                " 5 core-1 default   0               -             - err");
        assertThat(fake.last("one.hostpool.info")).containsExactly("oneadmin:secret");

        var wide = cli.run("host", "list", "--list", "name,real_cpu,real_mem,labels", "--filter", "STAT=on");
        assertThat(wide.out().lines().toList()).containsExactly(
                "NAME          REAL_CPU      REAL_MEM LABELS",
                "edge-1 200 / 800 (25%) 2G / 8G (25%) prod,edge");
    }

    @Test
    void hostShowPrintsSharesNumaAndPci() {
        var r = cli.run("host", "show", "edge-1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.last("one.host.info")).containsExactly("oneadmin:secret", 3, false);
        assertThat(r.out()).contains("HOST 3 INFORMATION")
                .contains("CLUSTER         : edge (100)")
                .contains("STATE           : MONITORED")
                .contains("LAST MONITORED  : 1m ago")
                .contains("LABELS          : prod,edge")
                .contains("MEMORY TOTAL    : 8G")
                .contains("CPU TOTAL       : 800")
                .contains("  +/- RESERVED  : 400")
                .contains("LOCAL SYSTEM DATASTORE")
                .contains("HYPERVISOR=\"dummy\"")
                .contains("NUMA NODES")
                .contains("NUMA HUGEPAGES")
                .contains("3b:00.0 15b3:1017:0200 pf(2)")
                .contains("3b:01.0 15b3:1018:0200 vf")
                .contains("VIRTUAL MACHINES\n4\n");
        assertThat(r.out().lines().filter(l -> l.matches(" +0 +2 +4 +1 +3"))).hasSize(1); // cores threads used free
        assertThat(r.out().lines().filter(l -> l.matches(" +0 +2M +1024 +1000 +24"))).hasSize(1);

        var x = cli.run("host", "show", "3", "-x");
        assertThat(x.out()).startsWith("<HOST>");
    }

    @Test
    void createWithTokenPrintsTheAgentsEnrolmentToken() {
        fake.ok("one.host.allocate", 12).ok("one.host.info", "<HOST><ID>12</ID><NAME>kvm-1</NAME><TEMPLATE>"
                + "<AGENT_TOKEN><![CDATA[nimbo1.12.s3cret.abcd]]></AGENT_TOKEN></TEMPLATE></HOST>");
        var r = cli.run("host", "create", "kvm-1", "--im", "kvm", "--vm", "kvm", "--token");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("ID: 12\nTOKEN: nimbo1.12.s3cret.abcd\n");
        assertThat(fake.last("one.host.info")).containsExactly("oneadmin:secret", 12, false);
        // a new token for the host: the server makes it on AGENT_TOKEN's update; its expiry is shown as a date
        fake.ok("one.host.update", 12).ok("one.host.info", "<HOST><ID>12</ID><NAME>kvm-1</NAME><TEMPLATE>"
                + "<AGENT_TOKEN><![CDATA[nimbo1.12.n3w.abcd]]></AGENT_TOKEN>"
                + "<AGENT_TOKEN_EXPIRES><![CDATA[1800000000]]></AGENT_TOKEN_EXPIRES></TEMPLATE></HOST>");
        var renewed = cli.run("host", "token", "12");
        assertThat(renewed.exit()).isZero();
        assertThat(renewed.out()).isEqualTo("TOKEN: nimbo1.12.n3w.abcd\nEXPIRES: 2027-01-15T08:00:00Z\n");
        assertThat(fake.last("one.host.update")).containsExactly("oneadmin:secret", 12, "AGENT_TOKEN = \"NEW\"", 1);
        var refused = cli.run("host", "create", "dummy-1", "--im", "dummy", "--vm", "dummy", "--token");
        assertThat(refused.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("--token is for hosts with agents");
    }

    @Test
    void hostVerbs() {
        fake.ok("one.host.allocate", 9).ok("one.host.delete", 3).ok("one.host.status", 3).ok("one.host.update", 3)
                .ok("one.host.rename", 3);
        var created = cli.run("host", "create", "edge-9", "--im", "dummy", "--vm", "dummy", "--cluster", "edge");
        assertThat(created.out()).isEqualTo("ID: 9\n");
        assertThat(fake.last("one.host.allocate")).containsExactly("oneadmin:secret", "edge-9", "dummy", "dummy", 100);
        assertThat(cli.run("host", "create", "edge-10", "--im", "dummy", "--vm", "dummy").exit()).isZero();
        assertThat(fake.last("one.host.allocate")).containsExactly("oneadmin:secret", "edge-10", "dummy", "dummy", -1);
        assertThat(cli.run("host", "create", "edge-11").exit()).isEqualTo(ExitCodes.USAGE);

        assertThat(cli.run("host", "disable", "edge-1").exit()).isZero();
        assertThat(fake.last("one.host.status")).containsExactly("oneadmin:secret", 3, 1);
        assertThat(cli.run("host", "offline", "edge-1").exit()).isZero();
        assertThat(fake.last("one.host.status")).containsExactly("oneadmin:secret", 3, 2);
        assertThat(cli.run("host", "enable", "edge-1", "5").exit()).isZero();
        assertThat(fake.last("one.host.status")).containsExactly("oneadmin:secret", 5, 0);

        assertThat(cli.stdin("LABELS=\"gold\"").run("host", "update", "edge-1", "-", "--append").exit()).isZero();
        assertThat(fake.last("one.host.update")).containsExactly("oneadmin:secret", 3, "LABELS=\"gold\"", 1);
        assertThat(cli.run("host", "rename", "edge-1", "edge-01").exit()).isZero();
        assertThat(fake.last("one.host.rename")).containsExactly("oneadmin:secret", 3, "edge-01");
        assertThat(cli.run("host", "delete", "edge-1").exit()).isZero();
        assertThat(fake.last("one.host.delete")).containsExactly("oneadmin:secret", 3);

        var unknown = cli.run("host", "delete", "nope");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(unknown.err()).contains("host 'nope' not found");
    }

    @Test
    void hostErrorsComeThrough() {
        fake.fail("one.host.delete", 0x800, "[one.host.delete] Cannot delete host. Can not remove a host with running VMs");
        var r = cli.run("host", "delete", "3");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).contains("Can not remove a host with running VMs");
    }

    @Test
    void hostMonitoringTable() {
        var r = cli.run("host", "monitoring", "edge-1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.last("one.host.monitoring")).containsExactly("oneadmin:secret", 3);
        assertThat(r.out().lines().toList()).containsExactly(
                "TIME   FREE_CPU USED_CPU FREE_MEMORY USED_MEMORY",
                "2m ago      700      100          7G          1G",
                "1m ago      600      200          6G          2G");
        var net = cli.run("host", "monitoring", "3", "--attr", "netrx,used_cpu");
        assertThat(net.out().lines().toList()).containsExactly(
                "TIME   NETRX USED_CPU", "2m ago     5      100", "1m ago    10      200");
        assertThat(cli.run("host", "monitoring", "3", "-x").out()).startsWith("<MONITORING_DATA>");
    }

    @Test
    void clusterListShowAndVerbs() {
        var list = cli.run("cluster", "list");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().toList()).containsExactly(
                " ID NAME    HOSTS VNETS DATASTORES",
                "  0 default     2     0          3",
                "100 edge        1     0          2");
        var show = cli.run("cluster", "show", "edge");
        assertThat(show.out()).contains("CLUSTER 100 INFORMATION").contains("RESERVED_CPU=\"100\"")
                .contains("HOSTS\n3\n").contains("DATASTORES\n0, 1\n").contains("VNETS\n-\n");

        fake.ok("one.cluster.allocate", 101).ok("one.cluster.delete", 100).ok("one.cluster.update", 100)
                .ok("one.cluster.rename", 100);
        for (String m : List.of("addhost", "delhost", "adddatastore", "deldatastore", "addvnet", "delvnet")) {
            fake.ok("one.cluster." + m, 100);
        }
        assertThat(cli.run("cluster", "create", "west").out()).isEqualTo("ID: 101\n");
        assertThat(fake.last("one.cluster.allocate")).containsExactly("oneadmin:secret", "west");
        assertThat(cli.run("cluster", "addhost", "edge", "core-1").exit()).isZero();
        assertThat(fake.last("one.cluster.addhost")).containsExactly("oneadmin:secret", 100, 5);
        assertThat(cli.run("cluster", "delhost", "edge", "edge-1").exit()).isZero();
        assertThat(fake.last("one.cluster.delhost")).containsExactly("oneadmin:secret", 100, 3);
        assertThat(cli.run("cluster", "adddatastore", "edge", "default").exit()).isZero();
        assertThat(fake.last("one.cluster.adddatastore")).containsExactly("oneadmin:secret", 100, 1);
        assertThat(cli.run("cluster", "deldatastore", "100", "1").exit()).isZero();
        assertThat(fake.last("one.cluster.deldatastore")).containsExactly("oneadmin:secret", 100, 1);
        assertThat(cli.run("cluster", "addvnet", "edge", "public").exit()).isZero();
        assertThat(fake.last("one.cluster.addvnet")).containsExactly("oneadmin:secret", 100, 7);
        assertThat(fake.last("one.vnpool.info")).containsExactly("oneadmin:secret", -2, -1, -1);
        assertThat(cli.run("cluster", "delvnet", "edge", "7").exit()).isZero();
        assertThat(fake.last("one.cluster.delvnet")).containsExactly("oneadmin:secret", 100, 7);
        assertThat(cli.stdin("RESERVED_MEM=\"10%\"").run("cluster", "update", "edge", "-", "-a").exit()).isZero();
        assertThat(fake.last("one.cluster.update")).containsExactly("oneadmin:secret", 100, "RESERVED_MEM=\"10%\"", 1);
        assertThat(cli.run("cluster", "rename", "edge", "edge-west").exit()).isZero();
        assertThat(fake.last("one.cluster.rename")).containsExactly("oneadmin:secret", 100, "edge-west");
        assertThat(cli.run("cluster", "delete", "edge").exit()).isZero();
        assertThat(fake.last("one.cluster.delete")).containsExactly("oneadmin:secret", 100);
    }
}
