package dev.nimbo.drivers.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.drivers.agent.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The front-end's side of a live migration between kvm hosts, against a scripted agent channel. */
class KvmVmmMigrationTest {
    static final int SOURCE = 1;
    static final int TARGET = 2;

    /** Agents answering every request with success, except the (host, op, action) given; requests recorded. */
    static final class ScriptedLink implements AgentLink {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> attrs = new CopyOnWriteArrayList<>();
        final Set<Integer> connected;
        final String failing;
        /** The host whose libvirt runs the VM's domain. */
        int runsOn = SOURCE;

        ScriptedLink(Set<Integer> connected, String failing) {
            this.connected = connected;
            this.failing = failing;
        }

        @Override
        public CompletableFuture<Frame> request(int hostId, String op, Map<String, String> a, byte[] body) {
            String call = hostId + " " + op + (a.containsKey("action") ? " " + a.get("action") : "");
            calls.add(call);
            attrs.add(a);
            Frame req = new Frame(1, Frame.REQUEST, a, body);
            if (call.equals(failing)) {
                return CompletableFuture.completedFuture(req.failed("operation failed: target refused"));
            }
            return CompletableFuture.completedFuture(switch (op) {
                case Ops.DIR_LIST -> req.ok(Map.of(), "disk.1\nconsole.log\nmigrate.xml\n".getBytes(StandardCharsets.UTF_8));
                case Ops.FILE_READ -> req.ok(Map.of("eof", "yes"), "iso".getBytes(StandardCharsets.UTF_8));
                case Ops.VM_DIR -> req.ok(Map.of("path", "/data/datastores/100/7"), null);
                // as the real agent: a VM asked about but without a domain on that host is reported POWEROFF
                case Ops.POLL -> req.ok(Map.of(), MonitoringCodec.vmsToXml(Map.of(7, Map.of("STATE",
                        hostId == runsOn ? "RUNNING" : "POWEROFF"))).getBytes(StandardCharsets.UTF_8));
                default -> req.ok(Map.of(), null);
            });
        }

        @Override
        public boolean connected(int hostId) {
            return connected.contains(hostId);
        }
    }

    static DriverRequest liveMigration() {
        // placed on the source (ds 0), then the target (ds 100): the last record is where it goes
        VirtualMachine vm = VirtualMachine.builder(7, "vm", VmState.ACTIVE)
                .vmTemplate(Template.parse("MEMORY = 64\nCONTEXT = [ NETWORK = YES, DISK_ID = 1 ]"))
                .deployId("one-7")
                .history(new ArrayList<>(List.of(History.start(7, 0, SOURCE, "10.0.0.1", 0, "kvm", "ssh", 0, 1),
                        History.start(7, 1, TARGET, "10.0.0.2", 0, "kvm", "ssh", 100, 2))))
                .build();
        return new DriverRequest(DriverOp.MIGRATE, vm, SOURCE, "10.0.0.1", null, 0, "10.0.0.2");
    }

    static KvmVmm vmm(AgentLink link) {
        return new KvmVmm(link, new KvmTm(link, id -> null, id -> null));
    }

    @Test
    void theTargetIsPreparedThenLibvirtMovesTheDomainThenTheSourceIsCleaned() throws Exception {
        ScriptedLink link = new ScriptedLink(Set.of(SOURCE, TARGET), "");
        assertThat(vmm(link).execute(liveMigration()).get().deployId()).isEqualTo("one-7");
        // the context CD-ROM is copied (the console log and libvirt's own files are not), the target's networks
        // made, then libvirt migrates; the target's filters follow, the source's networks and files go
        assertThat(link.calls).containsExactly("2 poll", "1 dir.list", "1 file.read", "2 file.write", "2 vm.dir",
                "2 vmm network_pre", "1 vmm migrate", "2 vmm network_post", "1 vmm network_clean", "1 vm.clean");
        assertThat(link.attrs.get(3)).containsEntry("path", "datastores/100/7/disk.1");
        assertThat(link.attrs.get(5)).containsEntry("ds_id", "100").containsKey("template");
        assertThat(link.attrs.get(6)).containsEntry("target_uri", "qemu+tcp://10.0.0.2/system")
                .containsEntry("target_address", "10.0.0.2").containsEntry("target_dir", "/data/datastores/100/7")
                .containsEntry("ds_id", "0");
        assertThat(link.attrs.get(8)).containsEntry("ds_id", "0");
        assertThat(link.attrs.get(9)).containsEntry("ds_id", "0").doesNotContainKey("unless_running");
    }

    @Test
    void aMigrationIssuedAgainAfterItHappenedOnlyCleansTheSource() throws Exception {
        ScriptedLink link = new ScriptedLink(Set.of(SOURCE, TARGET), "");
        link.runsOn = TARGET;
        assertThat(vmm(link).execute(liveMigration()).get().deployId()).isEqualTo("one-7");
        // nothing made again on the target (that would replace the running guest's disks)
        assertThat(link.calls).containsExactly("2 poll", "2 vmm network_post", "1 vmm network_clean", "1 vm.clean");
    }

    @Test
    void aRefusedMigrationCleansTheTargetOnlyAndSaysWhy() {
        ScriptedLink link = new ScriptedLink(Set.of(SOURCE, TARGET), "1 vmm migrate");
        assertThatThrownBy(() -> vmm(link).execute(liveMigration()).get()).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("live migration to 10.0.0.2").hasMessageContaining("target refused");
        assertThat(link.calls).endsWith("1 vmm migrate", "2 poll", "2 vmm network_clean", "2 vm.clean");
        // the target's files go only if the domain did not arrive there after all
        assertThat(link.attrs.get(link.attrs.size() - 1)).containsEntry("ds_id", "100")
                .containsEntry("unless_running", "yes");
    }

    @Test
    void noMigrationStartsTowardsAHostWhoseAgentIsGone() {
        ScriptedLink link = new ScriptedLink(Set.of(SOURCE), "");
        assertThatThrownBy(() -> vmm(link).execute(liveMigration()).get())
                .hasMessageContaining("cannot migrate VM 7 to host 10.0.0.2: its agent is not connected");
        DriverRequest save = new DriverRequest(DriverOp.SAVE, liveMigration().vm(), SOURCE, "10.0.0.1", null, 0,
                "10.0.0.2");
        assertThatThrownBy(() -> vmm(link).execute(save).get()).hasMessageContaining("its agent is not connected");
        assertThat(link.calls).isEmpty();
    }
}
