package dev.nimbo.core.vm;

import static dev.nimbo.core.vm.LcmState.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.vm.VmStateMachine.Effect;
import dev.nimbo.core.vm.VmStateMachine.Step;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The life-cycle tables against an independent statement of OpenNebula's rules (DispatchManagerActions,
 * LifeCycleActions, LifeCycleStates): every op from every phase is either legal and moves where oned moves it,
 * or refused naming the state; every driver result leads where oned's callbacks lead; every walk ends stable.
 */
class VmStateMachineTest {

    private static final Phase PENDING_P = Phase.of(VmState.PENDING);
    private static final Phase HOLD_P = Phase.of(VmState.HOLD);
    private static final Phase STOPPED_P = Phase.of(VmState.STOPPED);
    private static final Phase UNDEPLOYED_P = Phase.of(VmState.UNDEPLOYED);
    private static final Phase SUSPENDED_P = Phase.of(VmState.SUSPENDED);
    private static final Phase POWEROFF_P = Phase.of(VmState.POWEROFF);
    private static final Phase DONE_P = Phase.of(VmState.DONE);

    /** ACTIVE phases whose failure terminate turns into a delete (DispatchManager::terminate). */
    private static final Set<LcmState> FAILURES = EnumSet.of(BOOT_FAILURE, BOOT_MIGRATE_FAILURE,
            PROLOG_MIGRATE_FAILURE, PROLOG_FAILURE, EPILOG_FAILURE, EPILOG_STOP_FAILURE, EPILOG_UNDEPLOY_FAILURE,
            PROLOG_MIGRATE_POWEROFF_FAILURE, PROLOG_MIGRATE_SUSPEND_FAILURE, BOOT_UNDEPLOY_FAILURE,
            BOOT_STOPPED_FAILURE, PROLOG_RESUME_FAILURE, PROLOG_UNDEPLOY_FAILURE, PROLOG_MIGRATE_UNKNOWN_FAILURE);

    /** The ACTIVE phases recover and retry handle today (hot resize and save-as from undeployed/stopped come later). */
    private static final Set<LcmState> RECOVERABLE = EnumSet.of(LCM_INIT, RUNNING, UNKNOWN, CLEANUP_DELETE,
            CLEANUP_RESUBMIT, PROLOG, PROLOG_RESUME, PROLOG_UNDEPLOY, BOOT, BOOT_UNKNOWN, BOOT_POWEROFF,
            BOOT_SUSPENDED, BOOT_STOPPED, BOOT_UNDEPLOY, SHUTDOWN, SHUTDOWN_POWEROFF, SHUTDOWN_UNDEPLOY, SAVE_STOP,
            SAVE_SUSPEND, EPILOG, EPILOG_STOP, EPILOG_UNDEPLOY, PROLOG_FAILURE, PROLOG_RESUME_FAILURE,
            PROLOG_UNDEPLOY_FAILURE, BOOT_FAILURE, BOOT_STOPPED_FAILURE, BOOT_UNDEPLOY_FAILURE, EPILOG_FAILURE,
            EPILOG_STOP_FAILURE, EPILOG_UNDEPLOY_FAILURE, SAVE_MIGRATE, MIGRATE, PROLOG_MIGRATE, PROLOG_MIGRATE_POWEROFF,
            PROLOG_MIGRATE_SUSPEND, PROLOG_MIGRATE_UNKNOWN, BOOT_MIGRATE, BOOT_MIGRATE_FAILURE, PROLOG_MIGRATE_FAILURE,
            PROLOG_MIGRATE_POWEROFF_FAILURE, PROLOG_MIGRATE_SUSPEND_FAILURE, PROLOG_MIGRATE_UNKNOWN_FAILURE,
            HOTPLUG_SNAPSHOT, HOTPLUG, HOTPLUG_NIC, HOTPLUG_NIC_POWEROFF, HOTPLUG_PROLOG_POWEROFF,
            HOTPLUG_EPILOG_POWEROFF, LcmState.DISK_SNAPSHOT, LcmState.DISK_SNAPSHOT_POWEROFF,
            LcmState.DISK_SNAPSHOT_SUSPENDED, LcmState.DISK_SNAPSHOT_REVERT_POWEROFF, LcmState.DISK_SNAPSHOT_DELETE,
            LcmState.DISK_SNAPSHOT_DELETE_POWEROFF, LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED, LcmState.DISK_RESIZE,
            LcmState.DISK_RESIZE_POWEROFF, LcmState.DISK_RESIZE_UNDEPLOYED, LcmState.HOTPLUG_RESIZE, LcmState.HOTPLUG_SAVEAS,
            LcmState.HOTPLUG_SAVEAS_POWEROFF, LcmState.HOTPLUG_SAVEAS_SUSPENDED, LcmState.BACKUP,
            LcmState.BACKUP_POWEROFF, LcmState.RESTORE);

