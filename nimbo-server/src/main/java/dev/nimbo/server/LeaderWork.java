package dev.nimbo.server;

import dev.nimbo.core.state.Controller;
import dev.nimbo.server.agent.AgentHub;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.monitor.HostMonitor;
import dev.nimbo.server.sched.SchedSettings;
import dev.nimbo.server.sched.SchedulerLoop;
import dev.nimbo.server.storage.StorageManager;
import dev.nimbo.server.vm.VmLifecycle;

/**
 * The managers only the leader runs (a single front-end is always its own leader): storage, the agent channel,
 * host monitoring, the VM life cycle (resuming interrupted operations) and the scheduler. A replicated front-end
 * starts them on each leadership and stops them when it is lost, possibly many times in one process, so stopping
 * leaves nothing registered with the controller. Called from one thread at a time (start, the HA duties thread,
 * close).
 */
public final class LeaderWork {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LeaderWork.class);
    /** Logged when the managers start and once they have stopped: the window in which this daemon drives hosts. */
    public static final String STARTED = "leader work started";
    public static final String STOPPED = "leader work stopped";

    private LeaderWork() {
    }

    public static void start(ApiContext ctx) {
        StorageManager.start(ctx);
        AgentHub agents = AgentHub.start(ctx);
        HostMonitor monitor = HostMonitor.start(ctx);
        agents.onDisconnect(monitor::requestMonitoring); // a host whose agent left shows it at once
        agents.onSample(monitor::recordHistory); // what a cut-off agent measured fills the gap in the history
        // a host back from a cut: monitored at once, its VMs' states reconciled
        agents.onConnect(new dev.nimbo.server.edge.EdgeReconciler(ctx, agents, monitor::requestMonitoring)::reconnected);
        VmLifecycle.start(ctx);
        SchedulerLoop.start(ctx, SchedSettings.fromEnvironment());
        dev.nimbo.server.edge.HostFailurePolicy.start(ctx); // VM HA: only in clusters that ask for it
        log.info("{}: managers and drivers running", STARTED);
    }

    /**
     * Stops them, those that start driver operations first (fencing: an old leader must not drive hypervisors
     * once it is no longer sure to lead), then the agent sessions.
     */
    public static void stop(Controller controller) {
        dev.nimbo.server.edge.HostFailurePolicy.stop(controller);
        HostMonitor.stop(controller);
        SchedulerLoop.stop(controller);
        VmLifecycle.stop(controller);
        StorageManager.stop(controller);
        AgentHub.stop(controller);
        log.info("{}: no driver operation from here on", STOPPED);
    }
}
