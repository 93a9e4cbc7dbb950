package dev.nimbo.server.api.hook;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.hook.Hook;
import dev.nimbo.core.hook.HookException;
import dev.nimbo.core.hook.HookExecution;
import dev.nimbo.core.hook.HookType;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.render.RenderCache;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.hook.HookManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * one.hook.*, one.hookpool.info and one.hooklog.info. Hooks belong to oneadmin and no ACL rule can name them,
 * so in practice only the oneadmin group manages them. Levels as OpenNebula's: info USE (the log included);
 * update, delete, rename, lock, unlock and retry MANAGE; allocate CREATE; the log query needs the oneadmin group.
 * Registered where the {@link HookManager} is wired, since retry hands executions to it.
 */
public final class HookMethods {
    private static final String PREFIX = "one.hook";
    /** Calls OpenNebula does not let API hooks follow (reads). */
    /** Hooks as one.hookpool.info lists them: without their execution log. */
    static final RenderCache.Form POOL_FORM = RenderCache.Form.of("hook-pool", (o, w) -> ((Hook) o).writeXml(w, false));

    private static final Set<String> UNSUPPORTED_CALLS = Set.of("one.vm.info", "one.vmpool.info",
            "one.vmpool.infoextended", "one.template.info", "one.templatepool.info", "one.host.info",
            "one.hostpool.info", "one.group.info", "one.grouppool.info", "one.groupquota.info", "one.vn.info",
            "one.vnpool.info", "one.user.info", "one.userpool.info", "one.userquota.info", "one.datastore.info",
            "one.datastorepool.info", "one.image.info", "one.imagepool.info", "one.acl.info", "one.vntemplate.info",
            "one.vntemplatepool.info", "one.cluster.info", "one.clusterpool.info", "one.document.info",
            "one.documentpool.info", "one.zone.info", "one.zonepool.info", "one.secgroup.info",
            "one.secgrouppool.info", "one.vmgroup.info", "one.vmgrouppool.info", "one.vdc.info", "one.vdcpool.info",
            "one.vrouter.info", "one.vrouterpool.info", "one.market.info", "one.marketpool.info",
            "one.marketapp.info", "one.marketapppool.info", "one.hook.info", "one.hookpool.info",
            "one.hooklog.info");

    private HookMethods() {
    }

    public static void register(ApiRegistry r, HookManager manager) {
        Predicate<String> callExists = name -> r.find(name) != null && !UNSUPPORTED_CALLS.contains(name);
        r.register(PREFIX + ".allocate", c -> allocate(c, callExists));
        r.register(PREFIX + ".delete", HookMethods::delete);
        r.register(PREFIX + ".update", c -> update(c, callExists));
        r.register(PREFIX + ".rename", c -> SharedMethods.rename(c, ObjectType.HOOK));
        r.register(PREFIX + ".info", HookMethods::info);
        r.register(PREFIX + ".lock", c -> SharedMethods.lock(c, ObjectType.HOOK));
        r.register(PREFIX + ".unlock", c -> SharedMethods.unlock(c, ObjectType.HOOK));
        r.register(PREFIX + ".retry", c -> retry(c, manager));
        r.register("one.hookpool.info", HookMethods::poolInfo);
        r.register("one.hooklog.info", HookMethods::logInfo);
    }

    static Object allocate(Call call, Predicate<String> callExists) {
        call.params().arity(1, 1);
        Template t = Templates.parse(call, call.params().string(0));
        call.authorizeCreate(ObjectType.HOOK);
        if (HookType.parse(t.get("TYPE")) == null) {
            throw allocateError("Invalid Hook type: " + (t.get("TYPE") == null ? "" : t.get("TYPE")));
        }
        String name = t.get("NAME");
        if (name == null || name.isEmpty()) {
            throw allocateError("No NAME in template for Hook.");
        }
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw allocateError(problem + ".");
        }
        return call.write(tx -> {
            PoolObject clash = tx.byName(ObjectType.HOOK, 0, name);
            if (clash != null) {
                throw allocateError("NAME is already taken by Hook " + clash.id() + ".");
            }
            int id = tx.nextId(ObjectType.HOOK);
            try {
                tx.put(Hook.define(id, name, t.without("NAME"), callExists));
            } catch (HookException e) {
                throw allocateError(e.getMessage());
            }
            return id;
        });
    }

    private static ApiException allocateError(String reason) {
        return ApiException.allocate(ObjectType.HOOK.humanName(), reason);
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Hook h = tx.require(ObjectType.HOOK, id);
            call.authorize(Right.MANAGE, h);
            tx.delete(ObjectType.HOOK, id);
            return id;
        });
    }

    static Object update(Call call, Predicate<String> callExists) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            Hook h = tx.require(ObjectType.HOOK, id);
            call.authorize(Right.MANAGE, h);
            try {
                tx.put(h.withTemplateChecked(h.template().update(t, merge), callExists));
            } catch (HookException e) {
                throw new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Cannot update template. "
                        + e.getMessage(), id);
            }
            return id;
        });
    }

    static Object info(Call call) {
        call.params().arity(1, 2);
        Hook h = call.ctx().view().require(ObjectType.HOOK, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, h);
        return call.ctx().renders().object(h);
    }

    /** Runs a logged execution again, asynchronously: the new record appears in the log when it finishes. */
    static Object retry(Call call, HookManager manager) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int executionId = call.params().integer(1);
        Hook h = call.ctx().view().require(ObjectType.HOOK, id);
        call.authorize(Right.MANAGE, h);
        HookExecution record = h.execution(executionId);
        if (record == null) {
            throw new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Hook " + id + " has no execution "
                    + executionId + " in its log (it keeps the last executions only).", id);
        }
        manager.retry(h, record);
        return id;
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 3);
        return call.ctx().renders().pool(ObjectType.HOOK.poolRoot(), SharedMethods.poolSelect(call, ObjectType.HOOK),
                POOL_FORM);
    }

    /**
     * Execution records of every hook, filtered by time (min_ts < TIMESTAMP < max_ts, -1 for no bound), hook ID
     * (-1 for all) and result (-1 failed, 1 succeeded, 0 all); newest hook first, as OpenNebula lists them.
     */
    static Object logInfo(Call call) {
        call.params().arity(4, 4);
        long minTs = call.params().longInteger(0);
        long maxTs = call.params().longInteger(1);
        int hookId = call.params().integer(2);
        int rc = call.params().integer(3);
        if (!call.subject().isOneadmin()) {
            throw ApiException.authorization("[" + call.method() + "] User [" + call.subject().uid()
                    + "] not authorized to perform action on hook.");
        }
        List<HookExecution> out = new ArrayList<>();
        for (PoolObject o : call.ctx().view().list(ObjectType.HOOK)) {
            for (HookExecution e : ((Hook) o).log()) {
                if ((minTs >= 0 && e.timestamp() <= minTs) || (maxTs >= 0 && e.timestamp() >= maxTs)
                        || (hookId >= 0 && e.hookId() != hookId)
                        || (rc == -1 && e.succeeded()) || (rc == 1 && !e.succeeded())) {
                    continue;
                }
                out.add(e);
            }
        }
        out.sort(Comparator.comparingInt(HookExecution::hookId).reversed()
                .thenComparingInt(HookExecution::executionId));
        XmlWriter w = new XmlWriter(new StringBuilder(1024));
        w.open("HOOKLOG");
        for (HookExecution e : out) {
            e.writeXml(w);
        }
        w.close("HOOKLOG");
        return w.toString();
    }
}