    private static boolean active(Phase p, LcmState... ls) {
        return p.state() == VmState.ACTIVE && Set.of(ls).contains(p.lcm());
    }

    private static boolean in(Phase p, VmState... ss) {
        return p.state() != VmState.ACTIVE && Set.of(ss).contains(p.state());
    }

    /** Where each op is legal, written from oned's DispatchManager and LifeCycleManager conditions. */
    static boolean expectedLegal(VmOp op, Phase p) {
        return switch (op) {
            case DEPLOY -> in(p, VmState.PENDING, VmState.HOLD, VmState.STOPPED, VmState.UNDEPLOYED);
            case TERMINATE -> p.state() != VmState.ACTIVE || active(p, RUNNING, UNKNOWN)
                    || (p.state() == VmState.ACTIVE && FAILURES.contains(p.lcm()));
            case TERMINATE_HARD -> expectedLegal(VmOp.TERMINATE, p) || active(p, SHUTDOWN);
            case UNDEPLOY -> in(p, VmState.POWEROFF) || active(p, RUNNING, UNKNOWN);
            case UNDEPLOY_HARD -> expectedLegal(VmOp.UNDEPLOY, p) || active(p, SHUTDOWN_UNDEPLOY);
            case POWEROFF -> active(p, RUNNING, UNKNOWN);
            case POWEROFF_HARD -> active(p, RUNNING, UNKNOWN, SHUTDOWN_POWEROFF);
            case REBOOT, REBOOT_HARD, SUSPEND -> active(p, RUNNING);
            case HOLD -> in(p, VmState.PENDING);
            case RELEASE -> in(p, VmState.HOLD);
            case STOP -> in(p, VmState.SUSPENDED) || active(p, RUNNING);
            case RESUME -> in(p, VmState.STOPPED, VmState.UNDEPLOYED, VmState.SUSPENDED, VmState.POWEROFF)
                    || active(p, UNKNOWN);
            case RESCHED, UNRESCHED -> in(p, VmState.POWEROFF) || active(p, RUNNING, UNKNOWN);
            case MIGRATE, POFF_MIGRATE, POFF_HARD_MIGRATE -> in(p, VmState.POWEROFF, VmState.SUSPENDED)
                    || active(p, RUNNING, UNKNOWN);
            case LIVE_MIGRATE, SNAPSHOT_CREATE, SNAPSHOT_REVERT, SNAPSHOT_DELETE -> active(p, RUNNING);
            case NIC_ATTACH, NIC_DETACH, DISK_ATTACH, DISK_DETACH -> in(p, VmState.POWEROFF) || active(p, RUNNING);
            case DISK_SNAPSHOT_CREATE, DISK_SNAPSHOT_DELETE -> in(p, VmState.POWEROFF, VmState.SUSPENDED)
                    || active(p, RUNNING);
            case DISK_SNAPSHOT_REVERT -> in(p, VmState.POWEROFF);
            case UPDATECONF, NIC_UPDATE, HOT_RESIZE -> active(p, RUNNING);
            case DISK_SAVEAS -> in(p, VmState.POWEROFF, VmState.SUSPENDED) || active(p, RUNNING);
            case DISK_RESIZE -> in(p, VmState.POWEROFF, VmState.UNDEPLOYED) || active(p, RUNNING);
            case BACKUP -> in(p, VmState.POWEROFF) || active(p, RUNNING);
            case RESTORE -> in(p, VmState.POWEROFF);
            case MONITOR_POWEROFF, MONITOR_SUSPEND -> active(p, RUNNING, UNKNOWN);
            case MONITOR_DONE -> active(p, RUNNING);
            case MONITOR_POWERON -> in(p, VmState.POWEROFF, VmState.SUSPENDED) || active(p, UNKNOWN);
            case RECOVER_SUCCESS, RECOVER_FAILURE -> in(p, VmState.CLONING_FAILURE)
                    || (p.state() == VmState.ACTIVE && RECOVERABLE.contains(p.lcm()));
            case RECOVER_RETRY -> p.state() == VmState.ACTIVE && RECOVERABLE.contains(p.lcm());
            case RECOVER_DELETE -> true;
            case RECOVER_DELETE_RECREATE -> !in(p, VmState.DONE) && !active(p, CLEANUP_DELETE);
        };
    }

