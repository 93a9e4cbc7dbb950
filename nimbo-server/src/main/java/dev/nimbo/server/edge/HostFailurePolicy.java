package dev.nimbo.server.edge;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.vm.VmLifecycle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VM high availability on host failure, as OpenNebula's host-error hook: when a host has been in ERROR for a grace
 * period, the VMs it runs are recreated elsewhere (recover delete-recreate: a best-effort clean-up on the failed
 * host, then PENDING for the scheduler). Off unless the host's cluster asks for it in its template:
 * <pre>
 * HOST_FAILURE       = RECREATE   (anything else, or nothing: VMs are left alone — the default, right for edge
 *                                  sites, whose VMs keep running while their link is cut)
 * HOST_FAILURE_GRACE = 300        seconds a host must stay in ERROR first
 * </pre>
 * A site only cut off still runs the originals: recreating them elsewhere makes duplicates, which is why this is
 * off by default. Checks every 2 s on its own thread; the in-memory "in ERROR since" clock starts over when the
 * leader restarts. Thread-safe.
 */
public final class HostFailurePolicy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostFailurePolicy.class);
    public static final String POLICY = "HOST_FAILURE";
    public static final String GRACE = "HOST_FAILURE_GRACE";

    private final ApiContext ctx;
    private final Map<Integer, Long> inErrorSince = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("nimbo-host-failure").unstarted(r));

    private HostFailurePolicy(ApiContext ctx) {
        this.ctx = ctx;
    }

    private static final Map<dev.nimbo.core.state.Controller, HostFailurePolicy> RUNNING = new ConcurrentHashMap<>();

    /** Starts the daemon's policy checker (the leader's, with the other managers); a second call is a no-op. */
    public static void start(ApiContext ctx) {
        RUNNING.computeIfAbsent(ctx.controller(), c -> {
            HostFailurePolicy p = new HostFailurePolicy(ctx);
            p.timer.scheduleWithFixedDelay(p::check, 2, 2, TimeUnit.SECONDS);
            return p;
        });
    }

    public static void stop(dev.nimbo.core.state.Controller controller) {
        HostFailurePolicy p = RUNNING.remove(controller);
        if (p != null) {
            p.close();
        }
    }

    void check() {
        try {
            long now = System.currentTimeMillis();
            for (PoolObject o : ctx.view().list(ObjectType.HOST)) {
                Host h = (Host) o;
                if (h.state() != HostState.ERROR) {
                    inErrorSince.remove(h.id());
                    continue;
                }
                long since = inErrorSince.computeIfAbsent(h.id(), id -> now);
                if (!(ctx.view().get(ObjectType.CLUSTER, h.clusterId()) instanceof Cluster c)
                        || !"RECREATE".equalsIgnoreCase(String.valueOf(c.template().get(POLICY)).strip())) {
                    continue;
                }
                long graceMs = seconds(c.template().get(GRACE)) * 1000;
                if (now - since >= graceMs) {
                    recreate(h);
                }
            }
        } catch (RuntimeException e) {
            log.warn("host failure check failed: {}", e.toString());
        }
    }

    private void recreate(Host h) {
        VmLifecycle lifecycle = VmLifecycle.of(ctx);
        for (PoolObject o : ctx.view().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (vm.hostId() != h.id() || vm.state() != VmState.ACTIVE
                    || vm.lcmState() == dev.nimbo.core.vm.LcmState.CLEANUP_RESUBMIT) {
                continue;
            }
            try {
                VmLifecycle.Work w = ctx.controller().execute(tx -> lifecycle.stamp(VmTransitions.applyOp(tx, vm.id(),
                        VmOp.RECOVER_DELETE_RECREATE, VmTransitions.Requester.SYSTEM, null)));
                lifecycle.dispatch(w);
                log.warn("host {} ({}) in ERROR beyond its grace period: VM {} recreated elsewhere", h.id(), h.name(),
                        vm.id());
            } catch (RuntimeException e) {
                log.warn("host {}: could not recreate VM {}: {}", h.id(), vm.id(), e.getMessage());
            }
        }
    }

    private static long seconds(String v) {
        try {
            return v == null || v.isBlank() ? 300 : Math.max(0, Long.parseLong(v.strip()));
        } catch (NumberFormatException e) {
            return 300;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
