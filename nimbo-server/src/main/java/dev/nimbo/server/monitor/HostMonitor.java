package dev.nimbo.server.monitor;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostMonitorResults;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.core.host.MonitoringException;
import dev.nimbo.core.host.MonitoringSample;
import dev.nimbo.core.host.MonitoringStore;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Record;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.store.JdbcMonitoringStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Monitors hosts through their information drivers and keeps the monitoring history. Every host that is not
 * OFFLINE is monitored once per interval (hosts in INIT, just created or enabled, at once; hosts found at
 * start spread over the first interval), at most one monitoring per host at a time. A driver's answer comes
 * back as one controller action ({@link HostMonitorResults}) that updates the host: capacity, NUMA, PCI,
 * reported attributes and MONITORED, or ERROR with the reason. Records of successful monitorings are
 * appended to the {@link MonitoringStore} in batches off the controller thread and expired after the
 * configured time; a deleted host's history goes with it.
 *
 * <p>One per daemon, found by its controller ({@link #of}); its timer threads only poll, start driver calls
 * and write history, never block the controller. Thread-safe.
 */
public final class HostMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostMonitor.class);
    private static final Map<Controller, HostMonitor> RUNNING = new ConcurrentHashMap<>();
    private static final int MAX_HISTORY_BATCH = 5_000;

    private final Controller controller;
    private final ObjectsView view;
    private final MonitoringStore history;
    private final Map<String, InformationDriver> drivers;
    private final MonitorSettings settings;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<Integer, Long> lastStart = new ConcurrentHashMap<>();
    private final Set<Integer> inFlight = ConcurrentHashMap.newKeySet();
    /** Hosts asked for while their monitoring ran: monitored again as soon as it ends. */
    private final Set<Integer> again = ConcurrentHashMap.newKeySet();
    private final Queue<Integer> urgent = new ConcurrentLinkedQueue<>();
    private final Queue<Integer> deleted = new ConcurrentLinkedQueue<>();
    private final Queue<MonitoringStore.Entry> pending = new ConcurrentLinkedQueue<>();
    /** Registered with the controller while running; one object, so close can remove it. */
    private final java.util.function.Consumer<List<Record>> commitListener = this::onCommit;
    private volatile boolean closed;

    HostMonitor(Controller controller, ObjectsView view, MonitoringStore history, Map<String, InformationDriver> drivers,
                MonitorSettings settings, Clock clock) {
        this.controller = controller;
        this.view = view;
        this.history = history;
        this.drivers = Map.copyOf(drivers);
        this.settings = settings;
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "nimbo-host-monitor");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts the daemon's host monitor, with the history in the daemon's database. Called once at start, after
     * the controller runs; a second call returns the running one.
     */
    public static HostMonitor start(ApiContext ctx) {
        return RUNNING.computeIfAbsent(ctx.controller(), c -> {
            HostMonitor m = new HostMonitor(c, ctx.view(), JdbcMonitoringStore.open(ctx.config().effectiveDbUrl(),
                            JdbcMonitoringStore.Kind.HOSTS),
                    HostDrivers.informationDrivers(dev.nimbo.server.agent.AgentHub.linkOf(ctx)),
                    MonitorSettings.fromEnvironment(), ctx.clock());
            m.begin();
            return m;
        });
    }

    /** The daemon's monitor; INTERNAL when it is not running. */
    public static HostMonitor of(ApiContext ctx) {
        HostMonitor m = RUNNING.get(ctx.controller());
        if (m == null) {
            throw ApiException.internal("Host monitoring is not running");
        }
        return m;
    }

    /** The daemon's monitor, or null when it is not running. */
    public static HostMonitor find(ApiContext ctx) {
        return RUNNING.get(ctx.controller());
    }

    /** Stops the monitor of a daemon, writing the history it still holds (call before the controller closes). */
    public static void stop(Controller controller) {
        HostMonitor m = RUNNING.remove(controller);
        if (m != null) {
            m.close();
        }
    }

    void begin() {
        controller.addCommitListener(commitListener);
        long intervalMs = settings.interval().toMillis();
        long tick = Math.max(50, Math.min(250, intervalMs / 10));
        timer.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::flushHistory, 1000, Math.min(1000, intervalMs), TimeUnit.MILLISECONDS);
        long expiryEvery = Math.max(1000, Math.min(600_000, settings.expiration().toMillis() / 4));
        timer.scheduleWithFixedDelay(this::expireHistory, expiryEvery, expiryEvery, TimeUnit.MILLISECONDS);
        log.info("host monitor: every {} ms, timeout {} ms, history kept {} s, drivers {}", intervalMs,
                settings.timeout().toMillis(), settings.expiration().toSeconds(), drivers.keySet());
    }

    public MonitoringStore history() {
        return history;
    }

    public MonitorSettings settings() {
        return settings;
    }

    /** Monitors the host at the next tick (e.g. after its template changed). */
    public void requestMonitoring(int hostId) {
        urgent.add(hostId);
    }

    // ------------------------------------------------------------------ polling

    /** Runs on the controller thread after each commit: only queues work. */
    private void onCommit(List<Record> records) {
        if (closed) {
            return;
        }
        for (Record r : records) {
            if (r instanceof Record.Put(Host h) && h.state() == HostState.INIT) {
                urgent.add(h.id());
            } else if (r instanceof Record.Delete(ObjectType type, int id) && type == ObjectType.HOST) {
                deleted.add(id);
            }
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            long now = clock.millis();
            long intervalMs = settings.interval().toMillis();
            Integer id;
            while ((id = urgent.poll()) != null) {
                if (view.get(ObjectType.HOST, id) instanceof Host h && h.state().monitored()) {
                    if (inFlight.contains(h.id())) {
                        again.add(h.id());
                    } else {
                        start(h, now);
                    }
                }
            }
            for (PoolObject o : view.list(ObjectType.HOST)) {
                Host h = (Host) o;
                if (!h.state().monitored() || inFlight.contains(h.id())) {
                    continue;
                }
                Long last = lastStart.get(h.id());
                if (last == null) {
                    if (h.state() == HostState.INIT) {
                        start(h, now);
                    } else {
                        // Known hosts at start: spread their first monitoring over one interval.
                        lastStart.put(h.id(), now - intervalMs + Math.floorMod(h.id() * 7919L, intervalMs));
                    }
                } else if (now - last >= intervalMs) {
                    start(h, now);
                }
            }
        } catch (RuntimeException e) {
            log.error("host monitor tick failed", e);
        }
    }

    private void start(Host h, long nowMs) {
        if (!inFlight.add(h.id())) {
            return;
        }
        lastStart.put(h.id(), nowMs);
        InformationDriver driver = drivers.get(h.imMad());
        CompletableFuture<HostMonitoring> f;
        if (driver == null) {
            f = CompletableFuture.failedFuture(new MonitoringException("Cannot find IM driver '" + h.imMad() + "'"));
        } else {
            try {
                f = driver.monitor(h);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
        }
        f.orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> finish(h.id(), result, error));
    }

    private void finish(int hostId, HostMonitoring result, Throwable error) {
        String failure = error == null ? null : reason(error);
        controller.submit(tx -> HostMonitorResults.apply(tx, hostId, result, failure))
                .whenComplete((MonitoringSample sample, Throwable e) -> {
                    inFlight.remove(hostId);
                    if (again.remove(hostId)) {
                        urgent.add(hostId);
                    }
                    if (sample != null) {
                        pending.add(new MonitoringStore.Entry(hostId, sample.timestamp(), sample.toXml()));
                    }
                    if (e != null && !closed) {
                        log.warn("could not record the monitoring of host {}: {}", hostId, e.getMessage());
                    }
                });
    }

    private String reason(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof TimeoutException) {
            return "monitoring timed out after " + settings.timeout().toSeconds() + " s";
        }
        if (t instanceof MonitoringException) {
            return t.getMessage();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    // ------------------------------------------------------------------ history

    private synchronized void flushHistory() {
        try {
            // Records of hosts deleted meanwhile are dropped here; deletions run after the appends.
            List<MonitoringStore.Entry> batch = new ArrayList<>();
            MonitoringStore.Entry e;
            while (batch.size() < MAX_HISTORY_BATCH && (e = pending.poll()) != null) {
                if (view.get(ObjectType.HOST, e.id()) != null) {
                    batch.add(e);
                }
            }
            if (!batch.isEmpty()) {
                history.append(batch);
            }
            Integer id;
            while ((id = deleted.poll()) != null) {
                lastStart.remove(id);
                history.delete(id);
            }
        } catch (RuntimeException e) {
            log.warn("could not write host monitoring history: {}", e.getMessage());
        }
    }

    private void expireHistory() {
        try {
            int n = history.expire(clock.millis() / 1000 - settings.expiration().toSeconds());
            if (n > 0) {
                log.debug("expired {} host monitoring records", n);
            }
        } catch (RuntimeException e) {
            log.warn("could not expire host monitoring history: {}", e.getMessage());
        }
    }

    /**
     * Keeps a monitoring record taken on the host while it could not be reached (its agent buffered it) in the
     * history only: the host's current state comes from the monitorings this monitor runs. A record that does not
     * parse is dropped with a warning.
     */
    public void recordHistory(int hostId, byte[] monitoringXml) {
        try {
            MonitoringSample s = MonitoringSample.fromXml(dev.nimbo.core.xml.XmlNode.parse(
                    new String(monitoringXml, java.nio.charset.StandardCharsets.UTF_8)));
            if (s != null && s.timestamp() > 0) {
                pending.add(new MonitoringStore.Entry(hostId, s.timestamp(), s.forHost(hostId, s.timestamp()).toXml()));
            }
        } catch (RuntimeException e) {
            log.warn("host {}: a buffered monitoring record was unreadable: {}", hostId, e.getMessage());
        }
    }

    /** Writes what is queued first, so a query right after a monitoring sees it. */
    public void flushNow() {
        flushHistory();
    }

    @Override
    public void close() {
        closed = true;
        // A leader that lost leadership stops its monitor and may start another later: leave no listener behind.
        controller.removeCommitListener(commitListener);
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushHistory();
        history.close();
    }
}