    @Test
    void everyOpFromEveryPhaseIsLegalExactlyWhereOnedAllowsIt() {
        int legal = 0;
        int refused = 0;
        for (VmOp op : VmOp.values()) {
            for (Phase p : VmStateMachine.ALL_PHASES) {
                Optional<Step> s = VmStateMachine.step(p, op, VmAction.NONE);
                boolean expected = expectedLegal(op, p);
                assertThat(s.isPresent()).as(op + " in " + p).isEqualTo(expected);
                assertThat(VmStateMachine.allowed(p, op)).as(op + " in " + p).isEqualTo(expected);
                if (expected) {
                    legal++;
                    assertThat(s.get().to()).as(op + " in " + p).isNotNull();
                    assertThat(VmStateMachine.ALL_PHASES).contains(s.get().to());
                } else {
                    refused++;
                    String msg = VmStateMachine.refusal(op, 42, p);
                    assertThat(msg).as(op + " in " + p).contains(p.text());
                }
            }
        }
        assertThat(legal + refused).isEqualTo(VmOp.values().length * VmStateMachine.ALL_PHASES.size());
        assertThat(legal).isGreaterThan(250);
    }

    private record Move(Phase to, DriverOp driver) {
    }

    private static Move move(Phase from, VmOp op) {
        return move(from, op, VmAction.NONE);
    }

    private static Move move(Phase from, VmOp op, VmAction last) {
        Step s = VmStateMachine.step(from, op, last).orElseThrow();
        return new Move(s.to(), s.driver());
    }

    private static Phase a(LcmState l) {
        return Phase.active(l);
    }

