package dev.nimbo.server.hook;

import dev.nimbo.core.hook.Hook;
import dev.nimbo.core.hook.HookExecution;
import dev.nimbo.core.hook.HookResource;
import dev.nimbo.core.hook.HookType;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Record;
import dev.nimbo.server.rpc.CallListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs hooks. API hooks: as the pipeline's {@link CallListener} it sees each call of a method some hook
 * follows and, once it finished (successfully or not, as OpenNebula), runs those hooks with {@code $API}.
 * STATE hooks: from the controller's committed records it sees every new version of hosts, VMs, images and
 * networks, compares the STATE / LCM_STATE of their XML with the previous version's and runs the hooks whose
 * condition the new state meets, with {@code $TEMPLATE}. Each run happens on a virtual thread (at most
 * {@value #CONCURRENCY} at once, like OpenNebula's hook execution manager); its result goes into the hook's log
 * through the controller, as every change does. Nothing slow runs on the controller thread or in an action.
 * <p>
 * Threading: {@link #begin} is called by request threads; the commit listener by the controller thread (it
 * re-indexes the hooks there, so a hook is active as soon as its allocate returns, and queues state records);
 * one "nimbo-hook-states" thread compares states; executions run on their own virtual threads.
 */
public final class HookManager implements CallListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HookManager.class);
    static final int CONCURRENCY = 10;
    /** Method prefix → the type its allocate/delete calls concern, for the EXTRA section of $API. */
    private static final Map<String, ObjectType> PREFIX_TYPES = Map.ofEntries(
            Map.entry("one.vm", ObjectType.VM), Map.entry("one.host", ObjectType.HOST),
            Map.entry("one.vn", ObjectType.NET), Map.entry("one.image", ObjectType.IMAGE),
            Map.entry("one.user", ObjectType.USER), Map.entry("one.template", ObjectType.TEMPLATE),
            Map.entry("one.group", ObjectType.GROUP), Map.entry("one.datastore", ObjectType.DATASTORE),
            Map.entry("one.cluster", ObjectType.CLUSTER), Map.entry("one.document", ObjectType.DOCUMENT),
            Map.entry("one.zone", ObjectType.ZONE), Map.entry("one.secgroup", ObjectType.SECGROUP),
            Map.entry("one.vdc", ObjectType.VDC), Map.entry("one.vrouter", ObjectType.VROUTER),
            Map.entry("one.market", ObjectType.MARKETPLACE), Map.entry("one.marketapp", ObjectType.MARKETPLACEAPP),
            Map.entry("one.vmgroup", ObjectType.VMGROUP), Map.entry("one.vntemplate", ObjectType.VNTEMPLATE),
            Map.entry("one.hook", ObjectType.HOOK), Map.entry("one.backupjob", ObjectType.BACKUPJOB));

    private final Controller controller;
    private final ObjectsView view;
    private final Path hooksDir;
    private final Clock clock;
    private final int retention;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nimbo-hook-", 0).factory());
    private final Semaphore slots = new Semaphore(CONCURRENCY);
    private final BlockingQueue<List<Record>> stateRecords = new LinkedBlockingQueue<>();
    /** The latest version of every watched object, by type and ID: the "before" of the next version. State thread only. */
    private final Map<Long, PoolObject> lastSeen = new HashMap<>();
    private final Thread stateThread;
    private volatile Map<String, List<Integer>> apiHooks = Map.of();
    private volatile Map<HookResource, List<Integer>> stateHooks = Map.of();
    private volatile boolean running;

    public HookManager(Controller controller, Path hooksDir, Clock clock, int retention) {
        this.controller = controller;
        this.view = controller.published();
        this.hooksDir = hooksDir;
        this.clock = clock;
        this.retention = retention;
        this.stateThread = Thread.ofPlatform().name("nimbo-hook-states").daemon(true).unstarted(this::stateLoop);
    }

    /** A started manager with OpenNebula's default log retention; call before the API serves requests. */
    public static HookManager start(Controller controller, Path hooksDir, Clock clock) {
        HookManager m = new HookManager(controller, hooksDir, clock, Hook.DEFAULT_LOG_RETENTION);
        m.startListening();
        return m;
    }

    /** Loads the hooks, remembers the watched objects' current versions and starts listening to commits. */
    void startListening() {
        running = true;
        reindex();
        for (HookResource r : HookResource.values()) {
            for (PoolObject o : view.list(r.objectType())) {
                lastSeen.put(key(o.type(), o.id()), o);
            }
        }
        controller.addCommitListener(this::committed);
        stateThread.start();
    }

    /** The directory relative COMMANDs are found in. */
    public Path hooksDir() {
        return hooksDir;
    }

    // ------------------------------------------------------------------ API hooks

    @Override
    public Observation begin(String method, List<Object> params) {
        List<Integer> ids = apiHooks.get(method);
        if (ids == null || !running) {
            return null;
        }
        List<Object> copy = new ArrayList<>(params);
        // a deleted object's document must be taken before the call removes it
        String before = method.endsWith(".delete") && params.size() > 1 ? objectXml(method, params.get(1)) : null;
        return (success, value, code, objectId) -> {
            String extra = before;
            if (extra == null && success && method.endsWith(".allocate")) {
                extra = objectXml(method, value);
            }
            String api = ApiCallInfo.base64(method, copy, success, value, code, objectId, extra);
            for (int id : ids) {
                if (view.get(ObjectType.HOOK, id) instanceof Hook h && method.equals(h.call())) {
                    execute(h.id(), arguments(h, api, ""), false);
                }
            }
        };
    }

    private String objectXml(String method, Object id) {
        ObjectType type = PREFIX_TYPES.get(method.substring(0, method.lastIndexOf('.')));
        if (type == null || !(id instanceof Integer oid)) {
            return null;
        }
        PoolObject o = view.get(type, oid);
        return o == null ? null : o.toXml();
    }

    // ------------------------------------------------------------------ STATE hooks

    /** Controller thread: re-index hooks at once when they changed; hand watched objects to the state thread. */
    private void committed(List<Record> records) {
        if (!running) {
            return;
        }
        List<Record> watched = null;
        boolean hooksChanged = false;
        for (Record r : records) {
            ObjectType t = switch (r) {
                case Record.Put p -> p.object().type();
                case Record.Delete d -> d.type();
                case Record.LastId l -> null;
            };
            if (t == ObjectType.HOOK) {
                hooksChanged = true;
            } else if (t != null && HookResource.of(t) != null) {
                if (watched == null) {
                    watched = new ArrayList<>();
                }
                watched.add(r);
            }
        }
        if (hooksChanged) {
            reindex();
        }
        if (watched != null) {
            stateRecords.add(watched);
        }
    }

    private void stateLoop() {
        while (running) {
            List<Record> batch;
            try {
                batch = stateRecords.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                continue;
            }
            for (Record r : batch) {
                try {
                    stateChange(r);
                } catch (RuntimeException e) {
                    log.error("state hook evaluation failed for {}", r, e);
                }
            }
        }
    }

    private void stateChange(Record r) {
        if (r instanceof Record.Delete d) {
            lastSeen.remove(key(d.type(), d.id()));
            return;
        }
        if (!(r instanceof Record.Put p)) {
            return;
        }
        PoolObject now = p.object();
        PoolObject before = lastSeen.put(key(now.type(), now.id()), now);
        HookResource resource = HookResource.of(now.type());
        List<Integer> ids = stateHooks.get(resource);
        if (ids == null) {
            return; // no hook watches this kind: versions are remembered, nothing is rendered
        }
        int[] state = StateProbe.read(now);
        if (state[0] == StateProbe.NONE) {
            return;
        }
        if (before != null) {
            int[] old = StateProbe.read(before);
            if (old[0] == state[0] && old[1] == state[1]) {
                return;
            }
        }
        String template = null;
        for (int id : ids) {
            if (view.get(ObjectType.HOOK, id) instanceof Hook h && h.resource() == resource
                    && h.matchesState(state[0], state[1])) {
                if (template == null) {
                    template = Base64.getEncoder().encodeToString(now.toXml().getBytes(StandardCharsets.UTF_8));
                }
                execute(h.id(), arguments(h, "", template), false);
            }
        }
    }

    // ------------------------------------------------------------------ execution

    /** Runs a recorded execution again with its arguments (one.hook.retry); the new record has RETRY = yes. */
    public void retry(Hook hook, HookExecution record) {
        execute(hook.id(), record.arguments(), true);
    }

    /**
     * ARGUMENTS with {@code $API} and {@code $TEMPLATE} replaced, words joined by single spaces, as OpenNebula's
     * hook execution manager builds them (a placeholder that does not apply becomes empty).
     */
    static String arguments(Hook h, String api, String template) {
        String args = h.template().get("ARGUMENTS");
        if (args == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String word : args.strip().split("\\s+")) {
            String w = switch (word) {
                case "$API" -> api;
                case "$TEMPLATE" -> template;
                default -> word;
            };
            b.append(w).append(' ');
        }
        return b.toString().strip();
    }

    private void execute(int hookId, String arguments, boolean retry) {
        // Replicated front-ends: hooks run on the leader only (a follower's controller refuses writes).
        if (!running || !controller.acceptsWrites()) {
            return;
        }
        try {
            executor.execute(() -> {
                slots.acquireUninterruptibly();
                try {
                    runAndRecord(hookId, arguments, retry);
                } catch (RuntimeException e) {
                    log.error("hook {} failed to run", hookId, e);
                } finally {
                    slots.release();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.warn("hook {} not run: shutting down", hookId);
        }
    }

    private void runAndRecord(int hookId, String arguments, boolean retry) {
        if (!(view.get(ObjectType.HOOK, hookId) instanceof Hook h)) {
            return; // deleted meanwhile
        }
        String command = HookRunner.resolve(h.template().get("COMMAND"), hooksDir);
        HookRunner.Result r = HookRunner.run(command, arguments, h.argumentsOnStdin(), h.timeoutSeconds(), hooksDir);
        if (r.code() == 0) {
            log.info("hook {} ({}) executed", hookId, h.name());
        } else {
            log.warn("hook {} ({}) failed with code {}", hookId, h.name(), r.code());
        }
        HookExecution e = new HookExecution(hookId, -1, clock.millis() / 1000, arguments, r.command(),
                HookExecution.encode(r.stdout()), HookExecution.encode(r.stderr()), r.code(), retry);
        controller.submit(tx -> {
            if (tx.get(ObjectType.HOOK, hookId) instanceof Hook current) {
                tx.put(current.withExecution(e, retention));
            }
            return null;
        }).whenComplete((ok, failure) -> {
            if (failure != null) {
                log.warn("execution of hook {} not recorded: {}", hookId, failure.getMessage());
            }
        });
    }

    private void reindex() {
        Map<String, List<Integer>> api = new HashMap<>();
        Map<HookResource, List<Integer>> state = new EnumMap<>(HookResource.class);
        for (PoolObject o : view.list(ObjectType.HOOK)) {
            Hook h = (Hook) o;
            if (h.hookType() == HookType.API && h.call() != null) {
                api.computeIfAbsent(h.call(), k -> new ArrayList<>()).add(h.id());
            } else if (h.resource() != null) {
                state.computeIfAbsent(h.resource(), k -> new ArrayList<>()).add(h.id());
            }
        }
        api.replaceAll((k, v) -> List.copyOf(v));
        state.replaceAll((k, v) -> List.copyOf(v));
        apiHooks = Map.copyOf(api);
        stateHooks = state;
    }

    private static long key(ObjectType type, int id) {
        return ((long) type.ordinal() << 32) | (id & 0xFFFFFFFFL);
    }

    /** Stops taking events, lets running hooks finish for a few seconds, then kills what is left. */
    @Override
    public void close() {
        running = false;
        stateThread.interrupt();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
            stateThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
