package dev.nimbo.drivers.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.drivers.tm.DummyTm;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class DummyVmmTest {
    static final VirtualMachine VM = VirtualMachine.builder(9, "vm", VmState.ACTIVE)
            .vmTemplate(Template.parse("CPU = 1\nVCPU = 2\nMEMORY = 256")).build();

    static DriverRequest req(DriverOp op, String hostTemplate) {
        return new DriverRequest(op, VM, 1, "h1", Template.parse(hostTemplate), 0);
    }

    @Test
    void operationsSucceedAfterTheLatency() throws Exception {
        DummyVmm vmm = new DummyVmm(new DummyBehaviour(Set.of(), -1, 30));
        long t0 = System.nanoTime();
        DriverResult r = vmm.execute(req(DriverOp.DEPLOY, "")).get();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(25);
        assertThat(r.deployId()).isEqualTo("one-9");
        assertThat(vmm.domains()).isEqualTo(1);
        vmm.execute(req(DriverOp.SHUTDOWN, "")).get();
        assertThat(vmm.domains()).isZero();
    }

    @Test
    void hostTemplateInjectsFailuresPerOperation() throws Exception {
        DummyVmm vmm = new DummyVmm(new DummyBehaviour(Set.of(), -1, 0));
        String host = "DUMMY_FAIL = \"deploy, shutdown\"";
        assertThatThrownBy(() -> vmm.execute(req(DriverOp.DEPLOY, host)).get()).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("simulated deploy failure for VM 9 on host h1");
        assertThat(vmm.execute(req(DriverOp.RESTORE, host)).get().deployId()).isEqualTo("one-9");
        assertThatThrownBy(() -> vmm.execute(req(DriverOp.SHUTDOWN, host)).get()).hasMessageContaining("shutdown");
        DummyTm tm = new DummyTm(new DummyBehaviour(Set.of(), -1, 0));
        assertThatThrownBy(() -> tm.execute(req(DriverOp.PROLOG, "DUMMY_FAIL = all")).get()).hasMessageContaining("prolog");
        assertThat(tm.execute(req(DriverOp.EPILOG, "DUMMY_FAIL = prolog")).get()).isEqualTo(DriverResult.OK);
        assertThatThrownBy(() -> tm.execute(req(DriverOp.DEPLOY, "")).get()).hasMessageContaining("not a transfer");
    }

    @Test
    void probabilityAppliesToListedOperationsOrToAll() {
        DummyBehaviour never = new DummyBehaviour(Set.of(), -1, 0);
        DummyBehaviour half = never.with(Template.parse("DUMMY_FAIL_PROBABILITY = 50%"));
        int failed = 0;
        for (int i = 0; i < 2000; i++) {
            failed += half.fails(DriverOp.SAVE) ? 1 : 0;
        }
        assertThat(failed).isBetween(800, 1200);
        DummyBehaviour listed = never.with(Template.parse("DUMMY_FAIL = save\nDUMMY_FAIL_PROBABILITY = 0.1"));
        failed = 0;
        for (int i = 0; i < 2000; i++) {
            failed += listed.fails(DriverOp.SAVE) ? 1 : 0;
            assertThat(listed.fails(DriverOp.DEPLOY)).isFalse();
        }
        assertThat(failed).isBetween(100, 320);
        assertThat(never.with(Template.parse("DUMMY_LATENCY = 2s")).latencyMs()).isEqualTo(2000);
        assertThat(never.with(Template.parse("DUMMY_LATENCY = 15ms")).latencyMs()).isEqualTo(15);
        // the VM's user template overrides the host's
        VirtualMachine vm = VM.toBuilder().userTemplate(Template.parse("DUMMY_FAIL = reboot")).build();
        DummyBehaviour b = never.forRequest(new DriverRequest(DriverOp.REBOOT, vm, 1, "h", Template.parse("DUMMY_FAIL = deploy"), 0));
        assertThat(b.fails(DriverOp.REBOOT)).isTrue();
        assertThat(b.fails(DriverOp.DEPLOY)).isFalse();
    }

    @Test
    void monitoringCountersGrow() throws Exception {
        DummyVmm vmm = new DummyVmm(new DummyBehaviour(Set.of(), -1, 0));
        Map<String, String> a = vmm.poll(1, "h1", Template.EMPTY, List.of(VM)).get().get(9);
        Thread.sleep(20);
        Map<String, String> b = vmm.poll(1, "h1", Template.EMPTY, List.of(VM)).get().get(9);
        assertThat(a).containsKeys("CPU", "MEMORY", "NETRX", "NETTX", "DISKRDBYTES", "DISKWRBYTES", "DISKRDIOPS", "DISKWRIOPS");
        assertThat(Long.parseLong(b.get("NETRX"))).isGreaterThanOrEqualTo(Long.parseLong(a.get("NETRX")));
        assertThat(Double.parseDouble(a.get("CPU"))).isBetween(0.0, 200.0);
        assertThat(Long.parseLong(a.get("MEMORY"))).isBetween(1L, 256L * 1024);
    }
}