    @Test
    void userOpsMoveWhereOnedMovesThem() {
        Phase running = a(RUNNING);
        Phase unknown = a(UNKNOWN);
        Map<Move, Move> expected = new java.util.LinkedHashMap<>();
        assertThat(move(PENDING_P, VmOp.DEPLOY)).isEqualTo(new Move(a(PROLOG), DriverOp.PROLOG));
        assertThat(move(HOLD_P, VmOp.DEPLOY)).isEqualTo(new Move(a(PROLOG), DriverOp.PROLOG));
        assertThat(move(STOPPED_P, VmOp.DEPLOY)).isEqualTo(new Move(a(PROLOG_RESUME), DriverOp.PROLOG_RESUME));
        assertThat(move(UNDEPLOYED_P, VmOp.DEPLOY)).isEqualTo(new Move(a(PROLOG_UNDEPLOY), DriverOp.PROLOG_RESUME));
        // a VM resumed from stop/undeploy is PENDING; its deploy still copies the saved disks back
        assertThat(move(PENDING_P, VmOp.DEPLOY, VmAction.STOP)).isEqualTo(new Move(a(PROLOG_RESUME), DriverOp.PROLOG_RESUME));
        assertThat(move(PENDING_P, VmOp.DEPLOY, VmAction.UNDEPLOY_HARD))
                .isEqualTo(new Move(a(PROLOG_UNDEPLOY), DriverOp.PROLOG_RESUME));
        assertThat(move(PENDING_P, VmOp.DEPLOY, VmAction.DELETE_RECREATE)).isEqualTo(new Move(a(PROLOG), DriverOp.PROLOG));

        assertThat(move(running, VmOp.TERMINATE)).isEqualTo(new Move(a(SHUTDOWN), DriverOp.SHUTDOWN));
        assertThat(move(unknown, VmOp.TERMINATE_HARD)).isEqualTo(new Move(a(SHUTDOWN), DriverOp.CANCEL));
        assertThat(move(a(SHUTDOWN), VmOp.TERMINATE_HARD)).isEqualTo(new Move(a(SHUTDOWN), DriverOp.CANCEL));
        for (Phase p : List.of(SUSPENDED_P, POWEROFF_P, STOPPED_P, UNDEPLOYED_P)) {
            assertThat(move(p, VmOp.TERMINATE)).isEqualTo(new Move(a(EPILOG), DriverOp.EPILOG));
        }
        for (Phase p : List.of(PENDING_P, HOLD_P, Phase.of(VmState.INIT), Phase.of(VmState.CLONING),
                Phase.of(VmState.CLONING_FAILURE), DONE_P)) {
            assertThat(move(p, VmOp.TERMINATE)).isEqualTo(new Move(DONE_P, null));
        }
        for (LcmState f : FAILURES) {
            Step s = VmStateMachine.step(a(f), VmOp.TERMINATE, VmAction.NONE).orElseThrow();
            assertThat(s.to()).isEqualTo(DONE_P);
            assertThat(s.detached()).isEqualTo(DriverOp.CLEANUP);
            assertThat(s.record()).isEqualTo(VmAction.DELETE);
        }
        assertThat(move(running, VmOp.UNDEPLOY)).isEqualTo(new Move(a(SHUTDOWN_UNDEPLOY), DriverOp.SHUTDOWN));
        assertThat(move(running, VmOp.UNDEPLOY_HARD)).isEqualTo(new Move(a(SHUTDOWN_UNDEPLOY), DriverOp.CANCEL));
        assertThat(move(POWEROFF_P, VmOp.UNDEPLOY)).isEqualTo(new Move(a(EPILOG_UNDEPLOY), DriverOp.EPILOG_STOP));
        assertThat(move(running, VmOp.POWEROFF)).isEqualTo(new Move(a(SHUTDOWN_POWEROFF), DriverOp.SHUTDOWN));
        assertThat(move(a(SHUTDOWN_POWEROFF), VmOp.POWEROFF_HARD))
                .isEqualTo(new Move(a(SHUTDOWN_POWEROFF), DriverOp.CANCEL));
        assertThat(move(running, VmOp.REBOOT)).isEqualTo(new Move(running, DriverOp.REBOOT));
        assertThat(move(running, VmOp.REBOOT_HARD)).isEqualTo(new Move(running, DriverOp.RESET));
        assertThat(move(PENDING_P, VmOp.HOLD)).isEqualTo(new Move(HOLD_P, null));
        assertThat(move(HOLD_P, VmOp.RELEASE)).isEqualTo(new Move(PENDING_P, null));
        assertThat(move(running, VmOp.STOP)).isEqualTo(new Move(a(SAVE_STOP), DriverOp.SAVE));
        assertThat(move(SUSPENDED_P, VmOp.STOP)).isEqualTo(new Move(a(EPILOG_STOP), DriverOp.EPILOG_STOP));
        assertThat(move(running, VmOp.SUSPEND)).isEqualTo(new Move(a(SAVE_SUSPEND), DriverOp.SAVE));
        assertThat(move(STOPPED_P, VmOp.RESUME)).isEqualTo(new Move(PENDING_P, null));
        assertThat(move(UNDEPLOYED_P, VmOp.RESUME)).isEqualTo(new Move(PENDING_P, null));
        assertThat(move(SUSPENDED_P, VmOp.RESUME)).isEqualTo(new Move(a(BOOT_SUSPENDED), DriverOp.RESTORE));
        assertThat(move(POWEROFF_P, VmOp.RESUME)).isEqualTo(new Move(a(BOOT_POWEROFF), DriverOp.DEPLOY));
        assertThat(move(unknown, VmOp.RESUME)).isEqualTo(new Move(a(BOOT_UNKNOWN), DriverOp.DEPLOY));
        for (Phase p : List.of(POWEROFF_P, running, unknown)) {
            Step on = VmStateMachine.step(p, VmOp.RESCHED, VmAction.NONE).orElseThrow();
            assertThat(on.to()).isEqualTo(p);
            assertThat(on.has(Effect.RESCHED_ON)).isTrue();
            assertThat(VmStateMachine.step(p, VmOp.UNRESCHED, VmAction.NONE).orElseThrow().has(Effect.RESCHED_OFF)).isTrue();
        }
        assertThat(expected).isEmpty();
        // resume from poweroff/suspend opens a new history record on the same host
        assertThat(VmStateMachine.step(POWEROFF_P, VmOp.RESUME, VmAction.NONE).orElseThrow().has(Effect.NEXT_RECORD)).isTrue();
        assertThat(VmStateMachine.step(PENDING_P, VmOp.DEPLOY, VmAction.NONE).orElseThrow().has(Effect.NEW_PLACEMENT)).isTrue();
    }

