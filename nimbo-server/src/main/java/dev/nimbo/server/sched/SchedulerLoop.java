package dev.nimbo.server.sched;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.sched.DatastoreSlot;
import dev.nimbo.core.sched.HostSlot;
import dev.nimbo.core.sched.Placer;
import dev.nimbo.core.sched.VmRequest;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.api.vm.VmMethods;
import dev.nimbo.server.vm.VmLifecycle;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placement scheduler of one nimbod: a cycle every {@code NIMBO_SCHED_INTERVAL} seconds, and at once when a
 * VM becomes PENDING (a commit listener wakes it). A cycle reads the published state without locking, takes up
 * to {@code NIMBO_SCHED_MAX_VMS} pending VMs (USER_PRIORITY first, then by ID) and rescheduled running VMs,
 * decides each with a {@link Placer} over a snapshot of the hosts, and sends each decision to the controller as
 * the ordinary deploy step ({@link VmMethods#stageDeploy}) or, for a rescheduled VM, a migration. The controller
 * re-checks capacity, cores, hugepages and devices against the current state when it applies the step, so a
 * decision made on a stale snapshot fails cleanly (the VM stays PENDING for the next cycle) instead of
 * overbooking. VMs that fit nowhere get a SCHED_MESSAGE in their USER_TEMPLATE naming what ruled the hosts out
 * (rewritten only when the reason changes). Cycles overlap with the controller: a cycle counts the decisions of
 * the previous one that are not applied yet as planned on its snapshot (so nothing is handed out twice), and
 * waits for the cycle before that, so at most two cycles of steps are in flight.
 *
 * <p>One per daemon ({@link #start}, {@link #stop}); the cycle runs on its own thread.
 */
public final class SchedulerLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerLoop.class);
    private static final Map<Controller, SchedulerLoop> RUNNING = new ConcurrentHashMap<>();
    private static final DateTimeFormatter MESSAGE_TIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy",
            Locale.ROOT);

    /** What one cycle did, or all cycles so far (for tests, logs and the benchmark). */
    public record CycleStats(int considered, int placed, int unplaced, long decisionNanos, long cycleNanos) {
        CycleStats plus(CycleStats o) {
            return new CycleStats(considered + o.considered, placed + o.placed, unplaced + o.unplaced,
                    decisionNanos + o.decisionNanos, cycleNanos + o.cycleNanos);
        }
    }

    private final ApiContext ctx;
    private final SchedSettings settings;
    private final ExternalScheduler external;
    private final dev.nimbo.core.sched.ExprCache expressions = new dev.nimbo.core.sched.ExprCache();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean woken;
    private volatile boolean closed;
    private volatile CycleStats last = new CycleStats(0, 0, 0, 0, 0);
    private volatile CycleStats total = new CycleStats(0, 0, 0, 0, 0);
    private volatile int cycles;
    private volatile long longestDecisionNanos;
    private final Thread thread;
    /** Registered with the controller while running; one object, so close can remove it. */
    private final java.util.function.Consumer<List<Record>> commitListener = this::onCommit;

    /** A decision sent to the controller and not yet applied. */
    private record InFlight(VmRequest request, Placer.Placed placed) {
    }

    private final Map<Integer, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Set<Integer> refusedBefore = ConcurrentHashMap.newKeySet();
    private List<CompletableFuture<?>> previousSteps = List.of();

    private SchedulerLoop(ApiContext ctx, SchedSettings settings) {
        this.ctx = ctx;
        this.settings = settings;
        this.external = settings.externalUrl() == null ? null
                : new ExternalScheduler(settings.externalUrl(), settings.externalTimeout());
        this.thread = Thread.ofPlatform().name("nimbo-scheduler").daemon(true).unstarted(this::run);
    }

    /** Starts the daemon's scheduler unless NIMBO_SCHED_INTERVAL is 0; null then. */
    public static SchedulerLoop start(ApiContext ctx, SchedSettings settings) {
        if (!settings.enabled()) {
            log.info("placement scheduler off (NIMBO_SCHED_INTERVAL=0): VMs wait for one.vm.deploy");
            return null;
        }
        return RUNNING.computeIfAbsent(ctx.controller(), c -> {
            SchedulerLoop s = new SchedulerLoop(ctx, settings);
            c.addCommitListener(s.commitListener);
            s.thread.start();
            log.info("placement scheduler every {} ms, policy {}, datastore policy {}{}", settings.interval().toMillis(),
                    settings.hostPolicy().name(), settings.dsPolicy().name(),
                    settings.externalUrl() == null ? "" : ", external " + settings.externalUrl());
            return s;
        });
    }

    /** The running scheduler of a daemon, or null. */
    public static SchedulerLoop of(Controller controller) {
        return RUNNING.get(controller);
    }

    public static void stop(Controller controller) {
        SchedulerLoop s = RUNNING.remove(controller);
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        ctx.controller().removeCommitListener(commitListener); // a later leadership starts a new loop
        wake();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public CycleStats lastCycle() {
        return last;
    }

    /** Every cycle that looked at VMs, added up. */
    public CycleStats totals() {
        return total;
    }

    /** Cycles that looked at VMs. */
    public int cycles() {
        return cycles;
    }

    /** The longest single VM decision so far. */
    public long longestDecisionNanos() {
        return longestDecisionNanos;
    }

    /** Runs a cycle as soon as possible. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Controller thread: a VM that became PENDING, or was flagged for rescheduling, wakes the cycle. */
    private void onCommit(List<Record> records) {
        for (Record r : records) {
            if (r instanceof Record.Put p && p.object() instanceof VirtualMachine vm
                    && (vm.state() == VmState.PENDING || vm.resched())) {
                wake();
                return;
            }
        }
    }

    private void run() {
        while (!closed) {
            boolean more = false;
            try {
                more = cycle();
            } catch (RuntimeException e) {
                log.error("scheduling cycle failed", e);
            }
            if (!more) {
                await();
            }
        }
    }

    private void await() {
        lock.lock();
        try {
            long nanos = settings.interval().toNanos();
            while (!woken && !closed && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ one cycle

    /** One cycle; true when it left pending VMs unseen (the per-cycle bound) and the next should follow at once. */
    boolean cycle() {
        long t0 = System.nanoTime();
        // in-flight decisions first: one that completes after this read is in the host snapshot read below
        List<InFlight> flying = new ArrayList<>(inFlight.values());
        Set<Integer> flyingIds = new java.util.HashSet<>();
        flying.forEach(f -> flyingIds.add(f.request().id()));
        ObjectsView view = ctx.view();
        List<VirtualMachine> todo = new ArrayList<>();
        Map<Integer, Integer> vmHost = new HashMap<>();
        Map<String, Set<Integer>> roles = new HashMap<>();
        for (PoolObject o : view.list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (vm.state() == VmState.DONE) {
                continue;
            }
            if (VmStateMachine.holdsHost(vm.phase()) && vm.hostId() >= 0) {
                vmHost.put(vm.id(), vm.hostId());
            }
            List<VectorAttribute> g = vm.vmTemplate().vectors("VMGROUP");
            if (!g.isEmpty() && g.get(0).get("VMGROUP_ID") != null && g.get(0).get("ROLE") != null) {
                try {
                    roles.computeIfAbsent(Placer.roleKey(Integer.parseInt(g.get(0).get("VMGROUP_ID").strip()),
                            g.get(0).get("ROLE").strip()), k -> new TreeSet<>()).add(vm.id());
                } catch (NumberFormatException e) {
                    // not a group reference: no constraint
                }
            }
            if ((vm.state() == VmState.PENDING || (vm.resched() && vm.phase().isActive(LcmState.RUNNING)))
                    && !flyingIds.contains(vm.id())) {
                todo.add(vm);
            }
        }
        if (todo.isEmpty()) {
            awaitSteps(previousSteps);
            previousSteps = List.of();
            return false;
        }
        todo.sort(Comparator.comparingInt(SchedulerLoop::priority).reversed().thenComparingInt(VirtualMachine::id));
        boolean more = todo.size() > settings.maxVmsPerCycle();
        if (more) {
            todo = todo.subList(0, settings.maxVmsPerCycle());
        }
        List<HostSlot> hosts = new ArrayList<>();
        for (PoolObject o : view.list(ObjectType.HOST)) {
            Host h = (Host) o;
            hosts.add(new HostSlot(h, (Cluster) view.get(ObjectType.CLUSTER, h.clusterId())));
        }
        List<DatastoreSlot> dss = new ArrayList<>();
        for (PoolObject o : view.list(ObjectType.DATASTORE)) {
            if (o instanceof Datastore ds && ds.dsType() == Datastore.SYSTEM_DS) {
                dss.add(new DatastoreSlot(ds));
            }
        }
        Placer placer = new Placer(settings.hostPolicy(), settings.dsPolicy(), hosts, dss, vmHost, roles);
        if (external != null) {
            placer.withChooser(external);
        }
        List<dev.nimbo.core.sched.NetworkSlot> nets = new ArrayList<>();
        for (PoolObject o : view.list(ObjectType.NET)) {
            nets.add(new dev.nimbo.core.sched.NetworkSlot((dev.nimbo.core.vnet.VirtualNetwork) o));
        }
        placer.withNetworks(nets);
        for (InFlight f : flying) {
            placer.replay(f.request(), f.placed());
        }
        VmLifecycle lifecycle = VmLifecycle.of(ctx);
        List<CompletableFuture<?>> steps = new ArrayList<>();
        Map<Integer, String> messages = new HashMap<>();
        long decisions = 0;
        int placed = 0;
        for (VirtualMachine vm : todo) {
            long d0 = System.nanoTime();
            boolean resched = vm.state() != VmState.PENDING;
            VmRequest request = VmRequest.of(vm, view, expressions);
            Placer.Outcome out = placer.place(request, resched ? vm.hostId() : -1);
            long took = System.nanoTime() - d0;
            decisions += took;
            if (took > longestDecisionNanos) {
                longestDecisionNanos = took;
            }
            if (out instanceof Placer.Placed p) {
                placed++;
                inFlight.put(vm.id(), new InFlight(request, p));
                steps.add(ctx.controller().submit(tx -> lifecycle.stamp(resched ? migrate(tx, vm.id(), p)
                        : deploy(tx, vm.id(), p))).whenComplete((work, err) -> {
                            inFlight.remove(vm.id());
                            if (err != null) {
                                refused(vm.id(), resched, p, err);
                            } else {
                                refusedBefore.remove(vm.id());
                                lifecycle.dispatch(work);
                            }
                        }));
            } else if (!resched) {
                String message = ((Placer.Unplaced) out).message();
                if (!message.equals(messageText(vm.userTemplate().get("SCHED_MESSAGE")))) {
                    messages.put(vm.id(), message);
                }
            }
        }
        if (!messages.isEmpty()) {
            steps.add(ctx.controller().submit(tx -> {
                String stamp = MESSAGE_TIME.format(Instant.ofEpochSecond(tx.now()).atZone(ZoneId.systemDefault()));
                for (Map.Entry<Integer, String> e : messages.entrySet()) {
                    if (tx.get(ObjectType.VM, e.getKey()) instanceof VirtualMachine vm && vm.state() == VmState.PENDING) {
                        tx.put(vm.withTemplate(vm.userTemplate().with("SCHED_MESSAGE", stamp + " : " + e.getValue())));
                    }
                }
                return null;
            }));
        }
        // overlap with the controller by one cycle, no more: the next cycle replays this one's decisions
        awaitSteps(previousSteps);
        previousSteps = steps;
        last = new CycleStats(todo.size(), placed, todo.size() - placed, decisions, System.nanoTime() - t0);
        total = total.plus(last);
        cycles++;
        log.debug("scheduling cycle: {} VMs, {} placed in {} ms ({} µs deciding per VM)", todo.size(), placed,
                (System.nanoTime() - t0) / 1_000_000, decisions / 1000 / Math.max(1, todo.size()));
        return more;
    }

    /**
     * A decision the controller refused. The first time the state has most likely moved under it (another
     * placement took the room): look again at once. Again: something the snapshot cannot show (a quota, a lease)
     * stands in the way; it goes to SCHED_MESSAGE and the VM waits for the next regular cycle, so a VM that can
     * never be deployed does not keep the scheduler busy.
     */
    private void refused(int vmId, boolean resched, Placer.Placed p, Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause() : err;
        log.debug("VM {}: scheduled {} to host {} refused: {}", vmId, resched ? "migration" : "deploy", p.hostId(),
                cause.getMessage());
        if (refusedBefore.add(vmId)) {
            wake();
            return;
        }
        String message = "Cannot dispatch VM: " + (resched ? "migration" : "deploy") + " to host " + p.hostId()
                + " refused: " + cause.getMessage();
        ctx.controller().submit(tx -> {
            if (tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm && vm.state() == VmState.PENDING
                    && !message.equals(messageText(vm.userTemplate().get("SCHED_MESSAGE")))) {
                String stamp = MESSAGE_TIME.format(Instant.ofEpochSecond(tx.now()).atZone(ZoneId.systemDefault()));
                tx.put(vm.withTemplate(vm.userTemplate().with("SCHED_MESSAGE", stamp + " : " + message)));
            }
            return null;
        });
    }

    private static void awaitSteps(List<CompletableFuture<?>> steps) {
        for (CompletableFuture<?> f : steps) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // refused steps are logged where they complete; the VM stays PENDING and is looked at again
            }
        }
    }

    /** The deploy step for a decision; null when the VM is no longer PENDING (deployed by hand meanwhile). */
    private static VmTransitions.Applied deploy(dev.nimbo.core.state.Transaction tx, int vmId, Placer.Placed p) {
        if (!(tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm) || vm.state() != VmState.PENDING) {
            return null;
        }
        VmTransitions.Applied a = VmMethods.stageDeploy(tx, vmId, p.hostId(), p.dsId(), true,
                VmTransitions.Requester.SYSTEM, null, p.nics());
        VirtualMachine placed = (VirtualMachine) tx.get(ObjectType.VM, vmId);
        if (placed.userTemplate().get("SCHED_MESSAGE") != null) {
            tx.put(placed.withTemplate(placed.userTemplate().without("SCHED_MESSAGE")));
            a = new VmTransitions.Applied((VirtualMachine) tx.get(ObjectType.VM, vmId), a.at(), a.driver(),
                    a.detached(), a.changed());
        }
        return a;
    }

    /** A rescheduled VM's cold migration to the chosen host, on its current system datastore. */
    private static VmTransitions.Applied migrate(dev.nimbo.core.state.Transaction tx, int vmId, Placer.Placed p) {
        if (!(tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm) || !vm.resched()
                || !vm.phase().isActive(LcmState.RUNNING)) {
            return null;
        }
        History cur = vm.lastHistory();
        return VmTransitions.applyOp(tx, vmId, VmOp.MIGRATE, VmTransitions.Requester.SYSTEM,
                new VmTransitions.Placement(p.hostId(), cur.dsId(), cur.tmMad(), true));
    }

    /** USER_PRIORITY of the VM (higher first), 0 when unset or not a number. */
    private static int priority(VirtualMachine vm) {
        String p = vm.userTemplate().get("USER_PRIORITY");
        try {
            return p == null ? 0 : Integer.parseInt(p.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A stored SCHED_MESSAGE without its time stamp. */
    private static String messageText(String stored) {
        if (stored == null) {
            return null;
        }
        int i = stored.indexOf(" : ");
        return i < 0 ? stored : stored.substring(i + 3);
    }
}
