package dev.nimbo.server.api.host;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Right;
import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.MonitoringStore;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vdc.Vdc;
import dev.nimbo.core.vdc.VdcActions;
import dev.nimbo.core.vdc.VdcResource;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.monitor.HostDrivers;
import dev.nimbo.server.monitor.HostMonitor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * one.host.* and one.hostpool.*: hosts with OpenNebula's semantics (HostAPI, HostPoolAPI). Hosts belong to
 * oneadmin; other users need ACL rules (e.g. {@code @100 HOST/* MANAGE}, or per cluster {@code HOST/%101}).
 * Levels as OpenNebula's reference: allocate CREATE (+ ADMIN on the cluster), status/update/delete/rename
 * ADMIN, info/monitoring/pool USE.
 */
public final class HostMethods {
    static final int ENABLED = 0;
    static final int DISABLED = 1;
    static final int OFFLINE = 2;

    private HostMethods() {
    }

    public static void register(ApiRegistry r) {
        r.register("one.host.allocate", HostMethods::allocate);
        r.register("one.host.delete", HostMethods::delete);
        r.register("one.host.status", HostMethods::status);
        r.register("one.host.update", HostMethods::update);
        r.register("one.host.rename", HostMethods::rename);
        r.register("one.host.info", HostMethods::info);
        r.register("one.host.monitoring", HostMethods::monitoring);
        r.register("one.hostpool.info", HostMethods::poolInfo);
        r.register("one.hostpool.monitoring", HostMethods::poolMonitoring);
    }

    // ------------------------------------------------------------------ allocate / delete

    static Object allocate(Call call) {
        call.params().arity(3, 4);
        String name = call.params().string(0);
        String im = call.params().string(1).strip();
        String vm = call.params().string(2).strip();
        int requested = call.params().integer(3, Cluster.NONE_ID);
        int clusterId = requested == Cluster.NONE_ID ? Cluster.DEFAULT_ID : requested;
        call.authorizeCreate(ObjectType.HOST);
        return call.write(tx -> {
            PoolObject c = tx.get(ObjectType.CLUSTER, clusterId);
            if (!(c instanceof Cluster cluster)) {
                throw ApiException.noExists("cluster", clusterId);
            }
            HostAccess.authorize(call, Right.ADMIN, cluster);
            String problem = nameProblem(name);
            if (problem == null) {
                problem = driverProblem(im, vm);
            }
            if (problem != null) {
                throw ApiException.allocate("host", problem);
            }
            PoolObject clash = tx.byName(ObjectType.HOST, 0, name);
            if (clash != null) {
                throw ApiException.allocate("host", "NAME is already taken by HOST " + clash.id() + ".");
            }
            int id = tx.nextId(ObjectType.HOST);
            Host host = Host.create(id, name, im, vm, cluster.id(), cluster.name()).withReservations(cluster);
            if (dev.nimbo.server.agent.AgentHub.KVM.equals(im)) {
                // a real host: the one-time token its agent enrols with (host show shows it until used)
                host = host.withUserTemplate(dev.nimbo.server.agent.AgentHub.of(call.ctx())
                        .withNewToken(host.template(), id, tx.now()), cluster);
            }
            tx.put(host);
            tx.put(cluster.withHost(id));
            return id;
        });
    }

    /**
     * OpenNebula's host name rules: 2 to 63 characters, letters, digits, '-', '.' and '_', not starting or
     * ending with '-', '.' or '_'; then the rules every object name follows.
     */
    static String nameProblem(String name) {
        if (name.length() < 2 || name.length() > 63) {
            return "Invalid HOSTNAME, HOSTNAME length should be greater than 1, but smaller than 64 characters";
        }
        char first = name.charAt(0);
        if (first == '-' || first == '.' || first == '_') {
            return "Invalid HOSTNAME, first character can't be '" + first + "'";
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                    || ch == '-' || ch == '.' || ch == '_';
            if (!ok) {
                String shown = Character.isISOControl(ch) ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
                return "Invalid HOSTNAME, '" + shown + "' is invalid character for a HOSTNAME";
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == '-' || last == '.' || last == '_') {
            return "Invalid HOSTNAME, last character can't be '" + last + "'";
        }
        String p = NameRules.problem(name, "");
        return p == null ? null : p + ".";
    }

    /** Empty or unknown drivers, with the names this server has. */
    static String driverProblem(String im, String vm) {
        if (im.isEmpty()) {
            return "IM_MAD_NAME cannot be empty.";
        }
        if (vm.isEmpty()) {
            return "VMM_MAD_NAME cannot be empty.";
        }
        if (!HostDrivers.imMads().contains(im)) {
            return "Unknown IM_MAD '" + im + "': this server has " + String.join(", ", HostDrivers.imMads()) + ".";
        }
        if (!HostDrivers.VM_MADS.contains(vm)) {
            return "Unknown VM_MAD '" + vm + "': this server has " + String.join(", ", HostDrivers.VM_MADS) + ".";
        }
        return null;
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Host h = require(tx, id);
            HostAccess.authorize(call, Right.ADMIN, h);
            if (h.share().runningVms() > 0 || !h.vms().isEmpty()) {
                throw ApiException.action("Cannot delete host. Can not remove a host with running VMs", id);
            }
            tx.delete(ObjectType.HOST, id);
            if (tx.get(ObjectType.CLUSTER, h.clusterId()) instanceof Cluster c) {
                tx.put(c.withoutHost(id));
            }
            leaveVdcs(tx, VdcResource.HOST, call.ctx().authorizer().zoneId(), id);
            for (PoolObject o : List.copyOf(tx.list(ObjectType.ACL))) {
                if (AclCleanup.objectDeleted(ObjectType.HOST, id).test((AclRule) o)) {
                    tx.delete(ObjectType.ACL, o.id());
                }
            }
            return id;
        });
    }

    /** A deleted host or cluster leaves the VDCs that held it, with the ACL rules they granted for it. */
    public static void leaveVdcs(Transaction tx, VdcResource kind, int zoneId, int id) {
        Vdc.ZoneResource r = new Vdc.ZoneResource(zoneId, id);
        for (PoolObject o : List.copyOf(tx.list(ObjectType.VDC))) {
            if (o instanceof Vdc v && v.resources(kind).contains(r)) {
                VdcActions.delResource(tx, v, kind, zoneId, id);
            }
        }
    }

    static Host require(Transaction tx, int id) {
        return tx.require(ObjectType.HOST, id);
    }

    // ------------------------------------------------------------------ changes

    static Object status(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int status = call.params().integer(1);
        return call.write(tx -> {
            Host h = require(tx, id);
            HostAccess.authorize(call, Right.ADMIN, h);
            Host next = switch (status) {
                case ENABLED -> h.enable();
                case DISABLED -> h.disable();
                case OFFLINE -> h.offline();
                default -> throw new ApiException(ErrorCode.INTERNAL, "Wrong status code", id);
            };
            if (next != h) {
                tx.put(next);
            }
            return id;
        });
    }

    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        Object result = call.write(tx -> {
            Host h = require(tx, id);
            HostAccess.authorize(call, Right.ADMIN, h);
            Template next = h.template().update(t, merge);
            String token = next.get(dev.nimbo.server.agent.AgentHub.TOKEN);
            if (token != null && !token.equals(h.template().get(dev.nimbo.server.agent.AgentHub.TOKEN))) {
                // AGENT_TOKEN set by hand (nimbo host token): a fresh token of ours, never the value given
                next = dev.nimbo.server.agent.AgentHub.of(call.ctx()).withNewToken(next, id, tx.now());
            }
            String im = next.get("IM_MAD");
            String vm = next.get("VM_MAD");
            String problem = driverProblem(blank(im) ? h.imMad() : im.strip(), blank(vm) ? h.vmMad() : vm.strip());
            if (problem != null) {
                throw ApiException.action(problem, id);
            }
            tx.put(h.withUserTemplate(next, (Cluster) tx.get(ObjectType.CLUSTER, h.clusterId())));
            return id;
        });
        // A changed template may change what the host reports (drivers, dummy hardware): monitor it now.
        HostMonitor monitor = HostMonitor.find(call.ctx());
        if (monitor != null) {
            monitor.requestMonitoring(id);
        }
        return result;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static Object rename(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String name = call.params().string(1);
        String problem = nameProblem(name);
        return call.write(tx -> {
            Host h = require(tx, id);
            if (h.name().equals(name)) {
                return id;
            }
            HostAccess.authorize(call, Right.ADMIN, h);
            PoolObject clash = tx.byName(ObjectType.HOST, 0, name);
            if (clash != null && clash.id() != id) {
                throw ApiException.action("host cannot be renamed to " + name + " because it collides with host "
                        + clash.id(), id);
            }
            if (problem != null) {
                throw ApiException.action(problem, id);
            }
            tx.put(h.withName(name));
            return id;
        });
    }

    // ------------------------------------------------------------------ reads

    static Object info(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        Host h = call.ctx().view().require(ObjectType.HOST, id);
        HostAccess.authorize(call, Right.USE, h);
        return call.ctx().renders().object(h);
    }

    /** Hosts the caller may USE (one.hostpool.info takes no filter; extra arguments are ignored). */
    static List<Host> visibleHosts(Call call) {
        List<Host> out = new ArrayList<>();
        for (PoolObject o : call.ctx().view().list(ObjectType.HOST)) {
            if (HostAccess.visible(call, o)) {
                out.add((Host) o);
            }
        }
        return out;
    }

    static Object poolInfo(Call call) {
        return call.ctx().renders().pool("HOST_POOL", visibleHosts(call));
    }

    static Object monitoring(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        Host h = call.ctx().view().require(ObjectType.HOST, id);
        HostAccess.authorize(call, Right.USE, h);
        HostMonitor monitor = HostMonitor.of(call.ctx());
        monitor.flushNow();
        return MonitoringStore.document(monitor.history().of(id));
    }

    /** one.hostpool.monitoring(seconds): 0 the newest record of each host, -1 all, N those of the last N seconds. */
    static Object poolMonitoring(Call call) {
        call.params().arity(0, 1);
        int seconds = call.params().integer(0, -1);
        Set<Integer> visible = new HashSet<>();
        for (Host h : visibleHosts(call)) {
            visible.add(h.id());
        }
        HostMonitor monitor = HostMonitor.of(call.ctx());
        monitor.flushNow();
        List<MonitoringStore.Entry> entries = seconds == 0 ? monitor.history().latest(visible::contains)
                : monitor.history().since(seconds < 0 ? -1 : call.ctx().now() - seconds, visible::contains);
        return MonitoringStore.document(entries);
    }

}