    @Test
    void migrationsMoveWhereOnedMovesThem() {
        assertThat(move(a(RUNNING), VmOp.MIGRATE)).isEqualTo(new Move(a(SAVE_MIGRATE), DriverOp.SAVE));
        assertThat(move(a(RUNNING), VmOp.POFF_MIGRATE)).isEqualTo(new Move(a(SAVE_MIGRATE), DriverOp.SHUTDOWN));
        assertThat(move(a(RUNNING), VmOp.POFF_HARD_MIGRATE)).isEqualTo(new Move(a(SAVE_MIGRATE), DriverOp.CANCEL));
        assertThat(move(a(RUNNING), VmOp.LIVE_MIGRATE)).isEqualTo(new Move(a(MIGRATE), DriverOp.MIGRATE));
        assertThat(move(POWEROFF_P, VmOp.MIGRATE)).isEqualTo(new Move(a(PROLOG_MIGRATE_POWEROFF), DriverOp.PROLOG_MIGRATE));
        assertThat(move(SUSPENDED_P, VmOp.MIGRATE)).isEqualTo(new Move(a(PROLOG_MIGRATE_SUSPEND), DriverOp.PROLOG_MIGRATE));
        assertThat(move(a(UNKNOWN), VmOp.MIGRATE)).isEqualTo(new Move(a(PROLOG_MIGRATE_UNKNOWN), DriverOp.PROLOG_MIGRATE));
        for (VmOp op : List.of(VmOp.MIGRATE, VmOp.LIVE_MIGRATE)) {
            assertThat(VmStateMachine.step(a(RUNNING), op, VmAction.NONE).orElseThrow().has(Effect.NEW_PLACEMENT)).isTrue();
        }
        // a power-off migration boots afresh on the new host; a saved one is restored
        assertThat(VmStateMachine.onResult(a(PROLOG_MIGRATE), true, VmAction.POFF_MIGRATE).orElseThrow().to())
                .isEqualTo(a(BOOT));
        assertThat(VmStateMachine.onResult(a(PROLOG_MIGRATE), true, VmAction.MIGRATE).orElseThrow().driver())
                .isEqualTo(DriverOp.RESTORE);
        assertThat(VmStateMachine.driverFor(a(SAVE_MIGRATE), VmAction.POFF_HARD_MIGRATE)).isEqualTo(DriverOp.CANCEL);
        // a failed save or live migration goes back to the source placement
        assertThat(VmStateMachine.onResult(a(MIGRATE), false).orElseThrow().has(Effect.REVERT_PLACEMENT)).isTrue();
        assertThat(VmStateMachine.onResult(a(SAVE_MIGRATE), false).orElseThrow().has(Effect.REVERT_PLACEMENT)).isTrue();
        assertThat(VmStateMachine.refusal(VmOp.LIVE_MIGRATE, 1, POWEROFF_P))
                .isEqualTo("Migrate action is not available for state POWEROFF");
        assertThat(VmStateMachine.holdsPreviousHost(a(SAVE_MIGRATE))).isTrue();
        assertThat(VmStateMachine.holdsPreviousHost(a(PROLOG_MIGRATE))).isFalse();
    }

