package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The VM life cycle end to end: a real nimbod with dummy hosts (50 ms driver latency), spoken to over XML-RPC.
 * Placement, every action, failure injection into each driver operation with its recovery, a daemon killed
 * mid-operation, host capacity and quotas moving with the VMs, and what tenants may and may not do. One daemon
 * for the class; tests create their own hosts and users.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmLifecycleTest {
    static final int AUTHORIZATION = 0x200;
    static final int NO_EXISTS = 0x400;
    static final int ACTION = 0x800;
    static final int ALLOCATE = 0x4000;

    // STATE
    static final int PENDING = 1;
    static final int HOLD = 2;
    static final int ACTIVE = 3;
    static final int STOPPED = 4;
    static final int SUSPENDED = 5;
    static final int DONE = 6;
    static final int POWEROFF = 8;
    static final int UNDEPLOYED = 9;
    // LCM_STATE
    static final int PROLOG = 1;
    static final int RUNNING = 3;
    static final int BOOT_FAILURE = 36;
    static final int PROLOG_FAILURE = 39;
    static final int EPILOG_FAILURE = 40;
    static final int EPILOG_STOP_FAILURE = 41;

    private static final AtomicInteger SEQ = new AtomicInteger();

    NimbodProcess nimbod;
    OneClient admin;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-vm-");
        nimbod = NimbodProcess.start(dir, null, Map.of("NIMBO_HOST_MONITOR_INTERVAL", "1",
                "NIMBO_VM_MONITOR_INTERVAL", "1", "NIMBO_DUMMY_LATENCY", "50", "NIMBO_VM_SCHED_INTERVAL", "1"));
        admin = nimbod.client();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }

    static String unique(String prefix) {
        return prefix + SEQ.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100000, 36);
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static void fails(OneResponse r, int code, String messagePart) {
        assertThat(r.ok()).as("expected failure 0x%x", code).isFalse();
        assertThat(r.errorCode()).as("error code for: %s", r.message()).isEqualTo(code);
        assertThat(r.message()).contains(messagePart);
    }

    /** A dummy host, monitored (so it has capacity), with extra template attributes. */
    int newHost(String extraTemplate) {
        String name = unique("vmhost");
        int id = ok(admin.call("one.host.allocate", name, "dummy", "dummy", -1)).intValue();
        if (!extraTemplate.isEmpty()) {
            ok(admin.call("one.host.update", id, extraTemplate, 1));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.host.info", id))
                .stringValue()).integer("STATE", -1) == 2);
        return id;
    }

    XmlNode vm(OneClient c, int id) {
        return XmlNode.parse(ok(c.call("one.vm.info", id)).stringValue());
    }

    XmlNode host(int id) {
        return XmlNode.parse(ok(admin.call("one.host.info", id)).stringValue());
    }

    /** Waits until the VM is in STATE {@code state} (and LCM_STATE {@code lcm} when ACTIVE); returns it then. */
    XmlNode awaitVm(OneClient c, int id, int state, int lcm) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(25)).until(() -> {
            last[0] = vm(c, id);
            return last[0].integer("STATE", -1) == state && (state != ACTIVE || last[0].integer("LCM_STATE", -1) == lcm);
        });
        return last[0];
    }

    int allocate(OneClient c, String template) {
        return ok(c.call("one.vm.allocate", template, false)).intValue();
    }

    static final String SMALL = "NAME = \"%s\"\nCPU = 0.5\nVCPU = 1\nMEMORY = 128\nDISK = [ TYPE = fs, SIZE = 64 ]";

    // ------------------------------------------------------------------ the happy path

    @Test
    void allocateDeployPoweroffResumeTerminate() {
        int h = newHost("");
        String name = unique("web");
        int id = allocate(admin, String.format(SMALL, name) + "\nLABEL = \"blue\"");
        XmlNode vm = vm(admin, id);
        assertThat(vm.text("NAME")).isEqualTo(name);
        assertThat(vm.integer("STATE", -1)).isEqualTo(PENDING);
        assertThat(vm.child("TEMPLATE").text("CPU")).isEqualTo("0.5");
        assertThat(vm.child("TEMPLATE").text("VMID")).isEqualTo(String.valueOf(id));
        assertThat(vm.child("USER_TEMPLATE").text("LABEL")).isEqualTo("blue");
        assertThat(vm.child("HISTORY_RECORDS").children()).isEmpty();

        ok(admin.call("one.vm.deploy", id, h, false, -1));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.text("DEPLOY_ID")).isEqualTo("one-" + id);
        XmlNode hist = vm.child("HISTORY_RECORDS").child("HISTORY");
        assertThat(hist.integer("HID", -1)).isEqualTo(h);
        assertThat(hist.integer("SEQ", -1)).isZero();
        assertThat(hist.longValue("PSTIME", 0)).isPositive();
        assertThat(hist.longValue("RSTIME", 0)).isPositive();
        XmlNode share = host(h).child("HOST_SHARE");
        assertThat(share.integer("RUNNING_VMS", -1)).isEqualTo(1);
        assertThat(share.longValue("CPU_USAGE", -1)).isEqualTo(50);
        assertThat(share.longValue("MEM_USAGE", -1)).isEqualTo(128 * 1024);
        assertThat(host(h).child("VMS").all("ID")).extracting(XmlNode::text).containsExactly(String.valueOf(id));
        // monitoring arrives from the dummy hypervisor
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, id).child("MONITORING").child("NETRX") != null);
        assertThat(ok(admin.call("one.vm.monitoring", id)).stringValue()).startsWith("<MONITORING_DATA><MONITORING>");

        ok(admin.call("one.vm.action", "poweroff", id));
        vm = awaitVm(admin, id, POWEROFF, 0);
        assertThat(host(h).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isEqualTo(1); // capacity stays
        ok(admin.call("one.vm.action", "resume", id));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY")).hasSize(2);

        ok(admin.call("one.vm.action", "reboot", id));
        ok(admin.call("one.vm.action", "suspend", id));
        awaitVm(admin, id, SUSPENDED, 0);
        ok(admin.call("one.vm.action", "resume", id));
        awaitVm(admin, id, ACTIVE, RUNNING);

        ok(admin.call("one.vm.action", "terminate", id));
        vm = awaitVm(admin, id, DONE, 0);
        assertThat(vm.longValue("ETIME", 0)).isPositive();
        List<XmlNode> records = vm.child("HISTORY_RECORDS").all("HISTORY");
        assertThat(records).hasSize(3);
        assertThat(records.get(2).integer("ACTION", -1)).isEqualTo(27); // terminate
        assertThat(records.get(2).longValue("EETIME", 0)).isPositive();
        share = host(h).child("HOST_SHARE");
        assertThat(share.integer("RUNNING_VMS", -1)).isZero();
        assertThat(share.longValue("CPU_USAGE", -1)).isZero();
        // DONE VMs leave the default listing
        assertThat(ok(admin.call("one.vmpool.info", -2, id, id, -1)).stringValue()).isEqualTo("<VM_POOL></VM_POOL>");
        assertThat(ok(admin.call("one.vmpool.info", -2, id, id, DONE)).stringValue()).contains("<ID>" + id + "</ID>");
    }

    @Test
    void stopUndeployAndRedeploy() {
        int h1 = newHost("");
        int h2 = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("s")));
        ok(admin.call("one.vm.deploy", id, h1, true, 0));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "stop", id));
        awaitVm(admin, id, STOPPED, 0);
        assertThat(host(h1).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();
        ok(admin.call("one.vm.action", "resume", id));
        awaitVm(admin, id, PENDING, 0);
        ok(admin.call("one.vm.deploy", id, h2));
        XmlNode vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY").get(1).integer("HID", -1)).isEqualTo(h2);
        ok(admin.call("one.vm.action", "undeploy-hard", id));
        awaitVm(admin, id, UNDEPLOYED, 0);
        ok(admin.call("one.vm.deploy", id, h1));
        awaitVm(admin, id, ACTIVE, RUNNING);
        fails(admin.call("one.vm.action", "hold", id), ACTION, "not available for state RUNNING");
        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
    }

    @Test
    void migrationsColdLiveAndFromPoweroff() {
        int h1 = newHost("");
        int h2 = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("mig")));
        ok(admin.call("one.vm.deploy", id, h1));
        awaitVm(admin, id, ACTIVE, RUNNING);
        fails(admin.call("one.vm.migrate", id, h1, false, false, -1, 0), ACTION, "VM is already running on host [" + h1);
        ok(admin.call("one.vm.migrate", id, h2, true, true, -1, 0)); // live
        XmlNode vm = awaitVm(admin, id, ACTIVE, RUNNING);
        List<XmlNode> hist = vm.child("HISTORY_RECORDS").all("HISTORY");
        assertThat(hist).hasSize(2);
        assertThat(hist.get(0).integer("ACTION", -1)).isEqualTo(2); // live-migrate
        assertThat(hist.get(1).integer("HID", -1)).isEqualTo(h2);
        assertThat(host(h1).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();
        assertThat(host(h2).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isEqualTo(1);
        ok(admin.call("one.vm.migrate", id, h1, false, false, -1, 0)); // cold: save, copy, restore
        awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm(admin, id).child("HISTORY_RECORDS").all("HISTORY")).hasSize(3);
        ok(admin.call("one.vm.action", "poweroff", id));
        awaitVm(admin, id, POWEROFF, 0);
        ok(admin.call("one.vm.migrate", id, h2, false, false, -1, 1));
        vm = awaitVm(admin, id, POWEROFF, 0);
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY").get(3).integer("HID", -1)).isEqualTo(h2);
        fails(admin.call("one.vm.migrate", id, h1, true, false, -1, 0), ACTION,
                "Migrate action is not available for state POWEROFF");
        // a failed live migration leaves the VM running where it was
        int hf = newHost("DUMMY_FAIL = restore");
        ok(admin.call("one.vm.action", "resume", id));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ok(admin.call("one.host.update", h2, "DUMMY_FAIL = migrate", 1));
        ok(admin.call("one.vm.migrate", id, hf, true, false, -1, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, id).child("HISTORY_RECORDS").all("HISTORY").size() == 7);
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY").get(6).integer("HID", -1)).isEqualTo(h2);
        assertThat(host(hf).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();
        // a failed boot after a cold migration: BOOT_MIGRATE_FAILURE, recovered by retry once fixed
        ok(admin.call("one.vm.migrate", id, hf, false, false, -1, 0));
        awaitVm(admin, id, ACTIVE, 37);
        ok(admin.call("one.host.update", hf, "DUMMY_FAIL = \"\"", 1));
        ok(admin.call("one.vm.recover", id, 2));
        awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(host(h2).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();
        assertThat(host(hf).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isEqualTo(1);
        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
    }

    // ------------------------------------------------------------------ failures and recovery

    @Test
    void everyDriverFailureLandsInItsFailureStateAndRecovers() {
        int h = newHost("");
        // deploy (BOOT) fails: BOOT_FAILURE with the reason; retry after the fault is gone
        int a = allocate(admin, String.format(SMALL, unique("f")) + "\nDUMMY_FAIL = deploy");
        ok(admin.call("one.vm.deploy", a, h));
        XmlNode vm = awaitVm(admin, a, ACTIVE, BOOT_FAILURE);
        assertThat(vm.child("USER_TEMPLATE").text("ERROR")).contains("Error executing VMM action deploy")
                .contains("simulated deploy failure");
        fails(admin.call("one.vm.action", "poweroff", a), ACTION, "BOOT_FAILURE");
        ok(admin.call("one.vm.update", a, "DUMMY_FAIL = \"\"", 1));
        ok(admin.call("one.vm.recover", a, 2)); // retry
        vm = awaitVm(admin, a, ACTIVE, RUNNING);
        assertThat(vm.child("USER_TEMPLATE").text("ERROR", null)).isNull();

        // prolog fails: PROLOG_FAILURE; recover success moves on to boot
        int b = allocate(admin, String.format(SMALL, unique("f")) + "\nDUMMY_FAIL = prolog");
        ok(admin.call("one.vm.deploy", b, h));
        awaitVm(admin, b, ACTIVE, PROLOG_FAILURE);
        ok(admin.call("one.vm.recover", b, 1));
        awaitVm(admin, b, ACTIVE, RUNNING);

        // shutdown and save fail: the VM stays RUNNING
        int c = allocate(admin, String.format(SMALL, unique("f")) + "\nDUMMY_FAIL = \"shutdown,save,epilog,epilog_stop\"");
        ok(admin.call("one.vm.deploy", c, h));
        awaitVm(admin, c, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "poweroff", c));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, c).child("USER_TEMPLATE").text("ERROR", null) != null);
        awaitVm(admin, c, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "suspend", c));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, c).child("USER_TEMPLATE").text("ERROR", "")
                .contains("save"));
        awaitVm(admin, c, ACTIVE, RUNNING);
        // cancel (poweroff-hard) works, then undeploy's epilog_stop fails: EPILOG_STOP_FAILURE; retry after the fix
        ok(admin.call("one.vm.action", "poweroff-hard", c));
        awaitVm(admin, c, POWEROFF, 0);
        ok(admin.call("one.vm.action", "undeploy", c));
        awaitVm(admin, c, ACTIVE, 42); // EPILOG_UNDEPLOY_FAILURE
        ok(admin.call("one.vm.update", c, "DUMMY_FAIL = \"epilog\"", 1));
        ok(admin.call("one.vm.recover", c, 2));
        awaitVm(admin, c, UNDEPLOYED, 0);
        // terminate's epilog fails: EPILOG_FAILURE; terminate then deletes it (and frees the host)
        ok(admin.call("one.vm.action", "terminate", c));
        awaitVm(admin, c, ACTIVE, EPILOG_FAILURE);
        ok(admin.call("one.vm.action", "terminate", c));
        awaitVm(admin, c, DONE, 0);

        // restore fails: back to SUSPENDED; stop's epilog fails: EPILOG_STOP_FAILURE, recover success: STOPPED
        int d = allocate(admin, String.format(SMALL, unique("f")) + "\nDUMMY_FAIL = \"restore,epilog_stop\"");
        ok(admin.call("one.vm.deploy", d, h));
        awaitVm(admin, d, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "suspend", d));
        awaitVm(admin, d, SUSPENDED, 0);
        ok(admin.call("one.vm.action", "resume", d));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, d).child("USER_TEMPLATE").text("ERROR", "")
                .contains("restore"));
        awaitVm(admin, d, SUSPENDED, 0);
        ok(admin.call("one.vm.action", "stop", d));
        awaitVm(admin, d, ACTIVE, EPILOG_STOP_FAILURE);
        ok(admin.call("one.vm.recover", d, 1));
        awaitVm(admin, d, STOPPED, 0);
        // delete-recreate back to PENDING, then delete
        ok(admin.call("one.vm.recover", d, 4));
        awaitVm(admin, d, PENDING, 0);
        ok(admin.call("one.vm.recover", d, 3));
        awaitVm(admin, d, DONE, 0);

        // a host-wide fault: every operation on the host fails with probability 1
        int hf = newHost("DUMMY_FAIL = all");
        int e = allocate(admin, String.format(SMALL, unique("f")));
        ok(admin.call("one.vm.deploy", e, hf));
        awaitVm(admin, e, ACTIVE, PROLOG_FAILURE);
        ok(admin.call("one.vm.recover", e, 3));
        awaitVm(admin, e, DONE, 0);
        assertThat(host(hf).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();

        for (int id : List.of(a, b)) {
            ok(admin.call("one.vm.action", "terminate-hard", id));
            awaitVm(admin, id, DONE, 0);
        }
        XmlNode share = host(h).child("HOST_SHARE");
        assertThat(share.integer("RUNNING_VMS", -1)).isZero();
        assertThat(share.longValue("CPU_USAGE", -1)).isZero();
        assertThat(share.longValue("MEM_USAGE", -1)).isZero();
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void wrongStatesAndBadInputGetClearErrors() {
        int h = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("bad")));
        fails(admin.call("one.vm.action", "poweroff", id), ACTION,
                "Error performing action \"poweroff\": This action is not available for state PENDING");
        fails(admin.call("one.vm.action", "explode", id), ACTION, "Action \"explode\" is not supported");
        fails(admin.call("one.vm.recover", id, 9), ACTION, "Wrong recovery operation code");
        fails(admin.call("one.vm.recover", id, 2), ACTION, "wrong state PENDING");
        fails(admin.call("one.vm.action", "terminate", 999_999), NO_EXISTS, "[999999]");
        fails(admin.call("one.vm.deploy", id, 999_999), NO_EXISTS, "host [999999]");
        fails(admin.call("one.vm.deploy", id, h, false, 1), 0x2000, "not of type system datastore");
        fails(admin.call("one.vm.allocate", "CPU = 1", false), ALLOCATE, "MEMORY attribute must be a positive integer");
        fails(admin.call("one.vm.allocate", "MEMORY = 64\nCPU = -1", false), ALLOCATE, "CPU attribute must be a positive");
        fails(admin.call("one.vm.allocate", "MEMORY = 64\nCPU = 1\nMEMORY_RESIZE_MODE = grow", false), ALLOCATE,
                "Unknown MEMORY_RESIZE_MODE: GROW");
        fails(admin.call("one.vm.allocate", "MEMORY = 64\nCPU = 1\nDISK = [ TYPE = fs ]", false), ALLOCATE, "SIZE");
        fails(admin.call("one.vm.allocate", "MEMORY = 64\nCPU = 1\nDISK = [ IMAGE_ID = 999999 ]", false), ALLOCATE,
                "does not exist");
        // nothing was created by the refused allocations: the next VM's ID follows
        int next = allocate(admin, String.format(SMALL, unique("bad")));
        assertThat(next).isEqualTo(id + 1);
        // a host too small when capacity is enforced
        int big = allocate(admin, "MEMORY = 64\nCPU = 64");
        fails(admin.call("one.vm.deploy", big, h, true), ACTION, "does not fit in HOST [" + h + "]. Not enough CPU");
        assertThat(vm(admin, big).integer("STATE", -1)).isEqualTo(PENDING);
        for (int v : List.of(id, next, big)) {
            ok(admin.call("one.vm.action", "terminate", v));
        }
    }

    @Test
    void concurrentConflictingActionsOneWins() throws Exception {
        int h = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("race")));
        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<OneResponse>> results = new ArrayList<>();
            String[] actions = {"poweroff", "suspend", "stop", "undeploy", "poweroff", "stop"};
            for (String a : actions) {
                Callable<OneResponse> task = () -> {
                    try (OneClient c = nimbod.client()) {
                        return c.call("one.vm.action", a, id);
                    }
                };
                results.add(pool.submit(task));
            }
            int wins = 0;
            for (Future<OneResponse> f : results) {
                OneResponse r = f.get();
                if (r.ok()) {
                    wins++;
                } else {
                    assertThat(r.errorCode()).isEqualTo(ACTION);
                    assertThat(r.message()).contains("not available for state").doesNotContain("RUNNING");
                }
            }
            assertThat(wins).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            XmlNode v = vm(admin, id);
            return v.integer("STATE", -1) != ACTIVE;
        });
        ok(admin.call("one.vm.recover", id, 3));
        awaitVm(admin, id, DONE, 0);
    }

    // ------------------------------------------------------------------ tenants

    @Test
    void tenantsCreateAndOperateTheirVmsButCannotPlaceOrRecoverThem() {
        int h = newHost("");
        String alice = unique("alice");
        String bob = unique("bob");
        int aliceId = ok(admin.call("one.user.allocate", alice, "pw", "", List.of())).intValue();
        ok(admin.call("one.user.allocate", bob, "pw", "", List.of()));
        ok(admin.call("one.user.quota", aliceId, "VM = [ VMS = 2, RUNNING_VMS = 2, CPU = 4, MEMORY = 1024 ]"));
        OneClient a = nimbod.client(alice + ":pw");
        OneClient b = nimbod.client(bob + ":pw");

        int id = allocate(a, String.format(SMALL, unique("t")));
        XmlNode vm = vm(a, id);
        assertThat(vm.text("UNAME")).isEqualTo(alice);
        assertThat(vm.child("PERMISSIONS").integer("OWNER_U", 0)).isEqualTo(1);
        String quota = ok(admin.call("one.user.info", aliceId)).stringValue();
        assertThat(quota).contains("<VMS_USED>1</VMS_USED>").contains("<CPU_USED>0.50</CPU_USED>");

        fails(a.call("one.vm.deploy", id, h), AUTHORIZATION, "");
        int h2 = newHost("");
        fails(b.call("one.vm.info", id), AUTHORIZATION, "");
        fails(b.call("one.vm.action", "terminate", id), AUTHORIZATION, "");
        assertThat(ok(b.call("one.vmpool.info", -2, -1, -1, -1)).stringValue()).doesNotContain("<ID>" + id + "</ID>");
        assertThat(ok(a.call("one.vmpool.info", -3, -1, -1, -1)).stringValue()).contains("<ID>" + id + "</ID>");

        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(a, id, ACTIVE, RUNNING);
        // snapshots: the owner may take, revert and delete them
        int snap = ok(a.call("one.vm.snapshotcreate", id, "before-upgrade")).intValue();
        awaitVm(a, id, ACTIVE, RUNNING);
        XmlNode s0 = vm(a, id).child("TEMPLATE").child("SNAPSHOT");
        assertThat(s0.text("NAME")).isEqualTo("before-upgrade");
        assertThat(s0.text("SNAPSHOT_ID")).isEqualTo(String.valueOf(snap));
        assertThat(s0.text("HYPERVISOR_ID")).isNotEmpty();
        ok(a.call("one.vm.snapshotrevert", id, snap));
        awaitVm(a, id, ACTIVE, RUNNING);
        fails(a.call("one.vm.snapshotdelete", id, snap + 5), ACTION, "it does not exist");
        ok(a.call("one.vm.snapshotdelete", id, snap));
        awaitVm(a, id, ACTIVE, RUNNING);
        assertThat(vm(a, id).child("TEMPLATE").child("SNAPSHOT")).isNull();
        fails(a.call("one.vm.migrate", id, h2, true, false, -1, 0), AUTHORIZATION, "");
        fails(a.call("one.vm.migrate", id, h2, false, false, -1, 0), AUTHORIZATION, "");
        ok(a.call("one.vm.action", "poweroff", id));
        awaitVm(a, id, POWEROFF, 0);
        fails(a.call("one.vm.recover", id, 3), AUTHORIZATION, "");
        ok(a.call("one.vm.resize", id, "CPU = 1\nMEMORY = 256", false));
        assertThat(vm(a, id).child("TEMPLATE").text("MEMORY")).isEqualTo("256");
        assertThat(host(h).child("HOST_SHARE").longValue("MEM_USAGE", -1)).isEqualTo(256 * 1024);
        fails(a.call("one.vm.resize", id, "MEMORY = 4096", false), AUTHORIZATION, "MEMORY quota");
        fails(a.call("one.vm.resize", id, "CPU_COST = 3", false), AUTHORIZATION, "restricted attribute CPU_COST");
        ok(a.call("one.vm.action", "resume", id));
        awaitVm(a, id, ACTIVE, RUNNING);
        // hot resize: the hypervisor takes the new size; when it fails, size, host usage and quotas go back
        ok(a.call("one.vm.resize", id, "MEMORY = 320", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(a, id).child("TEMPLATE").text("MEMORY").equals("320")
                && vm(a, id).integer("LCM_STATE", -1) == RUNNING);
        assertThat(host(h).child("HOST_SHARE").longValue("MEM_USAGE", -1)).isEqualTo(320 * 1024);
        ok(admin.call("one.host.update", h, "DUMMY_FAIL = resize_vm", 1));
        ok(a.call("one.vm.resize", id, "MEMORY = 384", false));
        XmlNode failed = awaitVm(a, id, ACTIVE, RUNNING);
        assertThat(failed.child("TEMPLATE").text("MEMORY")).isEqualTo("320");
        assertThat(failed.child("TEMPLATE").child("RESIZE")).isNull();
        assertThat(failed.child("USER_TEMPLATE").text("ERROR")).contains("resize_vm");
        assertThat(host(h).child("HOST_SHARE").longValue("MEM_USAGE", -1)).isEqualTo(320 * 1024);
        assertThat(ok(admin.call("one.user.info", aliceId)).stringValue()).contains("<MEMORY_USED>320</MEMORY_USED>");
        ok(admin.call("one.host.update", h, "DUMMY_FAIL = \"\"", 1));
        ok(a.call("one.vm.rename", id, "renamed-by-alice"));
        ok(a.call("one.vm.update", id, "NOTE = mine", 1));

        // quotas: a second VM fits, a third does not; a VM too large for MEMORY neither
        int second = allocate(a, String.format(SMALL, unique("t")));
        fails(a.call("one.vm.allocate", String.format(SMALL, unique("t")), false), AUTHORIZATION, "VMS quota");
        ok(a.call("one.vm.action", "terminate", second));
        fails(a.call("one.vm.allocate", "CPU = 1\nMEMORY = 4096", false), AUTHORIZATION, "MEMORY quota");

        ok(a.call("one.vm.action", "terminate", id));
        awaitVm(a, id, DONE, 0);
        quota = ok(admin.call("one.user.info", aliceId)).stringValue();
        assertThat(quota).doesNotContain("<VMS_USED>1</VMS_USED>");
    }

    // ------------------------------------------------------------------ templates and networks

    @Test
    void instantiateFromATemplateWithALeasedNic() {
        int h = newHost("");
        String net = unique("vmnet");
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + net + "\nVN_MAD = bridge\nBRIDGE = br0\n"
                + "AR = [ TYPE = IP4, IP = 10.77.0.10, SIZE = 2 ]", -1)).intValue();
        ok(admin.call("one.vn.chmod", vn, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        String tname = unique("tpl");
        int tid = ok(admin.call("one.template.allocate", "NAME = " + tname + "\nCPU = 0.25\nMEMORY = 64\n"
                + "NIC = [ NETWORK_ID = " + vn + " ]\n"
                + "CONTEXT = [ NETWORK = YES, SSH_PUBLIC_KEY = \"$USER[SSH_PUBLIC_KEY]\" ]")).intValue();
        ok(admin.call("one.template.chmod", tid, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        String carol = unique("carol");
        int carolId = ok(admin.call("one.user.allocate", carol, "pw", "", List.of())).intValue();
        ok(admin.call("one.user.update", carolId, "SSH_PUBLIC_KEY = \"ssh-ed25519 AAAA carol\"", 1));
        OneClient c = nimbod.client(carol + ":pw");

        // the tenant picks the NIC's MAC and the memory; restricted attributes stay the administrator's
        fails(c.call("one.template.instantiate", tid, "", false, "CPU_COST = 1", false), AUTHORIZATION,
                "restricted attribute CPU_COST");
        fails(c.call("one.vm.allocate", "CPU = 1\nMEMORY = 64\nNIC = [ NETWORK_ID = " + vn + ", VLAN_ID = 7 ]", false),
                AUTHORIZATION, "restricted attribute NIC/VLAN_ID");
        int v1 = ok(c.call("one.template.instantiate", tid, "", false,
                "MEMORY = 96\nNIC = [ NETWORK_ID = " + vn + ", MAC = \"02:00:0a:4d:00:0b\" ]", false)).intValue();
        XmlNode vm = vm(c, v1);
        assertThat(vm.text("NAME")).isEqualTo(tname + "-" + v1);
        XmlNode t = vm.child("TEMPLATE");
        assertThat(t.text("TEMPLATE_ID")).isEqualTo(String.valueOf(tid));
        assertThat(t.text("MEMORY")).isEqualTo("96");
        XmlNode nic = t.child("NIC");
        assertThat(nic.text("NETWORK_ID")).isEqualTo(String.valueOf(vn));
        assertThat(nic.text("NIC_ID")).isEqualTo("0");
        assertThat(nic.text("MAC")).isEqualToIgnoringCase("02:00:0a:4d:00:0b");
        assertThat(nic.text("IP")).isEqualTo("10.77.0.11");
        XmlNode context = t.child("CONTEXT");
        assertThat(context.text("ETH0_IP")).isEqualTo("10.77.0.11");
        assertThat(context.text("ETH0_MAC")).isEqualToIgnoringCase("02:00:0a:4d:00:0b");
        assertThat(context.text("SSH_PUBLIC_KEY")).isEqualTo("ssh-ed25519 AAAA carol");
        assertThat(context.text("DISK_ID")).isEqualTo("0");

        int v2 = ok(c.call("one.template.instantiate", tid, unique("second"), true, "", false)).intValue();
        assertThat(vm(c, v2).integer("STATE", -1)).isEqualTo(HOLD);
        // the network has two addresses: a third VM gets no lease and nothing is created
        fails(c.call("one.template.instantiate", tid, "", false, "", false), ALLOCATE,
                "Error allocating a new virtual machine. Cannot get IP/MAC lease");
        ok(admin.call("one.vm.deploy", v1, h));
        awaitVm(c, v1, ACTIVE, RUNNING);
        ok(c.call("one.vm.action", "terminate", v1));
        awaitVm(c, v1, DONE, 0);
        // v1's lease is free again
        int v3 = ok(c.call("one.template.instantiate", tid, "", false, "", false)).intValue();
        for (int v : List.of(v2, v3)) {
            ok(c.call("one.vm.action", "terminate", v));
            awaitVm(c, v, DONE, 0);
        }
        XmlNode leases = XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue());
        assertThat(leases.text("USED_LEASES")).isEqualTo("0");
    }

    @Test
    void hotplugNicsAndDisks() {
        int h = newHost("");
        int vn = ok(admin.call("one.vn.allocate", "NAME = " + unique("hpnet") + "\nVN_MAD = bridge\nBRIDGE = br1\n"
                + "AR = [ TYPE = IP4, IP = 10.88.0.1, SIZE = 3 ]", -1)).intValue();
        int id = allocate(admin, String.format(SMALL, unique("hp")) + "\nNIC = [ NETWORK_ID = " + vn + " ]");
        fails(admin.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + vn + " ]"), ACTION,
                "Could not add a new NIC to VM " + id + ", wrong state PENDING.");
        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ok(admin.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + vn + " ]"));
        XmlNode vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("NIC")).hasSize(2);
        assertThat(vm.child("TEMPLATE").all("NIC").get(1).text("NIC_ID")).isEqualTo("1");
        assertThat(vm.child("TEMPLATE").all("NIC").get(1).text("ATTACH", null)).isNull();
        assertThat(XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue()).text("USED_LEASES")).isEqualTo("2");
        ok(admin.call("one.vm.detachnic", id, 0));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("NIC")).hasSize(1);
        assertThat(XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue()).text("USED_LEASES")).isEqualTo("1");
        fails(admin.call("one.vm.detachnic", id, 7), ACTION, "Could not detach NIC with NIC_ID 7, it does not exist.");
        // a failed attach gives the lease back
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = attach_nic", 1));
        ok(admin.call("one.vm.attachnic", id, "NIC = [ NETWORK_ID = " + vn + " ]"));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("attach_nic"));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("NIC")).hasSize(1);
        assertThat(XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue()).text("USED_LEASES")).isEqualTo("1");
        // disks: a volatile one while running, another while powered off, one detached
        ok(admin.call("one.vm.update", id, "DUMMY_FAIL = \"\"", 1));
        ok(admin.call("one.vm.attach", id, "DISK = [ TYPE = fs, SIZE = 32 ]"));
        vm = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("DISK")).hasSize(2);
        ok(admin.call("one.vm.action", "poweroff", id));
        awaitVm(admin, id, POWEROFF, 0);
        ok(admin.call("one.vm.attach", id, "DISK = [ TYPE = swap, SIZE = 16 ]"));
        vm = awaitVm(admin, id, POWEROFF, 0);
        assertThat(vm.child("TEMPLATE").all("DISK")).extracting(d -> d.text("DISK_ID")).containsExactly("0", "1", "2");
        ok(admin.call("one.vm.detach", id, 1));
        vm = awaitVm(admin, id, POWEROFF, 0);
        assertThat(vm.child("TEMPLATE").all("DISK")).extracting(d -> d.text("DISK_ID")).containsExactly("0", "2");
        ok(admin.call("one.vm.recover", id, 3));
        awaitVm(admin, id, DONE, 0);
        assertThat(XmlNode.parse(ok(admin.call("one.vn.info", vn)).stringValue()).text("USED_LEASES")).isEqualTo("0");
    }

    @Test
    void scheduledActionsRunAtTheirTime() {
        int h = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("sched"))
                + "\nSCHED_ACTION = [ ACTION = \"snapshot-create\", TIME = \"+1\", ARGS = nightly ]");
        XmlNode vm = vm(admin, id);
        assertThat(vm.child("SCHED_ACTIONS").all("ID")).extracting(XmlNode::text).containsExactly("0");
        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(admin, id, ACTIVE, RUNNING);
        long now = System.currentTimeMillis() / 1000;
        fails(admin.call("one.vm.schedadd", id, "SCHED_ACTION = [ ACTION = poweroff, TIME = " + (now - 100) + " ]"),
                ACTION, "is in the past");
        fails(admin.call("one.vm.schedadd", id, "CPU = 1"), ACTION, "No SCHED_ACTION attribute in template");
        int sa = ok(admin.call("one.vm.schedadd", id, "SCHED_ACTION = [ ACTION = poweroff, TIME = " + (now + 3600) + " ]"))
                .intValue();
        assertThat(sa).isEqualTo(1);
        ok(admin.call("one.vm.schedupdate", id, sa, "SCHED_ACTION = [ TIME = " + (now + 2) + " ]"));
        // the snapshot is taken, then the VM powers off
        XmlNode off = awaitVm(admin, id, POWEROFF, 0);
        XmlNode t = off.child("TEMPLATE");
        assertThat(t.child("SNAPSHOT").text("NAME")).isEqualTo("nightly");
        assertThat(t.all("SCHED_ACTION")).allSatisfy(a -> assertThat(a.longValue("DONE", -1)).isPositive());
        // an action the state refuses is marked with the reason
        long soon = System.currentTimeMillis() / 1000 + 1;
        int bad = ok(admin.call("one.vm.schedadd", id, "SCHED_ACTION = [ ACTION = suspend, TIME = " + soon + " ]"))
                .intValue();
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(admin, id).child("TEMPLATE").all("SCHED_ACTION").stream()
                .anyMatch(a -> a.integer("ID", -1) == bad && a.text("MESSAGE").contains("not available for state POWEROFF")));
        ok(admin.call("one.vm.scheddelete", id, bad));
        assertThat(vm(admin, id).child("SCHED_ACTIONS").all("ID")).hasSize(2);
        ok(admin.call("one.vm.recover", id, 3));
        awaitVm(admin, id, DONE, 0);
    }

    @Test
    void imageDisksFollowTheirVms() {
        int h = newHost("");
        String iname = unique("pimg");
        int ds = ok(admin.call("one.datastore.allocate", "NAME = " + unique("vmds") + "\nDS_MAD = dummy\nTM_MAD = dummy",
                -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.datastore.info", ds))
                .stringValue()).longValue("TOTAL_MB", 0) > 0);
        int img = ok(admin.call("one.image.allocate", "NAME = " + iname + "\nTYPE = DATABLOCK\nSIZE = 8\nPERSISTENT = YES",
                ds)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.image.info", img))
                .stringValue()).integer("STATE", -1) == 1); // READY
        int id = allocate(admin, String.format(SMALL, unique("withimg")) + "\nDISK = [ IMAGE_ID = " + img + " ]");
        XmlNode disk = vm(admin, id).child("TEMPLATE").all("DISK").get(1);
        assertThat(disk.text("IMAGE")).isEqualTo(iname);
        assertThat(disk.text("PERSISTENT")).isEqualTo("YES");
        assertThat(disk.text("DISK_ID")).isEqualTo("1");
        XmlNode image = XmlNode.parse(ok(admin.call("one.image.info", img)).stringValue());
        assertThat(image.integer("STATE", -1)).isEqualTo(8); // USED_PERS
        assertThat(image.integer("RUNNING_VMS", -1)).isEqualTo(1);
        // a persistent image in use cannot be taken by another VM, and nothing is created
        fails(admin.call("one.vm.allocate", String.format(SMALL, unique("second")) + "\nDISK = [ IMAGE_ID = " + img + " ]",
                false), ALLOCATE, "persistent and already in use");
        fails(admin.call("one.image.delete", img), 0x800, "VMs using it");
        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(admin, id, ACTIVE, RUNNING);
        ok(admin.call("one.vm.action", "terminate", id));
        awaitVm(admin, id, DONE, 0);
        image = XmlNode.parse(ok(admin.call("one.image.info", img)).stringValue());
        assertThat(image.integer("STATE", -1)).isEqualTo(1); // READY again
        assertThat(image.integer("RUNNING_VMS", -1)).isZero();
    }

    // ------------------------------------------------------------------ accounting

    @Test
    void accountingAndShowbackFollowTheHistory() {
        int h = newHost("");
        int id = allocate(admin, String.format(SMALL, unique("acct")) + "\nCPU_COST = 2\nMEMORY_COST = 0.01");
        ok(admin.call("one.vm.deploy", id, h));
        awaitVm(admin, id, ACTIVE, RUNNING);
        String acct = ok(admin.call("one.vmpool.accounting", -2, -1, -1)).stringValue();
        XmlNode records = XmlNode.parse(acct);
        XmlNode mine = records.all("HISTORY").stream().filter(r -> r.integer("OID", -1) == id).findFirst().orElseThrow();
        assertThat(mine.integer("HID", -1)).isEqualTo(h);
        assertThat(mine.child("VM").integer("ID", -1)).isEqualTo(id);
        String sb = ok(admin.call("one.vmpool.showback", -2, -1, -1, -1, -1)).stringValue();
        assertThat(sb).startsWith("<SHOWBACK_RECORDS>").contains("<VMID>" + id + "</VMID>");
        ok(admin.call("one.vmpool.calculateshowback", -1, -1, -1, -1));
        String set = ok(admin.call("one.vmpool.infoset", id + "", true)).stringValue();
        assertThat(set).contains("<HISTORY_RECORDS><HISTORY><OID>" + id + "</OID>");
        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
    }

    // ------------------------------------------------------------------ restart

    @Test
    void aRestartMidOperationResumesIt() throws Exception {
        int h = newHost("DUMMY_LATENCY = 1500ms");
        int id = allocate(admin, String.format(SMALL, unique("rs")));
        ok(admin.call("one.vm.deploy", id, h));
        assertThat(vm(admin, id).integer("LCM_STATE", -1)).isEqualTo(PROLOG);
        nimbod.kill();
        nimbod.restart();
        admin = nimbod.client();
        XmlNode vm = vm(admin, id);
        assertThat(vm.integer("STATE", -1)).isEqualTo(ACTIVE);
        XmlNode running = awaitVm(admin, id, ACTIVE, RUNNING);
        assertThat(running.child("HISTORY_RECORDS").all("HISTORY")).hasSize(1);
        assertThat(host(h).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isEqualTo(1);
        ok(admin.call("one.host.update", h, "DUMMY_LATENCY = 10ms", 1));

        // the VM's monitoring history is kept in the database: a restart keeps every record
        await().atMost(Duration.ofSeconds(15)).until(() -> monitoringRecords(ok(admin.call("one.vm.monitoring", id))
                .stringValue()) >= 2);
        int before = monitoringRecords(ok(admin.call("one.vm.monitoring", id)).stringValue());
        nimbod.stop();
        nimbod.restart();
        admin = nimbod.client();
        assertThat(monitoringRecords(ok(admin.call("one.vm.monitoring", id)).stringValue()))
                .isGreaterThanOrEqualTo(before);
        String latest = ok(admin.call("one.vmpool.monitoring", -2, 0)).stringValue();
        assertThat(latest).contains("<ID>" + id + "</ID>");
        assertThat(monitoringRecords(latest)).isEqualTo(XmlNode.parse(latest).all("MONITORING").stream()
                .map(m -> m.text("ID")).distinct().count());

        ok(admin.call("one.vm.action", "terminate-hard", id));
        awaitVm(admin, id, DONE, 0);
        assertThat(host(h).child("HOST_SHARE").integer("RUNNING_VMS", -1)).isZero();
        // a VM that is done leaves no history behind
        await().atMost(Duration.ofSeconds(20)).until(() -> !ok(admin.call("one.vmpool.monitoring", -2, -1))
                .stringValue().contains("<ID>" + id + "</ID>"));
    }

    private static int monitoringRecords(String data) {
        return XmlNode.parse(data).all("MONITORING").size();
    }
}
