package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.ALLOCATE;
import static dev.nimbo.server.it.Rpc.AUTHENTICATION;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.INTERNAL;
import static dev.nimbo.server.it.Rpc.LOCKED;
import static dev.nimbo.server.it.Rpc.NO_EXISTS;
import static dev.nimbo.server.it.Rpc.XML_RPC_API;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hosts, clusters and the dummy IM driver end to end: a real nimbod monitoring every second, spoken to over
 * XML-RPC. One daemon for the class; tests use unique names and their own hosts and clusters.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostClusterTest {

    static final int INIT = 0;
    static final int MONITORED = 2;
    static final int ERROR = 3;
    static final int DISABLED = 4;
    static final int OFFLINE = 8;


    NimbodProcess nimbod;
    OneClient admin;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-hosts-");
        nimbod = NimbodProcess.start(dir, null, Map.of("NIMBO_HOST_MONITOR_INTERVAL", "1"));
        admin = nimbod.client();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }




    XmlNode host(int id) {
        return XmlNode.parse(ok(admin.call("one.host.info", id)).stringValue());
    }

    XmlNode cluster(int id) {
        return XmlNode.parse(ok(admin.call("one.cluster.info", id)).stringValue());
    }

    int newHost(String name, int cluster) {
        return ok(admin.call("one.host.allocate", name, "dummy", "dummy", cluster)).intValue();
    }

    /** Waits until the host's STATE is {@code state} and returns its document then. */
    XmlNode awaitState(int id, int state) {
        XmlNode[] seen = new XmlNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            seen[0] = host(id);
            return seen[0].integer("STATE", -1) == state;
        });
        return seen[0];
    }

    List<String> hostNames() {
        return XmlNode.parse(ok(admin.call("one.hostpool.info")).stringValue()).all("HOST").stream()
                .map(h -> h.integer("ID", -1) + ":" + h.text("NAME")).toList();
    }

    static List<Integer> ids(XmlNode parent, String tag) {
        XmlNode n = parent.child(tag);
        return n == null ? List.of() : n.all("ID").stream().map(x -> Integer.parseInt(x.text().strip())).toList();
    }

    static String tmpl(XmlNode host, String name) {
        return host.child("TEMPLATE").text(name, null);
    }

    // ------------------------------------------------------------------ hosts

    @Test
    void hostIsMonitoredAndFollowsEnableDisableOffline() {
        String name = unique("node");
        int id = newHost(name, -1);
        XmlNode h = host(id);
        assertThat(h.text("NAME")).isEqualTo(name);
        assertThat(h.text("IM_MAD")).isEqualTo("dummy");
        assertThat(h.integer("CLUSTER_ID", -1)).isZero();
        assertThat(h.text("CLUSTER")).isEqualTo("default");
        assertThat(tmpl(h, "RESERVED_CPU")).isEmpty();
        assertThat(ids(cluster(0), "HOSTS")).contains(id);

        h = awaitState(id, MONITORED);
        // default profile "small": 1 node x 4 cores x 2 threads, 8G
        XmlNode share = h.child("HOST_SHARE");
        assertThat(share.longValue("TOTAL_CPU", 0)).isEqualTo(800);
        assertThat(share.longValue("MAX_CPU", 0)).isEqualTo(800);
        assertThat(share.longValue("TOTAL_MEM", 0)).isEqualTo(8L * 1024 * 1024);
        assertThat(share.child("DATASTORES").longValue("MAX_DISK", 0)).isEqualTo(100L * 1024);
        assertThat(share.child("NUMA_NODES").all("NODE")).hasSize(1);
        assertThat(tmpl(h, "HYPERVISOR")).isEqualTo("dummy");
        assertThat(tmpl(h, "TOTALCPU")).isEqualTo("800");
        assertThat(tmpl(h, "HOSTNAME")).isEqualTo(name);
        XmlNode mon = h.child("MONITORING");
        assertThat(mon.integer("ID", -1)).isEqualTo(id);
        assertThat(mon.child("CAPACITY").longValue("FREE_CPU", -1) + mon.child("CAPACITY").longValue("USED_CPU", -1))
                .isEqualTo(800);

        ok(admin.call("one.host.status", id, 1));
        assertThat(host(id).integer("STATE", -1)).isEqualTo(DISABLED);
        assertThat(host(id).integer("PREV_STATE", -1)).isEqualTo(MONITORED);
        ok(admin.call("one.host.status", id, 0));
        assertThat(host(id).integer("STATE", -1)).isEqualTo(MONITORED);

        ok(admin.call("one.host.status", id, 2));
        h = host(id);
        assertThat(h.integer("STATE", -1)).isEqualTo(OFFLINE);
        assertThat(h.child("HOST_SHARE").longValue("TOTAL_CPU", -1)).isZero();
        assertThat(tmpl(h, "TOTALCPU")).isNull();
        ok(admin.call("one.host.status", id, 0));
        assertThat(host(id).integer("STATE", -1)).isIn(INIT, MONITORED);
        assertThat(awaitState(id, MONITORED).child("HOST_SHARE").longValue("TOTAL_CPU", -1)).isEqualTo(800);

        fails(admin.call("one.host.status", id, 7), INTERNAL, "Wrong status code");
    }

    @Test
    void updateRenameAndDelete() {
        String name = unique("upd");
        int id = newHost(name, -1);
        ok(admin.call("one.host.update", id, "LABELS = \"prod,edge/site-1\"\nTYPE = production", 1));
        XmlNode h = host(id);
        assertThat(tmpl(h, "LABELS")).isEqualTo("prod,edge/site-1");
        assertThat(tmpl(h, "TYPE")).isEqualTo("production");
        assertThat(tmpl(h, "IM_MAD")).isEqualTo("dummy");
        // replace keeps the drivers in the template, as OpenNebula does
        ok(admin.call("one.host.update", id, "ONLY = 1", 0));
        h = host(id);
        assertThat(tmpl(h, "ONLY")).isEqualTo("1");
        assertThat(tmpl(h, "LABELS")).isNull();
        assertThat(tmpl(h, "VM_MAD")).isEqualTo("dummy");
        // labels survive monitoring
        ok(admin.call("one.host.update", id, "LABELS = \"gold\"", 1));
        awaitState(id, MONITORED);
        await().atMost(Duration.ofSeconds(20)).until(() -> tmpl(host(id), "HYPERVISOR") != null);
        assertThat(tmpl(host(id), "LABELS")).isEqualTo("gold");

        fails(admin.call("one.host.update", id, "IM_MAD = nope", 1), ACTION, "Unknown IM_MAD 'nope'");
        fails(admin.call("one.host.update", id, "VM_MAD = kvm9", 1), ACTION, "Unknown VM_MAD 'kvm9'");
        fails(admin.call("one.host.update", id, "A = [", 1), XML_RPC_API, "Parse error");
        fails(admin.call("one.host.update", id, "A = 1", 5), XML_RPC_API, "Wrong update type");

        String other = unique("other");
        int otherId = newHost(other, -1);
        String renamed = unique("renamed");
        ok(admin.call("one.host.rename", id, renamed));
        assertThat(host(id).text("NAME")).isEqualTo(renamed);
        fails(admin.call("one.host.rename", id, other), ACTION, "collides with host " + otherId);
        fails(admin.call("one.host.rename", id, "bad name"), ACTION, "Invalid HOSTNAME");
        ok(admin.call("one.host.rename", id, renamed));

        ok(admin.call("one.host.delete", id));
        fails(admin.call("one.host.info", id), NO_EXISTS, "Error getting host [" + id + "]");
        fails(admin.call("one.host.delete", id), NO_EXISTS, "[" + id + "]");
        assertThat(ids(cluster(0), "HOSTS")).doesNotContain(id).contains(otherId);
        // the name is free again
        ok(admin.call("one.host.allocate", renamed, "dummy", "dummy", -1));
    }

    @Test
    void badHostInputIsRefusedAndNothingIsCreated() {
        List<String> hostsBefore = hostNames();
        fails(admin.call("one.host.allocate", "a", "dummy", "dummy", -1), ALLOCATE, "Invalid HOSTNAME");
        fails(admin.call("one.host.allocate", "-lead", "dummy", "dummy", -1), ALLOCATE, "first character");
        fails(admin.call("one.host.allocate", "has space", "dummy", "dummy", -1), ALLOCATE, "invalid character");
        fails(admin.call("one.host.allocate", "x".repeat(64), "dummy", "dummy", -1), ALLOCATE, "smaller than 64");
        fails(admin.call("one.host.allocate", unique("h"), "", "dummy", -1), ALLOCATE, "IM_MAD_NAME cannot be empty");
        fails(admin.call("one.host.allocate", unique("h"), "dummy", "", -1), ALLOCATE, "VMM_MAD_NAME cannot be empty");
        fails(admin.call("one.host.allocate", unique("h"), "kvm-ng", "dummy", -1), ALLOCATE,
                "Unknown IM_MAD 'kvm-ng': this server has dummy");
        fails(admin.call("one.host.allocate", unique("h"), "dummy", "xen", -1), ALLOCATE, "Unknown VM_MAD 'xen'");
        fails(admin.call("one.host.allocate", unique("h"), "dummy", "dummy", 4242), NO_EXISTS, "Error getting cluster [4242]");
        fails(admin.call("one.host.allocate", unique("h"), "dummy", "dummy", "0"), XML_RPC_API, "must be an integer");
        fails(admin.call("one.host.allocate", unique("h")), XML_RPC_API, "Wrong number of parameters");
        assertThat(hostNames()).isEqualTo(hostsBefore);

        String dup = unique("dup");
        int id = newHost(dup, -1);
        fails(admin.call("one.host.allocate", dup, "dummy", "dummy", -1), ALLOCATE, "NAME is already taken by HOST " + id);
        fails(admin.call("one.host.info", 987654), NO_EXISTS, "Error getting host [987654]");
        fails(admin.call("one.host.status", 987654, 0), NO_EXISTS, "[987654]");
        fails(admin.call("one.host.monitoring", 987654), NO_EXISTS, "[987654]");
    }

    // ------------------------------------------------------------------ dummy hardware

    @Test
    void hardwareFromTheTemplateFillsNumaAndPci() {
        int id = newHost(unique("numa"), -1);
        ok(admin.call("one.host.update", id, """
                NUMA_NODES = 2
                CORES_PER_NODE = 8
                THREADS_PER_CORE = 2
                MEMORY_PER_NODE = 32G
                HUGEPAGES = "2M:1024 1G:4"
                PCI = "0000:3b:00.0 15b3 1017 0200 SRIOV_VFS=8"
                DUMMY_REPORT = [ SITE = "edge-7" ]
                """, 1));
        XmlNode[] seen = new XmlNode[1];
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            seen[0] = host(id);
            // A monitoring round started before the update may still report the old hardware with the same
            // CPU total: wait for the new layout itself (2 nodes of 8 cores, SMT siblings 16 apart).
            XmlNode numa = seen[0].child("HOST_SHARE").child("NUMA_NODES");
            return numa != null && numa.all("NODE").size() == 2 && numa.all("NODE").get(0).all("CORE").size() == 8
                    && numa.all("NODE").get(0).all("CORE").get(0).text("CPUS").equals("0:-1,16:-1");
        });
        XmlNode h = seen[0];
        assertThat(h.integer("STATE", -1)).isEqualTo(MONITORED);
        XmlNode share = h.child("HOST_SHARE");
        assertThat(share.longValue("TOTAL_MEM", 0)).isEqualTo(64L * 1024 * 1024);
        List<XmlNode> nodes = share.child("NUMA_NODES").all("NODE");
        assertThat(nodes).hasSize(2);
        assertThat(nodes.get(0).all("CORE")).hasSize(8);
        assertThat(nodes.get(0).all("CORE").get(0).text("CPUS")).isEqualTo("0:-1,16:-1");
        assertThat(nodes.get(1).all("CORE").get(0).integer("ID", -1)).isEqualTo(8);
        assertThat(nodes.get(1).child("MEMORY").text("DISTANCE")).isEqualTo("1 0");
        assertThat(nodes.get(0).child("MEMORY").longValue("TOTAL", 0)).isEqualTo(32L * 1024 * 1024);
        assertThat(nodes.get(0).all("HUGEPAGE")).extracting(p -> p.text("SIZE") + ":" + p.text("PAGES"))
                .containsExactly("2048:1024", "1048576:4");
        List<XmlNode> pci = share.child("PCI_DEVICES").all("PCI");
        assertThat(pci).hasSize(9);
        assertThat(pci.get(0).text("ADDRESS")).isEqualTo("0000:3b:00:0");
        assertThat(pci.get(0).text("SHORT_ADDRESS")).isEqualTo("3b:00.0");
        assertThat(pci.get(0).text("SRIOV")).isEqualTo("pf");
        assertThat(pci.get(0).text("SRIOV_NUM")).isEqualTo("8");
        assertThat(pci.get(0).text("TYPE")).isEqualTo("15b3:1017:0200");
        assertThat(pci.get(0).text("VMID")).isEqualTo("-1");
        assertThat(pci.subList(1, 9)).allSatisfy(vf -> {
            assertThat(vf.text("SRIOV")).isEqualTo("vf");
            assertThat(vf.text("DEVICE")).isEqualTo("1018");
        });
        assertThat(pci.get(1).text("SHORT_ADDRESS")).isEqualTo("3b:01.0");
        assertThat(tmpl(h, "SITE")).isEqualTo("edge-7");
        assertThat(h.child("MONITORING").all("NUMA_NODE")).hasSize(2);

        // a named profile
        int big = newHost(unique("telco"), -1);
        ok(admin.call("one.host.update", big, "DUMMY_PROFILE = telco-large", 1));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> host(big).child("HOST_SHARE").longValue("TOTAL_CPU", 0) == 9600);
        XmlNode b = host(big).child("HOST_SHARE");
        assertThat(b.child("PCI_DEVICES").all("PCI")).hasSize(34);
        assertThat(b.child("NUMA_NODES").all("NODE")).hasSize(2);
    }

    @Test
    void failedMonitoringGoesToErrorAndRecovers() {
        int id = newHost(unique("flaky"), -1);
        awaitState(id, MONITORED);
        ok(admin.call("one.host.update", id, "DUMMY_FAIL_MONITOR = YES", 1));
        XmlNode h = awaitState(id, ERROR);
        assertThat(tmpl(h, "ERROR")).contains("Error monitoring Host").contains("simulated monitoring failure");
        ok(admin.call("one.host.update", id, "DUMMY_FAIL_MONITOR = NO", 1));
        h = awaitState(id, MONITORED);
        assertThat(tmpl(h, "ERROR")).isNull();

        // a wrong hardware description is a monitoring error naming the attribute
        ok(admin.call("one.host.update", id, "NUMA_NODES = lots", 1));
        assertThat(tmpl(awaitState(id, ERROR), "ERROR")).contains("NUMA_NODES must be an integer");
        ok(admin.call("one.host.update", id, "NUMA_NODES = 1", 1));
        awaitState(id, MONITORED);

        // a disabled host stays disabled when monitoring fails
        ok(admin.call("one.host.status", id, 1));
        ok(admin.call("one.host.update", id, "DUMMY_FAIL_MONITOR = YES", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> tmpl(host(id), "ERROR") != null);
        assertThat(host(id).integer("STATE", -1)).isEqualTo(DISABLED);
    }

    @Test
    void monitoringHistory() {
        int id = newHost(unique("hist"), -1);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                XmlNode.parse(ok(admin.call("one.host.monitoring", id)).stringValue()).all("MONITORING").size() >= 3);
        XmlNode data = XmlNode.parse(ok(admin.call("one.host.monitoring", id)).stringValue());
        assertThat(data.name()).isEqualTo("MONITORING_DATA");
        List<XmlNode> records = data.all("MONITORING");
        assertThat(records).allSatisfy(m -> {
            assertThat(m.integer("ID", -1)).isEqualTo(id);
            assertThat(m.child("CAPACITY").child("FREE_CPU")).isNotNull();
        });
        List<Long> times = records.stream().map(m -> m.longValue("TIMESTAMP", 0)).toList();
        assertThat(times).isSorted().doesNotHaveDuplicates();

        XmlNode latest = XmlNode.parse(ok(admin.call("one.hostpool.monitoring", 0)).stringValue());
        assertThat(latest.all("MONITORING").stream().filter(m -> m.integer("ID", -1) == id)).hasSize(1);
        XmlNode all = XmlNode.parse(ok(admin.call("one.hostpool.monitoring", -1)).stringValue());
        assertThat(all.all("MONITORING").stream().filter(m -> m.integer("ID", -1) == id).count())
                .isGreaterThanOrEqualTo(3);
        XmlNode recent = XmlNode.parse(ok(admin.call("one.hostpool.monitoring", 60)).stringValue());
        assertThat(recent.all("MONITORING").stream().filter(m -> m.integer("ID", -1) == id)).isNotEmpty();
        assertThat(XmlNode.parse(ok(admin.call("one.hostpool.monitoring")).stringValue()).all("MONITORING"))
                .hasSizeGreaterThanOrEqualTo(3);

        ok(admin.call("one.host.delete", id));
        fails(admin.call("one.host.monitoring", id), NO_EXISTS, "[" + id + "]");
        await().atMost(Duration.ofSeconds(20)).until(() -> XmlNode.parse(ok(admin.call("one.hostpool.monitoring", -1))
                .stringValue()).all("MONITORING").stream().noneMatch(m -> m.integer("ID", -1) == id));
    }

    @Test
    void hostsClustersAndHistorySurviveARestart() throws Exception {
        int cid = ok(admin.call("one.cluster.allocate", unique("keep"))).intValue();
        ok(admin.call("one.cluster.update", cid, "RESERVED_CPU = 100", 1));
        int id = newHost(unique("keep"), cid);
        ok(admin.call("one.host.update", id, "DUMMY_PROFILE = edge-medium\nLABELS = \"kept\"", 1));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> host(id).child("HOST_SHARE").longValue("TOTAL_CPU", 0) == 4800);
        int records = XmlNode.parse(ok(admin.call("one.host.monitoring", id)).stringValue()).all("MONITORING").size();
        assertThat(records).isPositive();

        assertThat(nimbod.stop()).isZero();
        nimbod.restart();

        XmlNode h = host(id);
        assertThat(h.integer("CLUSTER_ID", -1)).isEqualTo(cid);
        assertThat(tmpl(h, "LABELS")).isEqualTo("kept");
        assertThat(h.child("HOST_SHARE").longValue("MAX_CPU", 0)).isEqualTo(4700);
        assertThat(h.child("HOST_SHARE").child("PCI_DEVICES").all("PCI")).hasSize(9);
        assertThat(ids(cluster(cid), "HOSTS")).containsExactly(id);
        assertThat(XmlNode.parse(ok(admin.call("one.host.monitoring", id)).stringValue()).all("MONITORING"))
                .hasSizeGreaterThanOrEqualTo(records);
        // monitoring goes on after the restart
        int before = h.child("MONITORING").integer("TIMESTAMP", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> host(id).child("MONITORING").integer("TIMESTAMP", 0) > before);
    }

    // ------------------------------------------------------------------ clusters

    @Test
    void clusterLifeCycleAndMembershipBothWays() {
        String name = unique("edge");
        int cid = ok(admin.call("one.cluster.allocate", name)).intValue();
        assertThat(cid).isGreaterThanOrEqualTo(100);
        XmlNode c = cluster(cid);
        assertThat(c.text("NAME")).isEqualTo(name);
        assertThat(c.child("TEMPLATE").text("RESERVED_CPU", null)).isEmpty();
        assertThat(ok(admin.call("one.clusterpool.info")).stringValue()).contains("<ID>" + cid + "</ID><NAME>" + name);
        fails(admin.call("one.cluster.allocate", name), ALLOCATE, "NAME is already taken by CLUSTER " + cid);
        fails(admin.call("one.cluster.allocate", "a/b;c"), ALLOCATE, "Invalid NAME");

        // a host created in the cluster, another moved in
        int h1 = newHost(unique("in"), cid);
        assertThat(host(h1).integer("CLUSTER_ID", -1)).isEqualTo(cid);
        assertThat(host(h1).text("CLUSTER")).isEqualTo(name);
        int h2 = newHost(unique("moved"), -1);
        ok(admin.call("one.cluster.addhost", cid, h2));
        assertThat(ids(cluster(cid), "HOSTS")).containsExactly(h1, h2);
        assertThat(ids(cluster(0), "HOSTS")).doesNotContain(h1, h2);
        assertThat(host(h2).integer("CLUSTER_ID", -1)).isEqualTo(cid);
        ok(admin.call("one.cluster.addhost", cid, h2)); // already there: nothing to do

        fails(admin.call("one.cluster.delete", cid), ACTION, "Cluster " + cid + " is not empty, it contains 2 hosts");

        // reservations: the cluster's apply to hosts without their own
        awaitState(h1, MONITORED);
        awaitState(h2, MONITORED);
        ok(admin.call("one.host.update", h2, "RESERVED_CPU = 100", 1));
        ok(admin.call("one.cluster.update", cid, "RESERVED_CPU = 200\nRESERVED_MEM = \"50%\"", 1));
        XmlNode s1 = host(h1).child("HOST_SHARE");
        assertThat(s1.longValue("MAX_CPU", 0)).isEqualTo(600);
        assertThat(s1.longValue("MAX_MEM", 0)).isEqualTo(4L * 1024 * 1024);
        XmlNode s2 = host(h2).child("HOST_SHARE");
        assertThat(s2.longValue("MAX_CPU", 0)).isEqualTo(700);
        assertThat(s2.longValue("MAX_MEM", 0)).isEqualTo(4L * 1024 * 1024);
        // and they stay after the next monitoring
        int sampleTime = host(h1).child("MONITORING").integer("TIMESTAMP", 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(h1).child("MONITORING").integer("TIMESTAMP", 0) > sampleTime);
        assertThat(host(h1).child("HOST_SHARE").longValue("MAX_CPU", 0)).isEqualTo(600);

        // rename follows into the hosts
        String renamed = unique("edge-renamed");
        ok(admin.call("one.cluster.rename", cid, renamed));
        assertThat(host(h1).text("CLUSTER")).isEqualTo(renamed);
        fails(admin.call("one.cluster.rename", cid, "default"), ACTION, "collides with cluster 0");

        // delhost puts a host back into default, whatever cluster ID is given
        ok(admin.call("one.cluster.delhost", cid, h1));
        assertThat(host(h1).integer("CLUSTER_ID", -1)).isZero();
        assertThat(host(h1).child("HOST_SHARE").longValue("MAX_CPU", 0)).isEqualTo(800);
        assertThat(ids(cluster(0), "HOSTS")).contains(h1);
        ok(admin.call("one.cluster.delhost", 0, h2));
        assertThat(ids(cluster(cid), "HOSTS")).isEmpty();

        // datastores: membership on both sides; a datastore may be in several clusters
        ok(admin.call("one.cluster.adddatastore", cid, 1));
        assertThat(ids(cluster(cid), "DATASTORES")).containsExactly(1);
        XmlNode ds = XmlNode.parse(ok(admin.call("one.datastore.info", 1)).stringValue());
        assertThat(ids(ds, "CLUSTERS")).contains(0, cid);
        fails(admin.call("one.cluster.delete", cid), ACTION, "it contains 1 datastores");
        ok(admin.call("one.cluster.deldatastore", cid, 1));
        ok(admin.call("one.cluster.deldatastore", cid, 1));
        assertThat(ids(XmlNode.parse(ok(admin.call("one.datastore.info", 1)).stringValue()), "CLUSTERS"))
                .doesNotContain(cid);
        fails(admin.call("one.cluster.adddatastore", cid, 4242), NO_EXISTS, "Error getting datastore [4242]");
        fails(admin.call("one.cluster.addvnet", cid, 4242), NO_EXISTS, "Error getting virtual network [4242]");
        fails(admin.call("one.cluster.addhost", cid, 4242), NO_EXISTS, "Error getting host [4242]");
        fails(admin.call("one.cluster.addhost", 4242, h1), NO_EXISTS, "Error getting cluster [4242]");

        fails(admin.call("one.cluster.delete", 0), ACTION, "System Clusters (ID < 100) cannot be deleted");
        ok(admin.call("one.cluster.delete", cid));
        fails(admin.call("one.cluster.info", cid), NO_EXISTS, "Error getting cluster [" + cid + "]");
    }

    @Test
    void vnetsJoinAndLeaveClusters() {
        int cid = ok(admin.call("one.cluster.allocate", unique("net"))).intValue();
        OneResponse vn = admin.call("one.vn.allocate", "NAME = \"" + unique("vn") + "\"\nVN_MAD = dummy\nBRIDGE = br0", -1);
        // networks belong to another family: when it cannot create one here, this test is skipped, not failed
        Assumptions.assumeTrue(vn.ok(), () -> "one.vn.allocate failed: " + vn.message());
        int vid = vn.intValue();
        ok(admin.call("one.cluster.addvnet", cid, vid));
        assertThat(ids(cluster(cid), "VNETS")).containsExactly(vid);
        assertThat(ids(XmlNode.parse(ok(admin.call("one.vn.info", vid)).stringValue()), "CLUSTERS")).contains(cid);
        fails(admin.call("one.cluster.delete", cid), ACTION, "it contains 1 vnets");
        ok(admin.call("one.cluster.delvnet", cid, vid));
        assertThat(ids(cluster(cid), "VNETS")).isEmpty();
        ok(admin.call("one.cluster.delete", cid));
    }

    @Test
    void deletedHostsAndClustersLeaveVdcs() {
        OneResponse vdc = admin.call("one.vdc.allocate", "NAME = \"" + unique("vdc") + "\"");
        // VDCs belong to another family: when it cannot create one here, this test is skipped, not failed
        Assumptions.assumeTrue(vdc.ok(), () -> "one.vdc.allocate failed: " + vdc.message());
        int v = vdc.intValue();
        int hid = newHost(unique("vdc-h"), -1);
        int cid = ok(admin.call("one.cluster.allocate", unique("vdc-c"))).intValue();
        ok(admin.call("one.vdc.addhost", v, 0, hid));
        ok(admin.call("one.vdc.addcluster", v, 0, cid));
        String before = ok(admin.call("one.vdc.info", v)).stringValue();
        assertThat(before).contains("<HOST_ID>" + hid + "</HOST_ID>").contains("<CLUSTER_ID>" + cid + "</CLUSTER_ID>");
        ok(admin.call("one.host.delete", hid));
        ok(admin.call("one.cluster.delete", cid));
        String after = ok(admin.call("one.vdc.info", v)).stringValue();
        assertThat(after).doesNotContain("<HOST_ID>" + hid + "</HOST_ID>").doesNotContain("<CLUSTER_ID>" + cid + "</CLUSTER_ID>");
    }

    // ------------------------------------------------------------------ permissions

    @Test
    void tenantsSeeAndChangeOnlyWhatAclsGrant() {
        int cid = ok(admin.call("one.cluster.allocate", unique("acl"))).intValue();
        int inCluster = newHost(unique("acl-in"), cid);
        int outside = newHost(unique("acl-out"), -1);

        String tenant = unique("tenant");
        ok(admin.call("one.user.allocate", tenant, "pw", "", List.of()));
        OneClient t = nimbod.client(tenant + ":pw");
        assertThat(XmlNode.parse(ok(t.call("one.hostpool.info")).stringValue()).all("HOST")).isEmpty();
        assertThat(XmlNode.parse(ok(t.call("one.clusterpool.info")).stringValue()).all("CLUSTER")).isEmpty();
        fails(t.call("one.host.info", inCluster), AUTHORIZATION, "Not authorized");
        fails(t.call("one.host.allocate", unique("x"), "dummy", "dummy", -1), AUTHORIZATION, "Not authorized");
        fails(t.call("one.host.status", inCluster, 1), AUTHORIZATION, "Not authorized");
        fails(t.call("one.host.delete", inCluster), AUTHORIZATION, "Not authorized");
        fails(t.call("one.host.monitoring", inCluster), AUTHORIZATION, "Not authorized");
        fails(t.call("one.cluster.allocate", unique("c")), AUTHORIZATION, "Not authorized");
        fails(t.call("one.cluster.delete", cid), AUTHORIZATION, "Not authorized");
        fails(t.call("one.cluster.addhost", cid, outside), AUTHORIZATION, "Not authorized");
        assertThat(XmlNode.parse(ok(t.call("one.hostpool.monitoring", -1)).stringValue()).all("MONITORING")).isEmpty();

        // a group whose members may use and manage every host: they see them all, still cannot administer
        int g = ok(admin.call("one.group.allocate", unique("ops"))).intValue();
        String opsUser = unique("op");
        ok(admin.call("one.user.allocate", opsUser, "pw", "", List.of(g)));
        OneClient op = nimbod.client(opsUser + ":pw");
        ok(admin.call("one.acl.addrule", hex(0x200000000L | g), hex(0x2000000000L | 0x400000000L), hex(0x1 | 0x2)));
        List<Integer> seen = XmlNode.parse(ok(op.call("one.hostpool.info")).stringValue()).all("HOST").stream()
                .map(x -> x.integer("ID", -1)).toList();
        assertThat(seen).contains(inCluster, outside);
        ok(op.call("one.host.info", outside));
        fails(op.call("one.host.update", outside, "X = 1", 1), AUTHORIZATION, "Not authorized to perform ADMIN HOST");

        // a group with USE+ADMIN on the hosts of one cluster only
        int g2 = ok(admin.call("one.group.allocate", unique("site"))).intValue();
        String siteUser = unique("siteop");
        ok(admin.call("one.user.allocate", siteUser, "pw", "", List.of(g2)));
        OneClient site = nimbod.client(siteUser + ":pw");
        ok(admin.call("one.acl.addrule", hex(0x200000000L | g2), hex(0x2000000000L | 0x800000000L | cid), hex(0x1 | 0x4)));
        List<Integer> siteSees = XmlNode.parse(ok(site.call("one.hostpool.info")).stringValue()).all("HOST").stream()
                .map(x -> x.integer("ID", -1)).toList();
        assertThat(siteSees).containsExactly(inCluster);
        ok(site.call("one.host.status", inCluster, 1));
        assertThat(host(inCluster).integer("STATE", -1)).isEqualTo(DISABLED);
        ok(site.call("one.host.update", inCluster, "SITE_NOTE = ok", 1));
        fails(site.call("one.host.status", outside, 1), AUTHORIZATION, "Not authorized");
        fails(site.call("one.host.info", outside), AUTHORIZATION, "Not authorized");
        await().atMost(Duration.ofSeconds(10)).until(() -> XmlNode.parse(ok(site.call("one.hostpool.monitoring", -1))
                .stringValue()).all("MONITORING").size() > 0);
        assertThat(XmlNode.parse(ok(site.call("one.hostpool.monitoring", -1)).stringValue()).all("MONITORING"))
                .allSatisfy(m -> assertThat(m.integer("ID", -1)).isEqualTo(inCluster));
        // ... but moving it to another cluster needs ADMIN on the clusters too
        fails(site.call("one.cluster.delhost", cid, inCluster), AUTHORIZATION, "ADMIN CLUSTER");

        // deleting the cluster removes the rules that name it
        ok(admin.call("one.cluster.delhost", cid, inCluster));
        ok(admin.call("one.cluster.delete", cid));
        assertThat(ok(admin.call("one.acl.info")).stringValue()).doesNotContain("HOST/%" + cid);
    }

    static String hex(long v) {
        return Long.toHexString(v);
    }
}