    @Test
    void recoverOpsResolveFailuresAsOnedDoes() {
        assertThat(move(a(PROLOG_FAILURE), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(a(BOOT), DriverOp.DEPLOY));
        assertThat(move(a(PROLOG_FAILURE), VmOp.RECOVER_FAILURE)).isEqualTo(new Move(a(PROLOG_FAILURE), null));
        assertThat(move(a(PROLOG_FAILURE), VmOp.RECOVER_RETRY)).isEqualTo(new Move(a(PROLOG), DriverOp.PROLOG));
        assertThat(move(a(BOOT_FAILURE), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(a(RUNNING), null));
        assertThat(move(a(BOOT_FAILURE), VmOp.RECOVER_RETRY)).isEqualTo(new Move(a(BOOT), DriverOp.DEPLOY));
        assertThat(move(a(BOOT_STOPPED_FAILURE), VmOp.RECOVER_RETRY)).isEqualTo(new Move(a(BOOT_STOPPED), DriverOp.RESTORE));
        assertThat(move(a(EPILOG_FAILURE), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(DONE_P, null));
        assertThat(move(a(EPILOG_STOP_FAILURE), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(STOPPED_P, null));
        assertThat(move(a(EPILOG_UNDEPLOY_FAILURE), VmOp.RECOVER_RETRY))
                .isEqualTo(new Move(a(EPILOG_UNDEPLOY), DriverOp.EPILOG_STOP));
        // in a transient phase: success/failure as if the driver had answered; retry issues the operation again
        assertThat(move(a(BOOT), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(a(RUNNING), null));
        assertThat(move(a(BOOT), VmOp.RECOVER_FAILURE)).isEqualTo(new Move(a(BOOT_FAILURE), null));
        assertThat(move(a(SHUTDOWN_POWEROFF), VmOp.RECOVER_FAILURE)).isEqualTo(new Move(a(RUNNING), null));
        assertThat(move(a(SHUTDOWN), VmOp.RECOVER_RETRY, VmAction.TERMINATE_HARD)).isEqualTo(new Move(a(SHUTDOWN), DriverOp.CANCEL));
        assertThat(move(a(SHUTDOWN), VmOp.RECOVER_RETRY, VmAction.TERMINATE)).isEqualTo(new Move(a(SHUTDOWN), DriverOp.SHUTDOWN));
        assertThat(move(a(UNKNOWN), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(a(RUNNING), null));
        assertThat(move(a(RUNNING), VmOp.RECOVER_SUCCESS)).isEqualTo(new Move(a(RUNNING), null));
        // delete from anywhere; delete-recreate back to PENDING (through a clean-up where the VM is on a host)
        for (Phase p : VmStateMachine.ALL_PHASES) {
            assertThat(move(p, VmOp.RECOVER_DELETE).to()).isEqualTo(DONE_P);
        }
        assertThat(move(a(RUNNING), VmOp.RECOVER_DELETE_RECREATE)).isEqualTo(new Move(a(CLEANUP_RESUBMIT), DriverOp.CLEANUP));
        assertThat(move(POWEROFF_P, VmOp.RECOVER_DELETE_RECREATE)).isEqualTo(new Move(a(CLEANUP_RESUBMIT), DriverOp.CLEANUP));
        assertThat(move(STOPPED_P, VmOp.RECOVER_DELETE_RECREATE)).isEqualTo(new Move(PENDING_P, null));
        assertThat(move(HOLD_P, VmOp.RECOVER_DELETE_RECREATE)).isEqualTo(new Move(PENDING_P, null));
        assertThat(VmStateMachine.refusal(VmOp.RECOVER_DELETE_RECREATE, 3, DONE_P))
                .isEqualTo("Cannot delete-recreate a VM already in DONE state");
    }

    @Test
    void driverResultsLeadWhereOnedCallbacksLead() {
        record R(LcmState at, Phase ok, DriverOp okNext, Phase fail) {
        }
        List<R> table = List.of(
                new R(PROLOG, a(BOOT), DriverOp.DEPLOY, a(PROLOG_FAILURE)),
                new R(PROLOG_RESUME, a(BOOT_STOPPED), DriverOp.RESTORE, a(PROLOG_RESUME_FAILURE)),
                new R(PROLOG_UNDEPLOY, a(BOOT_UNDEPLOY), DriverOp.DEPLOY, a(PROLOG_UNDEPLOY_FAILURE)),
                new R(BOOT, a(RUNNING), null, a(BOOT_FAILURE)),
                new R(BOOT_UNKNOWN, a(RUNNING), null, a(UNKNOWN)),
                new R(BOOT_POWEROFF, a(RUNNING), null, POWEROFF_P),
                new R(BOOT_SUSPENDED, a(RUNNING), null, SUSPENDED_P),
                new R(BOOT_STOPPED, a(RUNNING), null, a(BOOT_STOPPED_FAILURE)),
                new R(BOOT_UNDEPLOY, a(RUNNING), null, a(BOOT_UNDEPLOY_FAILURE)),
                new R(SHUTDOWN, a(EPILOG), DriverOp.EPILOG, a(RUNNING)),
                new R(SHUTDOWN_POWEROFF, POWEROFF_P, null, a(RUNNING)),
                new R(SHUTDOWN_UNDEPLOY, a(EPILOG_UNDEPLOY), DriverOp.EPILOG_STOP, a(RUNNING)),
                new R(SAVE_STOP, a(EPILOG_STOP), DriverOp.EPILOG_STOP, a(RUNNING)),
                new R(SAVE_SUSPEND, SUSPENDED_P, null, a(RUNNING)),
                new R(EPILOG, DONE_P, null, a(EPILOG_FAILURE)),
                new R(EPILOG_STOP, STOPPED_P, null, a(EPILOG_STOP_FAILURE)),
                new R(EPILOG_UNDEPLOY, UNDEPLOYED_P, null, a(EPILOG_UNDEPLOY_FAILURE)),
                new R(CLEANUP_RESUBMIT, PENDING_P, null, PENDING_P),
                new R(SAVE_MIGRATE, a(PROLOG_MIGRATE), DriverOp.PROLOG_MIGRATE, a(RUNNING)),
                new R(MIGRATE, a(RUNNING), null, a(RUNNING)),
                new R(PROLOG_MIGRATE, a(BOOT_MIGRATE), DriverOp.RESTORE, a(PROLOG_MIGRATE_FAILURE)),
                new R(PROLOG_MIGRATE_POWEROFF, POWEROFF_P, null, a(PROLOG_MIGRATE_POWEROFF_FAILURE)),
                new R(PROLOG_MIGRATE_SUSPEND, SUSPENDED_P, null, a(PROLOG_MIGRATE_SUSPEND_FAILURE)),
                new R(PROLOG_MIGRATE_UNKNOWN, a(BOOT), DriverOp.DEPLOY, a(PROLOG_MIGRATE_UNKNOWN_FAILURE)),
                new R(BOOT_MIGRATE, a(RUNNING), null, a(BOOT_MIGRATE_FAILURE)),
                new R(HOTPLUG_SNAPSHOT, a(RUNNING), null, a(RUNNING)),
                new R(HOTPLUG, a(RUNNING), null, a(RUNNING)),
                new R(HOTPLUG_NIC, a(RUNNING), null, a(RUNNING)),
                new R(HOTPLUG_NIC_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(HOTPLUG_PROLOG_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(HOTPLUG_EPILOG_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                // disk snapshots: back where they started whatever the answer (oned has no failure state for them)
                new R(LcmState.DISK_SNAPSHOT, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.DISK_SNAPSHOT_DELETE, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.DISK_SNAPSHOT_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.DISK_SNAPSHOT_REVERT_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.DISK_SNAPSHOT_DELETE_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.DISK_SNAPSHOT_SUSPENDED, SUSPENDED_P, null, SUSPENDED_P),
                new R(LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED, SUSPENDED_P, null, SUSPENDED_P),
                new R(LcmState.DISK_RESIZE, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.DISK_RESIZE_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.DISK_RESIZE_UNDEPLOYED, UNDEPLOYED_P, null, UNDEPLOYED_P),
                new R(LcmState.HOTPLUG_RESIZE, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.HOTPLUG_SAVEAS, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.HOTPLUG_SAVEAS_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.HOTPLUG_SAVEAS_SUSPENDED, SUSPENDED_P, null, SUSPENDED_P),
                // backups and restores: back where they started (LifeCycleManager::trigger_backup_*, disk_restore_*)
                new R(LcmState.BACKUP, a(RUNNING), null, a(RUNNING)),
                new R(LcmState.BACKUP_POWEROFF, POWEROFF_P, null, POWEROFF_P),
                new R(LcmState.RESTORE, POWEROFF_P, null, POWEROFF_P));
        Set<LcmState> covered = EnumSet.noneOf(LcmState.class);
        for (R r : table) {
            Step ok = VmStateMachine.onResult(a(r.at()), true).orElseThrow();
            Step fail = VmStateMachine.onResult(a(r.at()), false).orElseThrow();
            assertThat(ok.to()).as(r.at() + " ok").isEqualTo(r.ok());
            assertThat(ok.driver()).as(r.at() + " ok next").isEqualTo(r.okNext());
            assertThat(fail.to()).as(r.at() + " failure").isEqualTo(r.fail());
            assertThat(fail.driver()).isNull();
            assertThat(VmStateMachine.transientPhase(a(r.at()))).isTrue();
            assertThat(VmStateMachine.driverFor(a(r.at()), VmAction.NONE)).isNotNull();
            covered.add(r.at());
        }
        // no other phase waits for a driver; results arriving there are ignored (or, in RUNNING, change nothing)
        for (Phase p : VmStateMachine.ALL_PHASES) {
            if (p.state() != VmState.ACTIVE || !covered.contains(p.lcm())) {
                assertThat(VmStateMachine.transientPhase(p)).as(p.text()).isFalse();
                if (!p.isActive(RUNNING)) {
                    assertThat(VmStateMachine.onResult(p, true)).as(p.text()).isEmpty();
                }
            }
        }
        assertThat(VmStateMachine.onResult(a(RUNNING), false).orElseThrow().to()).isEqualTo(a(RUNNING));
    }

    /** From every phase, after every legal op, driver answers (all good, or one failure) end in a stable phase. */
    @Test
    void everyWalkEndsStableAndEveryFailureIsRecoverable() {
        int walks = 0;
        for (VmOp op : VmOp.values()) {
            for (Phase p : VmStateMachine.ALL_PHASES) {
                Optional<Step> s = VmStateMachine.step(p, op, VmAction.NONE);
                if (s.isEmpty()) {
                    continue;
                }
                for (int failAt = -1; failAt < 4; failAt++) {
                    Phase at = s.get().to();
                    DriverOp running = s.get().driver();
                    int hops = 0;
                    List<Phase> path = new ArrayList<>(List.of(p, at));
                    while (running != null && !at.isActive(RUNNING)) {
                        Step r = VmStateMachine.onResult(at, hops != failAt).orElseThrow(() -> new AssertionError(
                                "no result rule in " + path));
                        at = r.to();
                        running = r.driver();
                        path.add(at);
                        assertThat(++hops).as("walk " + path).isLessThan(6);
                    }
                    walks++;
                    assertThat(VmStateMachine.transientPhase(at) && !at.isActive(RUNNING)).as("stuck: " + path).isFalse();
                    if (at.state() == VmState.ACTIVE && at.lcm().isFailure()) {
                        assertThat(VmStateMachine.allowed(at, VmOp.RECOVER_RETRY)).as(path.toString()).isTrue();
                        assertThat(VmStateMachine.allowed(at, VmOp.RECOVER_SUCCESS)).isTrue();
                        assertThat(VmStateMachine.allowed(at, VmOp.TERMINATE)).isTrue();
                    }
                    assertThat(VmStateMachine.allowed(at, VmOp.RECOVER_DELETE)).isTrue();
                }
            }
        }
        assertThat(walks).isGreaterThan(1000);
    }

    @Test
    void whatAPhaseHolds() {
        assertThat(VmStateMachine.holdsHost(a(PROLOG))).isTrue();
        assertThat(VmStateMachine.holdsHost(a(EPILOG_FAILURE))).isTrue();
        assertThat(VmStateMachine.holdsHost(POWEROFF_P)).isTrue();
        assertThat(VmStateMachine.holdsHost(SUSPENDED_P)).isTrue();
        assertThat(VmStateMachine.holdsHost(STOPPED_P)).isFalse();
        assertThat(VmStateMachine.holdsHost(PENDING_P)).isFalse();
        assertThat(VmStateMachine.holdsHost(a(CLEANUP_RESUBMIT))).isFalse();
        assertThat(VmStateMachine.runningQuota(PENDING_P)).isTrue();
        assertThat(VmStateMachine.runningQuota(HOLD_P)).isTrue();
        assertThat(VmStateMachine.runningQuota(a(EPILOG))).isTrue();
        assertThat(VmStateMachine.runningQuota(POWEROFF_P)).isFalse();
        assertThat(VmStateMachine.runningQuota(STOPPED_P)).isFalse();
        assertThat(VmStateMachine.runningQuota(a(HOTPLUG_NIC_POWEROFF))).isFalse();
        assertThat(VmStateMachine.holdsResources(STOPPED_P)).isTrue();
        assertThat(VmStateMachine.holdsResources(DONE_P)).isFalse();
        assertThat(VmStateMachine.runningPhase(a(BOOT_POWEROFF))).isTrue();
        assertThat(VmStateMachine.runningPhase(a(BOOT_FAILURE))).isFalse();
        assertThat(VmStateMachine.runningPhase(a(SHUTDOWN_POWEROFF))).isTrue();
    }

    @Test
    void refusalsAreWordedAsOned() {
        assertThat(VmStateMachine.refusal(VmOp.POWEROFF, 5, PENDING_P))
                .isEqualTo("Error performing action \"poweroff\": This action is not available for state PENDING");
        assertThat(VmStateMachine.refusal(VmOp.TERMINATE, 5, a(PROLOG)))
                .isEqualTo("Error performing action \"terminate\": Could not terminate VM 5, wrong state PROLOG.");
        assertThat(VmStateMachine.refusal(VmOp.DEPLOY, 5, a(RUNNING)))
                .isEqualTo("Deploy action is not available for state RUNNING");
        assertThat(VmStateMachine.refusal(VmOp.RECOVER_RETRY, 5, POWEROFF_P))
                .isEqualTo("Could not perform a retry on VM 5, wrong state POWEROFF.");
    }

    @Test
    void statesKeepOpenNebulasNumbers() {
        assertThat(VmState.POWEROFF.code()).isEqualTo(8);
        assertThat(VmState.of(11)).isEqualTo(VmState.CLONING_FAILURE);
        assertThat(LcmState.RUNNING.code()).isEqualTo(3);
        assertThat(LcmState.CLEANUP_RESUBMIT.code()).isEqualTo(15);
        assertThat(LcmState.DISK_SNAPSHOT_DELETE.code()).isEqualTo(59);
        assertThat(LcmState.of(71)).isEqualTo(LcmState.RESTORE);
        assertThat(VmAction.TERMINATE_HARD.code()).isEqualTo(28);
        assertThat(VmAction.named("terminate-hard")).isEqualTo(VmAction.TERMINATE_HARD);
        assertThat(VmAction.DEPLOY.defaultRight()).isEqualTo(dev.nimbo.core.auth.Right.ADMIN);
        assertThat(VmAction.POWEROFF_HARD.defaultRight()).isEqualTo(dev.nimbo.core.auth.Right.MANAGE);
        assertThat(VmAction.LIVE_MIGRATE.defaultRight()).isEqualTo(dev.nimbo.core.auth.Right.ADMIN);
    }
}
