package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a hypervisor's reported state does to a VM in each phase (oned's monitor_* triggers). */
class VmStateSyncTest {
    static final Phase RUNNING = Phase.active(LcmState.RUNNING);
    static final Phase UNKNOWN = Phase.active(LcmState.UNKNOWN);
    static final Phase POWEROFF = Phase.of(VmState.POWEROFF);
    static final Phase SUSPENDED = Phase.of(VmState.SUSPENDED);

    @Test
    void aReportedStateMovesOnlyTheVmsItContradicts() {
        assertThat(VmStateSync.opFor(RUNNING, "POWEROFF")).isEqualTo(VmOp.MONITOR_POWEROFF);
        assertThat(VmStateSync.opFor(UNKNOWN, "POWEROFF")).isEqualTo(VmOp.MONITOR_POWEROFF);
        assertThat(VmStateSync.opFor(RUNNING, "PAUSED")).isEqualTo(VmOp.MONITOR_SUSPEND);
        assertThat(VmStateSync.opFor(RUNNING, "suspended")).isEqualTo(VmOp.MONITOR_SUSPEND);
        assertThat(VmStateSync.opFor(RUNNING, "FAILURE")).isEqualTo(VmOp.MONITOR_DONE);
        assertThat(VmStateSync.opFor(UNKNOWN, "FAILURE")).isNull(); // already UNKNOWN
        assertThat(VmStateSync.opFor(POWEROFF, "RUNNING")).isEqualTo(VmOp.MONITOR_POWERON);
        assertThat(VmStateSync.opFor(SUSPENDED, "RUNNING")).isEqualTo(VmOp.MONITOR_POWERON);
        assertThat(VmStateSync.opFor(UNKNOWN, "RUNNING")).isEqualTo(VmOp.MONITOR_POWERON);
        // agreement, and states that say nothing
        assertThat(VmStateSync.opFor(RUNNING, "RUNNING")).isNull();
        assertThat(VmStateSync.opFor(POWEROFF, "POWEROFF")).isNull();
        assertThat(VmStateSync.opFor(POWEROFF, "PAUSED")).isNull();
        assertThat(VmStateSync.opFor(RUNNING, "whatever")).isNull();
        // transient phases are never moved by monitoring: their driver operation decides
        for (LcmState l : new LcmState[] {LcmState.BOOT, LcmState.SHUTDOWN_POWEROFF, LcmState.SAVE_SUSPEND,
                LcmState.HOTPLUG_SNAPSHOT, LcmState.PROLOG, LcmState.MIGRATE}) {
            assertThat(VmStateSync.watched(Phase.active(l))).as(l.name()).isFalse();
            for (String s : new String[] {"RUNNING", "POWEROFF", "PAUSED", "FAILURE"}) {
                assertThat(VmStateSync.opFor(Phase.active(l), s)).as(l + " " + s).isNull();
            }
        }
    }

    @Test
    void monitorStepsChangeNoDriverAndRecordTheMonitorAction() {
        VmStateMachine.Step off = VmStateMachine.step(RUNNING, VmOp.MONITOR_POWEROFF, VmAction.NONE).orElseThrow();
        assertThat(off.to()).isEqualTo(POWEROFF);
        assertThat(off.driver()).isNull();
        assertThat(off.record()).isEqualTo(VmAction.MONITOR);
        VmStateMachine.Step on = VmStateMachine.step(POWEROFF, VmOp.MONITOR_POWERON, VmAction.NONE).orElseThrow();
        assertThat(on.to()).isEqualTo(RUNNING);
        assertThat(on.has(VmStateMachine.Effect.NEXT_RECORD)).isTrue();
        assertThat(VmStateMachine.step(RUNNING, VmOp.MONITOR_DONE, VmAction.NONE).orElseThrow().to())
                .isEqualTo(UNKNOWN);
    }
}
