package dev.nimbo.server.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The placement scheduler end to end: a real nimbod with the scheduler every second, dummy hosts with NUMA,
 * hugepage and SR-IOV profiles, VMs placed by it through the deploy path. Each test tags its hosts (TAG in the host
 * template) and its VMs require that tag, so tests sharing the daemon never take each other's hosts.
 */
@dev.nimbo.server.it.ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulerPlacementTest {
    static final int PENDING = 1;
    static final int ACTIVE = 3;
    static final int DONE = 6;
    static final int RUNNING = 3;
    static final int ALLOCATE = 0x4000;
    static final int INTERNAL = 0x2000;
    private static final AtomicInteger SEQ = new AtomicInteger();

    NimbodProcess nimbod;
    OneClient admin;

    @BeforeAll
    void start() throws Exception {
        nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-sched-"), null, Map.of(
                "NIMBO_HOST_MONITOR_INTERVAL", "1", "NIMBO_VM_MONITOR_INTERVAL", "0", "NIMBO_DUMMY_LATENCY", "5",
                "NIMBO_SCHED_INTERVAL", "1"));
        admin = nimbod.client();
    }

    @AfterAll
    void stop() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).isZero();
        }
    }

    static String tag() {
        return "t" + SEQ.incrementAndGet() + "x" + Long.toString(System.nanoTime() % 100000, 36);
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    /** A monitored dummy host tagged {@code tag}, with extra template lines. */
    int host(String tag, String extra) {
        int id = ok(admin.call("one.host.allocate", "h-" + tag + "-" + SEQ.incrementAndGet(), "dummy", "dummy", -1))
                .intValue();
        ok(admin.call("one.host.update", id, "TAG = \"" + tag + "\"\n" + extra, 1));
        await().atMost(Duration.ofSeconds(15)).until(() -> hostXml(id).integer("STATE", -1) == 2
                && hostXml(id).child("HOST_SHARE").longValue("TOTAL_CPU", 0) > 0);
        return id;
    }

    XmlNode hostXml(int id) {
        return XmlNode.parse(ok(admin.call("one.host.info", id)).stringValue());
    }

    XmlNode vmXml(OneClient c, int id) {
        return XmlNode.parse(ok(c.call("one.vm.info", id)).stringValue());
    }

    int allocate(OneClient c, String tag, String template) {
        return ok(c.call("one.vm.allocate", template + "\nSCHED_REQUIREMENTS = \"TAG = \\\"" + tag + "\\\"\"", false))
                .intValue();
    }

    XmlNode awaitRunning(int id) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = vmXml(admin, id);
            return last[0].integer("STATE", -1) == ACTIVE && last[0].integer("LCM_STATE", -1) == RUNNING;
        });
        return last[0];
    }

    /** Waits for a SCHED_MESSAGE on a VM that stays PENDING; returns the message. */
    String awaitSchedMessage(int id) {
        String[] msg = new String[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            XmlNode vm = vmXml(admin, id);
            msg[0] = vm.child("USER_TEMPLATE").text("SCHED_MESSAGE", null);
            return msg[0] != null;
        });
        assertThat(vmXml(admin, id).integer("STATE", -1)).isEqualTo(PENDING);
        return msg[0];
    }

    static int hostOf(XmlNode vm) {
        List<XmlNode> h = vm.child("HISTORY_RECORDS").all("HISTORY");
        return h.get(h.size() - 1).integer("HID", -1);
    }

    static String small(String name) {
        return "NAME = \"" + name + "\"\nCPU = 0.5\nVCPU = 1\nMEMORY = 256";
    }

    // ------------------------------------------------------------------ matchmaking

    @Test
    void requirementsFilterAndStripingSpreads() {
        String tag = tag();
        int red = host(tag, "COLOR = \"red-1\"");
        int blue = host(tag, "COLOR = \"blue\"");
        int r1 = ok(admin.call("one.vm.allocate", small("r1") + "\nSCHED_REQUIREMENTS = \"TAG = \\\"" + tag
                + "\\\" & COLOR = \\\"red*\\\"\"", false)).intValue();
        assertThat(hostOf(awaitRunning(r1))).isEqualTo(red);
        // striping (the default): the next VMs go to the emptier host first
        int a = allocate(admin, tag, small("a"));
        assertThat(hostOf(awaitRunning(a))).isEqualTo(blue);
        int b = allocate(admin, tag, small("b"));
        int c = allocate(admin, tag, small("c"));
        Set<Integer> spread = Set.of(hostOf(awaitRunning(b)), hostOf(awaitRunning(c)));
        assertThat(spread).containsExactlyInAnyOrder(red, blue);
        // an explicit rank wins over the policy: packing onto the fuller host
        int d = allocate(admin, tag, small("d") + "\nSCHED_RANK = \"RUNNING_VMS\"");
        int busier = hostXml(red).child("HOST_SHARE").integer("RUNNING_VMS", 0)
                >= hostXml(blue).child("HOST_SHARE").integer("RUNNING_VMS", 0) ? red : blue;
        assertThat(hostOf(awaitRunning(d))).isEqualTo(busier);
        assertThat(vmXml(admin, d).child("USER_TEMPLATE").text("SCHED_MESSAGE", null)).isNull();
    }

    @Test
    void unparseableExpressionsAreRefusedWithTheirPosition() {
        OneResponse r = admin.call("one.vm.allocate", small("bad") + "\nSCHED_REQUIREMENTS = \"FREE_CPU > \"", false);
        assertThat(r.ok()).isFalse();
        assertThat(r.errorCode()).isEqualTo(ALLOCATE);
        assertThat(r.message()).contains("SCHED_REQUIREMENTS").contains("syntax error at position 11");
        r = admin.call("one.vm.allocate", small("bad") + "\nSCHED_DS_RANK = \"FREE_MB +\"", false);
        assertThat(r.errorCode()).isEqualTo(ALLOCATE);
        assertThat(r.message()).contains("SCHED_DS_RANK").contains("position 9");
        r = admin.call("one.vm.allocate", small("bad") + "\nNIC = [ NETWORK_MODE = auto, SCHED_REQUIREMENTS = \"A = \" ]",
                false);
        assertThat(r.errorCode()).isEqualTo(ALLOCATE);
        assertThat(r.message()).contains("NIC SCHED_REQUIREMENTS");
        int tpl = ok(admin.call("one.template.allocate", small("tpl-" + tag()) + "\nSCHED_RANK = \"(FREE_CPU\"")).intValue();
        r = admin.call("one.template.instantiate", tpl, "", false, "", false);
        assertThat(r.errorCode()).isEqualTo(ALLOCATE);
        assertThat(r.message()).contains("SCHED_RANK").contains("expected ')'");
        // update: refused as oned refuses template updates, the VM unchanged
        String tag = tag();
        int vm = ok(admin.call("one.vm.allocate", small("held") + "\nSCHED_REQUIREMENTS = \"TAG = " + tag + "\"", true))
                .intValue();
        r = admin.call("one.vm.update", vm, "SCHED_RANK = \"- - \"", 1);
        assertThat(r.errorCode()).isEqualTo(INTERNAL);
        assertThat(r.message()).contains("Cannot update template").contains("SCHED_RANK").contains("position 4");
        assertThat(vmXml(admin, vm).child("USER_TEMPLATE").text("SCHED_RANK", null)).isNull();
    }

    @Test
    void aVmThatFitsNowhereStaysPendingAndSaysWhy() {
        String tag = tag();
        int h = host(tag, "");
        int big = allocate(admin, tag, "NAME = big\nCPU = 1\nMEMORY = 1048576");
        String msg = awaitSchedMessage(big);
        // the other tests' hosts fail the requirement; this test's host lacks memory
        assertThat(msg).contains("does not fulfil SCHED_REQUIREMENTS").contains("1 host: not enough memory [" + h + "]");
        // it fits once the operator lets the host overcommit memory (negative reservation)
        ok(admin.call("one.host.update", h, "RESERVED_MEM = \"-2000000000\"", 1));
        assertThat(hostOf(awaitRunning(big))).isEqualTo(h);
        assertThat(vmXml(admin, big).child("USER_TEMPLATE").text("SCHED_MESSAGE", null)).isNull();
    }

    @Test
    void tenantsNeverExceedCapacity() throws Exception {
        String tag = tag();
        int h1 = host(tag, "DUMMY_PROFILE = small"); // 8 threads: TOTAL_CPU 800
        int h2 = host(tag, "DUMMY_PROFILE = small");
        String user = "tenant-" + tag;
        ok(admin.call("one.user.allocate", user, "pw", "", new Object[0]));
        OneClient tenant = nimbod.client(user + ":pw");
        List<Integer> ids = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int k = i;
            fs.add(pool.submit(() -> allocate(tenant, tag, "NAME = \"t" + k + "\"\nCPU = 1\nVCPU = 1\nMEMORY = 64")));
        }
        for (Future<Integer> f : fs) {
            ids.add(f.get());
        }
        pool.shutdown();
        // 16 CPUs of capacity for 40 one-CPU VMs: 16 run, 24 wait with a reason
        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().filter(id ->
                vmXml(admin, id).integer("STATE", -1) == ACTIVE).count() == 16
                && ids.stream().filter(id -> vmXml(admin, id).child("USER_TEMPLATE").text("SCHED_MESSAGE", null) != null)
                .count() == 24);
        for (int h : List.of(h1, h2)) {
            XmlNode share = hostXml(h).child("HOST_SHARE");
            assertThat(share.longValue("CPU_USAGE", -1)).isLessThanOrEqualTo(share.longValue("MAX_CPU", 0));
            assertThat(share.longValue("CPU_USAGE", -1)).isEqualTo(800);
        }
        String msg = vmXml(admin, ids.get(39)).child("USER_TEMPLATE").text("SCHED_MESSAGE");
        assertThat(msg).contains("not enough CPU");
    }

    // ------------------------------------------------------------------ EPA

    static Map<Integer, Integer> threadOwners(XmlNode host) {
        Map<Integer, Integer> out = new HashMap<>();
        for (XmlNode node : host.child("HOST_SHARE").child("NUMA_NODES").all("NODE")) {
            for (XmlNode core : node.all("CORE")) {
                for (String pair : core.text("CPUS").split(",")) {
                    String[] p = pair.split(":");
                    out.put(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                }
            }
        }
        return out;
    }

    @Test
    void pinPoliciesRecordPinningInTheVmAndTheHost() {
        String tag = tag();
        int h = host(tag, "DUMMY_PROFILE = \"edge-medium\"\nPIN_POLICY = PINNED"); // 2 nodes x 12 cores x 2 threads
        int core = allocate(admin, tag, "NAME = core\nCPU = 4\nVCPU = 4\nMEMORY = 4096\n"
                + "TOPOLOGY = [ PIN_POLICY = CORE, SOCKETS = 2 ]");
        int thread = allocate(admin, tag, "NAME = thr\nCPU = 2\nVCPU = 2\nMEMORY = 1024\n"
                + "TOPOLOGY = [ PIN_POLICY = THREAD, HUGEPAGE_SIZE = 2 ]");
        int shared = allocate(admin, tag, "NAME = shr\nCPU = 1\nVCPU = 3\nMEMORY = 512\n"
                + "TOPOLOGY = [ PIN_POLICY = SHARED ]");
        int asym = allocate(admin, tag, "NAME = asym\nCPU = 6\nVCPU = 6\nMEMORY = 3072\n"
                + "TOPOLOGY = [ PIN_POLICY = CORE, SOCKETS = 2 ]\n"
                + "NUMA_NODE = [ TOTAL_CPUS = 2, MEMORY = 1024 ]\nNUMA_NODE = [ TOTAL_CPUS = 4, MEMORY = 2048 ]");
        // not pinned: must not land on a PINNED host
        int plain = allocate(admin, tag, small("plain"));
        for (int id : List.of(core, thread, shared, asym)) {
            assertThat(hostOf(awaitRunning(id))).isEqualTo(h);
        }
        assertThat(awaitSchedMessage(plain)).contains("AUTOMATIC_REQUIREMENTS");

        XmlNode coreVm = vmXml(admin, core).child("TEMPLATE");
        List<XmlNode> nodes = coreVm.all("NUMA_NODE");
        assertThat(nodes).hasSize(2);
        Map<Integer, Integer> owners = threadOwners(hostXml(h));
        for (XmlNode n : nodes) {
            assertThat(n.text("TOTAL_CPUS")).isEqualTo("2");
            assertThat(n.text("MEMORY_NODE_ID")).isNotEmpty();
            for (String cpu : n.text("CPUS").split(",")) {
                assertThat(owners.get(Integer.parseInt(cpu))).isEqualTo(core);
            }
        }
        // CORE isolation: the sibling of each pinned thread is reserved, not given to anyone
        long reserved = owners.values().stream().filter(o -> o == -2).count();
        assertThat(reserved).isEqualTo(4 + 6); // core's 4 and asym's 6 cores
        XmlNode thr = vmXml(admin, thread).child("TEMPLATE").child("NUMA_NODE");
        assertThat(thr.text("CPUS").split(",")).hasSize(2);
        int hugeNode = Integer.parseInt(thr.text("MEMORY_NODE_ID"));
        XmlNode hostNode = hostXml(h).child("HOST_SHARE").child("NUMA_NODES").all("NODE").get(hugeNode);
        assertThat(hostNode.all("HUGEPAGE").stream().filter(p -> p.text("SIZE").equals("2048")).findFirst().orElseThrow()
                .longValue("USAGE", -1)).isEqualTo(512);
        XmlNode shr = vmXml(admin, shared).child("TEMPLATE").child("NUMA_NODE");
        for (String cpu : shr.text("CPUS").split(",")) {
            assertThat(owners.get(Integer.parseInt(cpu))).as("SHARED does not own threads").isEqualTo(-1);
        }
        List<XmlNode> asymNodes = vmXml(admin, asym).child("TEMPLATE").all("NUMA_NODE");
        assertThat(asymNodes).extracting(n -> n.text("TOTAL_CPUS")).containsExactly("2", "4");
        assertThat(asymNodes.get(1).text("CPUS").split(",")).hasSize(4);

        // everything is given back when the VMs leave
        for (int id : List.of(core, thread, shared, asym)) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> hostXml(h).child("HOST_SHARE").integer("RUNNING_VMS", -1) == 0);
        XmlNode share = hostXml(h).child("HOST_SHARE");
        assertThat(threadOwners(hostXml(h)).values()).containsOnly(-1);
        for (XmlNode n : share.child("NUMA_NODES").all("NODE")) {
            assertThat(n.child("MEMORY").longValue("USAGE", -1)).isZero();
            for (XmlNode p : n.all("HUGEPAGE")) {
                assertThat(p.longValue("USAGE", -1)).isZero();
            }
            for (XmlNode c : n.all("CORE")) {
                assertThat(c.integer("FREE", -1)).isEqualTo(2);
                assertThat(c.text("DEDICATED")).isEqualTo("NO");
            }
        }
    }

    @Test
    void impossibleTopologiesAndMissingHugepagesStayPending() {
        String tag = tag();
        host(tag, "DUMMY_PROFILE = small\nPIN_POLICY = PINNED"); // no hugepages
        int wrong = allocate(admin, tag, "NAME = w\nCPU = 4\nVCPU = 4\nMEMORY = 512\n"
                + "TOPOLOGY = [ PIN_POLICY = THREAD, SOCKETS = 1, CORES = 3, THREADS = 1 ]");
        assertThat(awaitSchedMessage(wrong)).contains("Impossible topology").contains("but VCPU = 4");
        int huge = allocate(admin, tag, "NAME = hp\nCPU = 1\nVCPU = 1\nMEMORY = 512\n"
                + "TOPOLOGY = [ PIN_POLICY = THREAD, HUGEPAGE_SIZE = 1024 ]");
        assertThat(awaitSchedMessage(huge)).contains("needs 1 free hugepages of 1 GB, has 0");
        int tooMany = allocate(admin, tag, "NAME = many\nCPU = 16\nVCPU = 16\nMEMORY = 512\n"
                + "TOPOLOGY = [ PIN_POLICY = CORE ]");
        assertThat(awaitSchedMessage(tooMany)).contains("not enough CPU");
    }

    @Test
    void pciDevicesAreAssignedWithNumaIoAffinityAndFreed() {
        String tag = tag();
        int h = host(tag, "DUMMY_PROFILE = \"telco-large\"\nPIN_POLICY = PINNED");
        // the second PF's VFs sit on NUMA node 1: ask for that PF's VF by address to check the pull
        int vm = allocate(admin, tag, "NAME = sriov\nCPU = 2\nVCPU = 2\nMEMORY = 1024\n"
                + "TOPOLOGY = [ PIN_POLICY = CORE ]\nPCI = [ VENDOR = \"15b3\", DEVICE = \"101c\", CLASS = \"0200\" ]\n"
                + "PCI = [ SHORT_ADDRESS = \"d8:01.0\" ]");
        XmlNode t = awaitRunning(vm).child("TEMPLATE");
        List<XmlNode> pci = t.all("PCI");
        assertThat(pci).hasSize(2);
        assertThat(pci.get(0).text("ADDRESS")).isNotEmpty();
        assertThat(pci.get(1).text("ADDRESS")).isEqualTo("0000:d8:01:0");
        assertThat(pci.get(1).text("NUMA_NODE")).isEqualTo("1");
        Set<String> assigned = new HashSet<>();
        for (XmlNode d : hostXml(h).child("HOST_SHARE").child("PCI_DEVICES").all("PCI")) {
            if (d.integer("VMID", -1) == vm) {
                assigned.add(d.text("ADDRESS"));
            }
        }
        assertThat(assigned).containsExactlyInAnyOrder(pci.get(0).text("ADDRESS"), "0000:d8:01:0");
        ok(admin.call("one.vm.action", "terminate-hard", vm));
        await().atMost(Duration.ofSeconds(15)).until(() -> hostXml(h).child("HOST_SHARE").child("PCI_DEVICES")
                .all("PCI").stream().noneMatch(d -> d.integer("VMID", -1) == vm));
    }

    @Test
    void coresAndVfsAreNeverGivenTwiceUnderConcurrentPlacement() throws Exception {
        String tag = tag();
        int h1 = host(tag, "DUMMY_PROFILE = \"edge-small\"\nPIN_POLICY = PINNED"); // 8 cores, 4 VFs
        int h2 = host(tag, "DUMMY_PROFILE = \"edge-small\"\nPIN_POLICY = PINNED");
        String vmT = "CPU = 2\nVCPU = 2\nMEMORY = 256\nTOPOLOGY = [ PIN_POLICY = CORE ]\nPCI = [ DEVICE = \"154c\" ]";
        List<Integer> ids = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> fs = new ArrayList<>();
        // the scheduler places some while administrators deploy others by hand onto the same hosts
        for (int i = 0; i < 12; i++) {
            int k = i;
            fs.add(pool.submit(() -> {
                int id = allocate(admin, tag, "NAME = \"c" + k + "\"\n" + vmT);
                synchronized (ids) {
                    ids.add(id);
                }
                if (k % 2 == 0) {
                    admin.call("one.vm.deploy", id, k % 4 == 0 ? h1 : h2, true, -1); // may lose the race: fine
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        // 4 VFs per host and 8 cores per host (4 VMs of 2): at most 8 run, the rest wait
        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().filter(id ->
                vmXml(admin, id).integer("STATE", -1) == ACTIVE).count() == 8);
        Thread.sleep(1500); // a further cycle must not squeeze in more
        assertThat(ids.stream().filter(id -> vmXml(admin, id).integer("STATE", -1) == ACTIVE).count()).isEqualTo(8);
        for (int h : List.of(h1, h2)) {
            XmlNode host = hostXml(h);
            Map<Integer, Integer> owners = threadOwners(host);
            Map<Integer, Long> perVm = new HashMap<>();
            owners.values().stream().filter(o -> o >= 0).forEach(o -> perVm.merge(o, 1L, Long::sum));
            assertThat(perVm.values()).containsOnly(2L);
            Map<Integer, Long> vfs = new HashMap<>();
            for (XmlNode d : host.child("HOST_SHARE").child("PCI_DEVICES").all("PCI")) {
                if (d.integer("VMID", -1) >= 0) {
                    vfs.merge(d.integer("VMID", -1), 1L, Long::sum);
                }
            }
            assertThat(vfs.keySet()).isEqualTo(perVm.keySet());
            assertThat(vfs.values()).containsOnly(1L);
            for (int vm : perVm.keySet()) {
                String cpus = vmXml(admin, vm).child("TEMPLATE").child("NUMA_NODE").text("CPUS");
                for (String c : cpus.split(",")) {
                    assertThat(owners.get(Integer.parseInt(c))).isEqualTo(vm);
                }
            }
        }
    }

    // ------------------------------------------------------------------ VM groups

    @Test
    void affinityAndAntiAffinityBetweenRolesAndHosts() {
        String tag = tag();
        int h1 = host(tag, "");
        int h2 = host(tag, "");
        int h3 = host(tag, "");
        int g = ok(admin.call("one.vmgroup.allocate", "NAME = \"g-" + tag + "\"\n"
                + "ROLE = [ NAME = spread, POLICY = ANTI_AFFINED ]\n"
                + "ROLE = [ NAME = db, POLICY = AFFINED ]\n"
                + "ROLE = [ NAME = app ]\n"
                + "ROLE = [ NAME = pinned, HOST_AFFINED = \"" + h3 + "\" ]\n"
                + "ROLE = [ NAME = solo, HOST_ANTI_AFFINED = \"" + h1 + "\" ]\n"
                + "AFFINED = \"db, app\"\nANTI_AFFINED = \"pinned, solo\"")).intValue();
        List<Integer> spread = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            spread.add(allocate(admin, tag, small("s" + i) + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = spread ]"));
        }
        Set<Integer> hosts = new HashSet<>();
        for (int id : spread) {
            hosts.add(hostOf(awaitRunning(id)));
        }
        assertThat(hosts).containsExactlyInAnyOrder(h1, h2, h3);
        int fourth = allocate(admin, tag, small("s3") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = spread ]");
        assertThat(awaitSchedMessage(fourth)).contains("ANTI_AFFINED");

        int p = allocate(admin, tag, small("p") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = pinned ]");
        assertThat(hostOf(awaitRunning(p))).isEqualTo(h3);
        // solo: not h1 (its host list), not h3 (anti-affined to pinned's VM there)
        int solo = allocate(admin, tag, small("solo") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = solo ]");
        assertThat(hostOf(awaitRunning(solo))).isEqualTo(h2);
        int db1 = allocate(admin, tag, small("db1") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = db ]");
        int dbHost = hostOf(awaitRunning(db1));
        int db2 = allocate(admin, tag, small("db2") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = db ]");
        int app = allocate(admin, tag, small("app") + "\nVMGROUP = [ VMGROUP_ID = " + g + ", ROLE = app ]");
        assertThat(hostOf(awaitRunning(db2))).isEqualTo(dbHost);
        assertThat(hostOf(awaitRunning(app))).isEqualTo(dbHost);
    }

    @Test
    void prioritisedVmsArePlacedFirstAndCapacityCountsCpuNotVcpu() {
        String tag = tag();
        // both wait for a host; the later, prioritised one must get the room there is for only one of them
        int low = allocate(admin, tag, "NAME = low\nCPU = 30\nVCPU = 1\nMEMORY = 256");
        int high = allocate(admin, tag, "NAME = high\nCPU = 30\nVCPU = 1\nMEMORY = 256\nUSER_PRIORITY = 10");
        awaitSchedMessage(low);
        int h = host(tag, "DUMMY_PROFILE = \"edge-medium\""); // 48 threads: TOTAL_CPU 4800
        assertThat(hostXml(h).child("HOST_SHARE").longValue("TOTAL_CPU", 0)).isBetween(3000L, 5999L);
        assertThat(hostOf(awaitRunning(high))).isEqualTo(h);
        assertThat(awaitSchedMessage(low)).contains("CPU");
        // CPU (the share) is what is counted: many vCPUs with a small CPU still fit beside it
        int wide = allocate(admin, tag, "NAME = wide\nCPU = 1\nVCPU = 64\nMEMORY = 256");
        assertThat(hostOf(awaitRunning(wide))).isEqualTo(h);
        assertThat(hostXml(h).child("HOST_SHARE").longValue("CPU_USAGE", -1)).isEqualTo(3100);
        for (int id : List.of(low, high, wide)) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
    }

    /** The NUMA node of {@code host} with the given ID. */
    XmlNode numaNode(int host, int node) {
        for (XmlNode n : hostXml(host).child("HOST_SHARE").child("NUMA_NODES").all("NODE")) {
            if (n.integer("NODE_ID", -1) == node) {
                return n;
            }
        }
        throw new AssertionError("host " + host + " has no NUMA node " + node);
    }

    static long hugepageUsage(XmlNode node) {
        return node.all("HUGEPAGE").stream().filter(p -> p.text("SIZE").equals("2048")).findFirst().orElseThrow()
                .longValue("USAGE", -1);
    }

    @Test
    void aPinnedVmMigratingFreesItsSourceByTheSourcePlacement() {
        String tag = tag();
        String profile = "DUMMY_PROFILE = \"edge-medium\"\nPIN_POLICY = PINNED\n"; // 2 nodes x 12 cores x 2 threads
        int hb = host(tag, profile + "SIDE = b");
        String onB = "\nSCHED_REQUIREMENTS = \"TAG = \\\"" + tag + "\\\" & SIDE = b\"";
        // a blocker takes every core of one node of the target, so the migrating VM lands on another node there
        int blocker = ok(admin.call("one.vm.allocate", "NAME = blk\nCPU = 12\nVCPU = 12\nMEMORY = 1024\n"
                + "TOPOLOGY = [ PIN_POLICY = CORE, SOCKETS = 1 ]" + onB, false)).intValue();
        assertThat(hostOf(awaitRunning(blocker))).isEqualTo(hb);
        int blocked = Integer.parseInt(vmXml(admin, blocker).child("TEMPLATE").child("NUMA_NODE").text("MEMORY_NODE_ID"));
        int ha = host(tag, profile + "SIDE = a");
        int vm = ok(admin.call("one.vm.allocate", "NAME = mover\nCPU = 2\nVCPU = 2\nMEMORY = 1024\n"
                + "TOPOLOGY = [ PIN_POLICY = THREAD, HUGEPAGE_SIZE = 2 ]\nSCHED_REQUIREMENTS = \"TAG = \\\"" + tag
                + "\\\" & SIDE = a\"", false)).intValue();
        assertThat(hostOf(awaitRunning(vm))).isEqualTo(ha);
        int source = Integer.parseInt(vmXml(admin, vm).child("TEMPLATE").child("NUMA_NODE").text("MEMORY_NODE_ID"));
        assertThat(hugepageUsage(numaNode(ha, source))).isEqualTo(512);

        ok(admin.call("one.vm.migrate", vm, hb, false, false, -1, 0));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            XmlNode x = vmXml(admin, vm);
            return x.integer("LCM_STATE", -1) == RUNNING && hostOf(x) == hb;
        });
        XmlNode moved = vmXml(admin, vm).child("TEMPLATE");
        int target = Integer.parseInt(moved.child("NUMA_NODE").text("MEMORY_NODE_ID"));
        assertThat(target).as("the target node differs from the blocked one and the source one")
                .isNotEqualTo(blocked).isNotEqualTo(source);
        assertThat(moved.child("NUMA_NODE_SOURCE")).as("the source record goes once the source is freed").isNull();

        // the source host is back to empty: every thread, hugepage and byte of NUMA memory of the VM's node
        for (XmlNode n : hostXml(ha).child("HOST_SHARE").child("NUMA_NODES").all("NODE")) {
            assertThat(hugepageUsage(n)).as("source node %s hugepages", n.text("NODE_ID")).isZero();
            for (XmlNode c : n.all("CORE")) {
                assertThat(c.integer("FREE", -1)).isEqualTo(2);
            }
        }
        assertThat(threadOwners(hostXml(ha)).values()).containsOnly(-1);
        // the target holds the VM's threads and hugepages on its node, the blocker's node untouched
        assertThat(hugepageUsage(numaNode(hb, target))).isEqualTo(512);
        assertThat(hugepageUsage(numaNode(hb, blocked))).isZero();
        Map<Integer, Integer> owners = threadOwners(hostXml(hb));
        for (String cpu : moved.child("NUMA_NODE").text("CPUS").split(",")) {
            assertThat(owners.get(Integer.parseInt(cpu))).isEqualTo(vm);
        }

        for (int id : List.of(vm, blocker)) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> hostXml(hb).child("HOST_SHARE").integer("RUNNING_VMS", -1) == 0);
        assertThat(threadOwners(hostXml(hb)).values()).containsOnly(-1);
        assertThat(hugepageUsage(numaNode(hb, target))).isZero();
    }

    @Test
    void aRescheduledVmMigratesToAnotherHost() {
        String tag = tag();
        int h1 = host(tag, "");
        int vm = allocate(admin, tag, small("mover"));
        assertThat(hostOf(awaitRunning(vm))).isEqualTo(h1);
        int h2 = host(tag, "");
        ok(admin.call("one.vm.action", "resched", vm));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            XmlNode x = vmXml(admin, vm);
            return x.integer("LCM_STATE", -1) == RUNNING && hostOf(x) == h2;
        });
        XmlNode x = vmXml(admin, vm);
        assertThat(x.text("RESCHED")).isEqualTo("0");
        assertThat(x.child("HISTORY_RECORDS").all("HISTORY")).hasSize(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> hostXml(h1).child("HOST_SHARE").integer("RUNNING_VMS", -1) == 0);
    }

    @Test
    void nicsInAutomaticModeGetANetworkByTheirRequirements() {
        String tag = tag();
        int h = host(tag, "");
        int front = ok(admin.call("one.vn.allocate", "NAME = \"front-" + tag + "\"\nVN_MAD = dummy\nBRIDGE = br0\n"
                + "TIER = \"" + tag + "-front\"\nAR = [ TYPE = IP4, IP = \"10.9.0.1\", SIZE = 2 ]", -1)).intValue();
        int back = ok(admin.call("one.vn.allocate", "NAME = \"back-" + tag + "\"\nVN_MAD = dummy\nBRIDGE = br1\n"
                + "TIER = \"" + tag + "-back\"\nAR = [ TYPE = IP4, IP = \"10.9.1.1\", SIZE = 5 ]", -1)).intValue();
        String nic = "NIC = [ NETWORK_MODE = auto, SCHED_REQUIREMENTS = \"TIER = \\\"" + tag + "-front\\\"\" ]";
        // on hold first, so the scheduler cannot place it before we look
        int a = ok(admin.call("one.vm.allocate", small("nic-a") + "\n" + nic + "\nSCHED_REQUIREMENTS = \"TAG = \\\""
                + tag + "\\\"\"", true)).intValue();
        XmlNode na = vmXml(admin, a).child("TEMPLATE").child("NIC");
        assertThat(na.text("NETWORK_ID", null)).as("no network before placement").isNull();
        assertThat(na.text("NIC_ID")).isEqualTo("0");
        ok(admin.call("one.vm.action", "release", a));
        XmlNode placed = awaitRunning(a).child("TEMPLATE").child("NIC");
        assertThat(placed.integer("NETWORK_ID", -1)).isEqualTo(front);
        assertThat(placed.text("IP")).startsWith("10.9.0.");
        assertThat(hostOf(vmXml(admin, a))).isEqualTo(h);
        int b = allocate(admin, tag, small("nic-b") + "\n" + nic);
        assertThat(awaitRunning(b).child("TEMPLATE").child("NIC").integer("NETWORK_ID", -1)).isEqualTo(front);
        // the front network is full now: the next one waits and says why
        int c = allocate(admin, tag, small("nic-c") + "\n" + nic);
        assertThat(awaitSchedMessage(c)).contains("NETWORK_MODE = auto");
        // one.vm.deploy names the network itself in its extra template
        int d = ok(admin.call("one.vm.allocate", small("nic-d") + "\nNIC = [ NETWORK_MODE = auto ]\n"
                + "CONTEXT = [ NETWORK = YES ]\nSCHED_REQUIREMENTS = \"TAG = \\\"nowhere\\\"\"", false)).intValue();
        assertThat(vmXml(admin, d).child("TEMPLATE").child("CONTEXT").text("ETH0_IP", null)).isNull();
        ok(admin.call("one.vm.deploy", d, h, false, -1, "NIC = [ NIC_ID = 0, NETWORK_ID = " + back + " ]"));
        XmlNode nd = awaitRunning(d).child("TEMPLATE").child("NIC");
        assertThat(nd.integer("NETWORK_ID", -1)).isEqualTo(back);
        assertThat(nd.text("IP")).startsWith("10.9.1.");
        // the guest's context learns the address the deployment gave it
        XmlNode ctx = vmXml(admin, d).child("TEMPLATE").child("CONTEXT");
        assertThat(ctx.text("ETH0_IP")).isEqualTo(nd.text("IP"));
        assertThat(ctx.text("ETH0_MAC")).isEqualTo(nd.text("MAC"));
        // terminating gives the lease back: the waiting VM gets it
        ok(admin.call("one.vm.action", "terminate-hard", a));
        assertThat(awaitRunning(c).child("TEMPLATE").child("NIC").integer("NETWORK_ID", -1)).isEqualTo(front);
    }
}
