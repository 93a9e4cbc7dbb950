package dev.nimbo.core.hook;

import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.Lockable;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.obj.Renamable;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A hook (hook.xsd): a COMMAND run with ARGUMENTS after an API CALL (type api) or when a HOST, VM, IMAGE or NET
 * reaches a STATE (type state), plus its execution log, newest last. The log lives in the object so that it is
 * stored, replicated and deleted with the hook through the single write path; it is bounded by the retention the
 * hook manager applies ({@link #withExecution}). Owned by oneadmin. Immutable.
 */
public record Hook(int id, String name, HookType hookType, Lock lock, Template template, List<HookExecution> log)
        implements Renamable<Hook>, Lockable<Hook> {

    /** OpenNebula's HOOK_LOG_CONF LOG_RETENTION default: executions kept per hook. */
    public static final int DEFAULT_LOG_RETENTION = 10;
    private static final Permissions PERMISSIONS = new Permissions(0600);

    public Hook {
        log = List.copyOf(log);
    }

    /**
     * A new hook from an allocate template (NAME already taken out), checked and normalised as OpenNebula's
     * Hook::insert does: COMMAND required, REMOTE normalised (and refused when YES: Nimbo runs hooks on the
     * front-end only), TYPE api or state, CALL an existing API method for api hooks, RESOURCE and STATE (ON,
     * LCM_STATE for VMs) for state hooks. Throws {@link HookException} with OpenNebula's message.
     */
    public static Hook define(int id, String name, Template t, Predicate<String> callExists) {
        String command = t.get("COMMAND");
        if (command == null || command.isEmpty()) {
            throw new HookException("No COMMAND in template for Hook.");
        }
        t = t.without("COMMAND").with("COMMAND", command);
        String remote = remote(t.get("REMOTE"));
        t = t.without("REMOTE").with("REMOTE", remote);
        HookType type = HookType.parse(t.get("TYPE"));
        if (type == null) {
            throw new HookException("No TYPE or invalid one in template for Hook.");
        }
        t = t.without("TYPE");
        t = type == HookType.API ? parseApi(t, callExists) : parseState(t);
        return new Hook(id, name, type, Lock.NONE, t, List.of());
    }

    /**
     * The hook after one.hook.update: the new template is checked as OpenNebula's post_update_template does
     * (COMMAND defined, CALL valid, STATE / LCM_STATE valid) and must not ask for REMOTE execution. TYPE cannot
     * change. Throws {@link HookException} with OpenNebula's message.
     */
    public Hook withTemplateChecked(Template next, Predicate<String> callExists) {
        String command = next.get("COMMAND");
        if (command == null || command.isEmpty()) {
            throw new HookException("The COMMAND attribute is not defined.");
        }
        Template t = next.without("TYPE");
        if (t.get("REMOTE") != null) {
            t = t.with("REMOTE", remote(t.get("REMOTE")));
        }
        if (hookType == HookType.API) {
            String call = t.get("CALL");
            if (call == null || !validCall(call, callExists)) {
                throw new HookException("The CALL attribute is not defined or it's invalid.");
            }
        } else {
            HookResource r = HookResource.parse(t.get("RESOURCE"));
            if (r == null) {
                String given = t.get("RESOURCE");
                throw new HookException(given == null || given.isEmpty() ? "RESOURCE attribute is required for STATE hooks."
                        : "Invalid resource type: " + given);
            }
            Integer state = r.state(t.get("STATE"));
            if (state == null || (state == 0 && r != HookResource.HOST && r != HookResource.VM)) {
                throw new HookException("The STATE attribute is not defined or it's invalid.");
            }
            t = t.with("STATE", r.stateName(state));
            if (r.hasLcmState()) {
                Integer lcm = r.lcmState(t.get("LCM_STATE"));
                if (lcm == null) {
                    throw new HookException("The LCM_STATE attribute is not defined or it's invalid.");
                }
                t = t.with("LCM_STATE", r.lcmStateName(lcm));
            }
        }
        return new Hook(id, name, hookType, lock, t, log);
    }

    /** "YES" or "NO" as OpenNebula stores REMOTE; YES is refused. */
    private static String remote(String given) {
        if (given != null && given.strip().equalsIgnoreCase("YES")) {
            throw new HookException("REMOTE hooks are not supported: Nimbo runs hooks on the front-end only, "
                    + "set REMOTE = NO or leave it out.");
        }
        return "NO";
    }

    private static boolean validCall(String call, Predicate<String> callExists) {
        return call.startsWith("one.internal") || callExists.test(call);
    }

    private static Template parseApi(Template t, Predicate<String> callExists) {
        String call = t.get("CALL");
        String c = call == null ? "" : call;
        if (!validCall(c, callExists)) {
            throw new HookException("API call does not exist or is not supported: " + c);
        }
        return t.without("CALL").with("CALL", c);
    }

    private static Template parseState(Template t) {
        String resource = t.get("RESOURCE");
        if (resource == null || resource.isEmpty()) {
            throw new HookException("RESOURCE attribute is required for STATE hooks.");
        }
        HookResource r = HookResource.parse(resource);
        if (r == null) {
            throw new HookException("Invalid resource type: " + resource);
        }
        String stateText = t.get("STATE");
        switch (r) {
            case HOST -> {
                Integer s = r.state(stateText);
                if (s == null) {
                    throw new HookException("Invalid STATE: " + nullToEmpty(stateText));
                }
                return t.without("STATE").with("STATE", r.stateName(s));
            }
            case IMAGE -> {
                if (stateText == null) {
                    throw new HookException("Hook STATE attribute not found or invalid");
                }
                Integer s = r.state(stateText);
                if (s == null || s == 0) {
                    throw new HookException("Invalid or unkown STATE condition: " + stateText);
                }
                return t.with("STATE", r.stateName(s));
            }
            case NET -> {
                Integer s = r.state(stateText);
                if (s == null || s == 0) {
                    throw new HookException("Invalid STATE: " + nullToEmpty(stateText));
                }
                return t.without("STATE").with("STATE", r.stateName(s));
            }
            case VM -> {
                return parseVm(t.without("ON"), nullToEmpty(t.get("ON")).toUpperCase(Locale.ROOT), r);
            }
            default -> throw new IllegalStateException(r.name());
        }
    }

    private static Template parseVm(Template t, String on, HookResource vm) {
        String state;
        String lcm;
        switch (on) {
            case "PROLOG" -> { state = "ACTIVE"; lcm = "PROLOG"; }
            case "RUNNING" -> { state = "ACTIVE"; lcm = "RUNNING"; }
            case "SHUTDOWN" -> { state = "ACTIVE"; lcm = "EPILOG"; }
            case "STOP" -> { state = "STOPPED"; lcm = "LCM_INIT"; }
            case "DONE" -> { state = "DONE"; lcm = "LCM_INIT"; }
            case "UNKNOWN" -> { state = "ACTIVE"; lcm = "UNKNOWN"; }
            case "CUSTOM" -> {
                Integer s = vm.state(t.get("STATE"));
                if (s == null) {
                    throw new HookException("Wrong STATE: " + nullToEmpty(t.get("STATE")));
                }
                Integer l = vm.lcmState(t.get("LCM_STATE"));
                if (l == null) {
                    throw new HookException("Wrong LCM_STATE: " + nullToEmpty(t.get("LCM_STATE")));
                }
                state = vm.stateName(s);
                lcm = vm.lcmStateName(l);
            }
            default -> throw new HookException("Unkown state condition: " + on);
        }
        return t.with("STATE", state).with("LCM_STATE", lcm);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------ what triggers it

    /** The API method an api hook follows (null for state hooks). */
    public String call() {
        return hookType == HookType.API ? template.get("CALL") : null;
    }

    /** The object kind a state hook watches (null for api hooks). */
    public HookResource resource() {
        return hookType == HookType.STATE ? HookResource.parse(template.get("RESOURCE")) : null;
    }

    /** Whether an object of the hook's resource now in {@code state} / {@code lcmState} triggers it. */
    public boolean matchesState(int state, int lcmState) {
        HookResource r = resource();
        if (r == null) {
            return false;
        }
        Integer want = r.state(template.get("STATE"));
        if (want == null || want != state) {
            return false;
        }
        if (!r.hasLcmState()) {
            return true;
        }
        Integer wantLcm = r.lcmState(template.get("LCM_STATE"));
        return wantLcm != null && wantLcm == lcmState;
    }

    /** ARGUMENTS_STDIN = yes / true: the arguments go to the command's standard input. */
    public boolean argumentsOnStdin() {
        String s = template.get("ARGUMENTS_STDIN");
        return s != null && (s.strip().equalsIgnoreCase("yes") || s.strip().equalsIgnoreCase("true"));
    }

    /** TIMEOUT in seconds; 0 (or absent, or not a positive number) means none. */
    public int timeoutSeconds() {
        String s = template.get("TIMEOUT");
        if (s == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(s.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ log

    /** The execution ID the next run gets: one more than the newest kept, as OpenNebula's HookLog counts. */
    public int nextExecutionId() {
        int max = -1;
        for (HookExecution e : log) {
            max = Math.max(max, e.executionId());
        }
        return max + 1;
    }

    public HookExecution execution(int executionId) {
        for (HookExecution e : log) {
            if (e.executionId() == executionId) {
                return e;
            }
        }
        return null;
    }

    /** The hook with one more log record (numbered here), keeping only the newest {@code retention}. */
    public Hook withExecution(HookExecution e, int retention) {
        List<HookExecution> next = new ArrayList<>(log.size() + 1);
        next.addAll(log);
        next.add(e.withIds(id, nextExecutionId()));
        int keep = Math.max(1, retention);
        if (next.size() > keep) {
            next = next.subList(next.size() - keep, next.size());
        }
        return new Hook(id, name, hookType, lock, template, next);
    }

    // ------------------------------------------------------------------ PoolObject

    @Override
    public ObjectType type() {
        return ObjectType.HOOK;
    }

    @Override
    public int uid() {
        return 0;
    }

    @Override
    public int gid() {
        return 0;
    }

    @Override
    public Permissions permissions() {
        return PERMISSIONS;
    }

    @Override
    public Hook withName(String n) {
        return new Hook(id, n, hookType, lock, template, log);
    }

    @Override
    public Hook withLock(Lock l) {
        return new Hook(id, name, hookType, l, template, log);
    }

    /** The full document, execution log included: what one.hook.info answers and what is stored. */
    @Override
    public void writeXml(XmlWriter w) {
        writeXml(w, true);
    }

    /** Without the log for one.hookpool.info, as OpenNebula lists hooks. */
    public void writeXml(XmlWriter w, boolean withLog) {
        w.open("HOOK").element("ID", id).element("NAME", name).element("TYPE", hookType.xmlName());
        lock.writeXml(w);
        template.writeXml(w);
        if (withLog) {
            w.open("HOOKLOG");
            for (HookExecution e : log) {
                e.writeXml(w);
            }
            w.close("HOOKLOG");
        }
        w.close("HOOK");
    }

    public static Hook fromXml(XmlNode h) {
        List<HookExecution> log = new ArrayList<>();
        XmlNode l = h.child("HOOKLOG");
        if (l != null) {
            for (XmlNode r : l.all("HOOK_EXECUTION_RECORD")) {
                log.add(HookExecution.fromXml(r));
            }
        }
        XmlNode t = h.child("TEMPLATE");
        HookType type = HookType.parse(h.text("TYPE"));
        if (type == null) {
            throw new IllegalArgumentException("hook " + h.text("ID") + " has no valid TYPE");
        }
        return new Hook(h.integer("ID", -1), h.text("NAME"), type, Lock.fromXml(h.child("LOCK")),
                t == null ? Template.EMPTY : Template.fromXml(t), log);
    }
}
