package dev.nimbo.server.api.vm;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmContext;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmDefinition;
import dev.nimbo.core.vm.VmMonitoring;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmQuotas;
import dev.nimbo.core.vm.VmResources;
import dev.nimbo.core.vm.VmRestrictions;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.vm.VmLifecycle;
import java.util.List;

/**
 * one.vm.*: create, place, act on and inspect VMs. Each life-cycle method authorizes at the level its action
 * needs (oned's default operation lists: deploy, recover and retry ADMIN; the rest MANAGE), stages the step with
 * {@link VmTransitions} in one controller action, and then hands the driver work to {@link VmLifecycle}. The
 * pool listings, monitoring, accounting and showback are in {@link VmPoolMethods}.
 */
public final class VmMethods {
    /** OpenNebula's default umask 177: new VMs are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);

    private VmMethods() {
    }

    public static void register(ApiRegistry r) {
        // chmod, rename, lock and unlock are the shared ones (VMs have no unique names); update edits USER_TEMPLATE
        ApiRegistry shared = new ApiRegistry();
        SharedMethods.register(shared, "one.vm", ObjectType.VM);
        for (String m : List.of("chmod", "rename", "lock", "unlock")) {
            r.register("one.vm." + m, shared.find("one.vm." + m));
        }
        r.register("one.vm.update", VmMethods::update);
        r.register("one.vm.allocate", VmMethods::allocate);
        r.register("one.vm.info", VmMethods::info);
        r.register("one.vm.deploy", VmMethods::deploy);
        r.register("one.vm.action", VmMethods::action);
        r.register("one.vm.migrate", VmMethods::migrate);
        r.register("one.vm.resize", VmMethods::resize);
        r.register("one.vm.recover", VmMethods::recover);
        r.register("one.vm.chown", VmMethods::chown);
        r.register("one.vm.monitoring", VmMethods::monitoring);
        VmPoolMethods.register(r);
        VmSnapshotMethods.register(r);
        VmDiskSnapshotMethods.register(r);
        VmDiskSaveasMethods.register(r);
        VmSecgroupMethods.register(r);
        VmUpdateconfMethods.register(r);
        VmNicUpdateMethods.register(r);
        VmPciMethods.register(r);
        VmHotplugMethods.register(r);
        VmSchedMethods.register(r);
        VmBackupMethods.register(r);
        r.register("one.template.instantiate", c -> VmInstantiate.instantiate(c, r));
    }

    static VmTransitions.Requester requester(Call call) {
        return new VmTransitions.Requester(call.subject().uid(), call.subject().gid(), -1);
    }

    /**
     * Stages a step in a controller action and hands its driver work to the life cycle; returns the VM's ID. A
     * step whose host cannot be reached now is refused (ACTION, nothing written).
     */
    static int step(Call call, java.util.function.Function<Transaction, VmTransitions.Applied> action) {
        return step(call, action, true);
    }

    /** As {@link #step(Call, java.util.function.Function)}; recover (an admin's way out) skips the host check. */
    static int step(Call call, java.util.function.Function<Transaction, VmTransitions.Applied> action,
                    boolean needsHost) {
        VmLifecycle l = VmLifecycle.of(call.ctx());
        VmLifecycle.Work w = call.write(tx -> {
            VmTransitions.Applied a = action.apply(tx);
            if (needsHost) {
                dev.nimbo.server.edge.HostReachability.require(call.ctx(), tx, a);
            }
            return l.stamp(a);
        });
        l.dispatch(w);
        return w.vm().id();
    }

    // ------------------------------------------------------------------ allocate

    static Object allocate(Call call) {
        call.params().arity(1, 2);
        Template t = Templates.parse(call, call.params().string(0));
        boolean hold = call.params().bool(1, false);
        call.authorizeCreate(ObjectType.VM);
        checkRestricted(call, t);
        int uid = call.subject().uid();
        int gid = call.subject().gid();
        return call.write(tx -> create(call, tx, t, hold, uid, call.subject().uname(), gid, call.subject().gname()));
    }

    /**
     * Creates a VM from a template in a transaction: parse and check, take images and leases (each needs USE),
     * charge quotas, store it PENDING (or HOLD). Shared with one.template.instantiate. Returns its ID.
     */
    public static int create(Call call, Transaction tx, Template t, boolean hold, int uid, String uname, int gid,
                             String gname) {
        int id = tx.nextId(ObjectType.VM);
        VmDefinition.Parsed p = VmDefinition.parse(t, id);
        String badExpression = dev.nimbo.core.sched.SchedExpressions.problem(p.userTemplate(), p.vmTemplate());
        if (badExpression != null) {
            throw ApiException.allocate("virtual machine", badExpression);
        }
        Template vmTemplate;
        try {
            vmTemplate = VmResources.acquire(tx, id, call.subject().uid(), uid, gid, p.vmTemplate(),
                    o -> call.authorize(Right.USE, o));
        } catch (ApiException e) {
            // an image or lease that cannot be taken fails the allocation, as oned reports it
            if (e.code() == ErrorCode.ACTION) {
                throw ApiException.allocate("virtual machine", e.getMessage());
            }
            throw e;
        }
        User owner = (User) tx.get(ObjectType.USER, uid);
        vmTemplate = VmContext.generate(vmTemplate, uid, uname, owner == null ? Template.EMPTY : owner.template());
        vmTemplate = dev.nimbo.core.vm.VmSchedActions.normalize(vmTemplate, id, tx.now(), tx.now());
        VirtualMachine vm = VirtualMachine.builder(id, p.name(), hold || p.submitOnHold() ? VmState.HOLD : VmState.PENDING)
                .owner(uid, uname, gid, gname).permissions(DEFAULT_PERMISSIONS).stime(tx.now())
                .vmTemplate(VmDefinition.sorted(vmTemplate)).userTemplate(p.userTemplate())
                .schedActions(dev.nimbo.core.vm.VmSchedActions.ids(vmTemplate)).build();
        try {
            vm = dev.nimbo.core.vm.VmBackups.atCreate(vm); // BACKUP_CONFIG moves into BACKUPS
        } catch (ApiException e) {
            throw ApiException.allocate("virtual machine", e.getMessage());
        }
        VmTransitions.create(tx, vm, call.subject().uid());
        return id;
    }

    /** Tenants may not set restricted attributes (AUTHORIZATION with oned's message). */
    static void checkRestricted(Call call, Template t) {
        if (!call.subject().isOneadmin()) {
            String r = VmRestrictions.VM.firstIn(t);
            if (r != null) {
                throw ApiException.authorization(VmRestrictions.message(r));
            }
        }
    }

    /** one.vm.update: USER_TEMPLATE replaced or merged; tenants may not change restricted attributes. */
    static Object update(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean merge = Templates.mergeFlag(call, 2);
        return call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.UPDATE.defaultRight(), vm);
            Template incoming = t;
            if (!call.subject().isOneadmin()) {
                String r = VmRestrictions.VM.changed(t, vm.userTemplate(), merge);
                if (r != null) {
                    throw ApiException.authorization(VmRestrictions.message(r));
                }
                incoming = merge ? t : VmRestrictions.VM.keep(t, vm.userTemplate());
            }
            Template next = vm.userTemplate().update(incoming, merge);
            // a scheduling expression that does not parse would leave the VM pending forever: refuse it here
            String badExpression = dev.nimbo.core.sched.SchedExpressions.problem(next, null);
            if (badExpression != null) {
                throw new ApiException(ErrorCode.INTERNAL, "[" + call.method() + "] Cannot update template. "
                        + badExpression, id);
            }
            tx.put(vm.withTemplate(next));
            return id;
        });
    }

    // ------------------------------------------------------------------ info

    static Object info(Call call) {
        call.params().arity(1, 2);
        VirtualMachine vm = call.ctx().view().require(ObjectType.VM, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, vm);
        return call.ctx().renders().object(vm);
    }

    // ------------------------------------------------------------------ deploy

    static Object deploy(Call call) {
        call.params().arity(2, 5);
        int id = call.params().integer(0);
        int hid = call.params().integer(1);
        boolean enforce = call.params().bool(2, false);
        int dsParam = call.params().integer(3, -1);
        // the extra template names the networks of NICs in automatic mode: NIC = [ NIC_ID = 0, NETWORK_ID = 3 ]
        java.util.Map<Integer, Integer> nics = new java.util.HashMap<>();
        if (call.params().has(4) && !call.params().string(4).isBlank()) {
            for (dev.nimbo.core.template.VectorAttribute nic : Templates.parse(call, call.params().string(4))
                    .vectors("NIC")) {
                try {
                    nics.put(Integer.parseInt(nic.get("NIC_ID").strip()), Integer.parseInt(nic.get("NETWORK_ID").strip()));
                } catch (RuntimeException e) {
                    throw ApiException.action("Each NIC of the deployment template needs a NIC_ID and a NETWORK_ID", id);
                }
            }
        }
        return step(call, tx -> stageDeploy(tx, id, hid, dsParam, enforce, requester(call), call, nics));
    }

    /**
     * The deploy step, shared by one.vm.deploy and the scheduler: VM {@code id} to host {@code hid} and system
     * datastore {@code dsParam} (-1: the one it was stopped or undeployed from, else its cluster's first). With a
     * {@code call} the caller must be allowed to (ADMIN on the VM by default, MANAGE on the host, USE on the
     * datastore) and only administrators may overcommit; without one (the scheduler) capacity is always enforced.
     * {@code autoNics} names the network of each NIC in automatic mode, by NIC_ID.
     */
    public static VmTransitions.Applied stageDeploy(Transaction tx, int id, int hid, int dsParam, boolean enforce,
                                                    VmTransitions.Requester who, Call call,
                                                    java.util.Map<Integer, Integer> autoNics) {
        VirtualMachine vm = tx.require(ObjectType.VM, id);
        Host host = tx.require(ObjectType.HOST, hid);
        if (host.state() == HostState.OFFLINE) {
            throw ApiException.action("Host is offline, cannot use it to deploy VM", hid);
        }
        int dsId = dsParam;
        History last = vm.lastHistory();
        if (dsId < 0 && last != null && (last.action() == VmAction.STOP || last.action() == VmAction.UNDEPLOY
                || last.action() == VmAction.UNDEPLOY_HARD)) {
            dsId = last.dsId();
        }
        Datastore ds = dsId < 0 ? defaultSystemDs(tx, host) : systemDs(tx, dsId, host);
        if (call != null) {
            call.authorize(VmAction.DEPLOY.defaultRight(), vm);
            call.authorize(Right.MANAGE, host);
            call.authorize(Right.USE, ds);
        }
        // NICs in automatic mode get their networks (and leases) now; the scheduler chose among networks the
        // owner may use, and the check is repeated here
        dev.nimbo.core.vm.VmNicAuto.resolve(tx, vm, host.clusterId(), autoNics, call != null
                ? o -> call.authorize(Right.USE, o)
                : o -> {
                    if (o instanceof dev.nimbo.core.vnet.VirtualNetwork vn
                            && !dev.nimbo.core.vm.VmNicAuto.mayUse(vn, vm.uid(), vm.gid())) {
                        throw ApiException.authorization("the VM's owner may not use virtual network " + vn.id());
                    }
                });
        // only administrators may overcommit a host
        boolean enforced = enforce || call == null || !call.subject().isOneadmin();
        return VmTransitions.applyOp(tx, id, VmOp.DEPLOY, who,
                new VmTransitions.Placement(hid, ds.id(), ds.tmMad(), enforced));
    }

    private static Datastore defaultSystemDs(Transaction tx, Host host) {
        dev.nimbo.core.cluster.Cluster c = tx.require(ObjectType.CLUSTER, host.clusterId());
        for (int dsId : c.datastores()) {
            PoolObject o = tx.get(ObjectType.DATASTORE, dsId);
            if (o instanceof Datastore ds && ds.dsType() == Datastore.SYSTEM_DS) {
                return ds;
            }
        }
        throw ApiException.action("Cluster [" + c.id() + "] does not have any Datastore of type SYSTEM_DS.");
    }

    private static Datastore systemDs(Transaction tx, int dsId, Host host) {
        Datastore ds = tx.require(ObjectType.DATASTORE, dsId);
        if (ds.dsType() != Datastore.SYSTEM_DS) {
            throw ApiException.internal("Trying to use Datastore [" + dsId
                    + "] to deploy the VM, but it is not of type system datastore.");
        }
        if (!ds.clusters().contains(host.clusterId())) {
            throw ApiException.action("Datastore [" + dsId + "] and Host [" + host.id()
                    + "] are not in the same Cluster [" + host.clusterId() + "].", dsId);
        }
        return ds;
    }

    // ------------------------------------------------------------------ migrate

    /**
     * one.vm.migrate(id, host, live, enforce, datastore, poweroff type): to another host (and/or system datastore)
     * of a compatible cluster; cold (save or power off, copy, restore or boot) or live. Needs ADMIN on the VM by
     * default, MANAGE on the host, USE on the datastore.
     */
    static Object migrate(Call call) {
        call.params().arity(2, 6);
        int id = call.params().integer(0);
        int hid = call.params().integer(1);
        boolean live = call.params().bool(2, false);
        boolean enforce = call.params().bool(3, false);
        int dsParam = call.params().integer(4, -1);
        int poweroff = call.params().integer(5, 0);
        if (poweroff < 0 || poweroff > 2) {
            throw ApiException.action("Wrong poweroff type " + poweroff + ": 0 save, 1 poweroff, 2 poweroff-hard", id);
        }
        VmOp op = VmOp.migrate(live, poweroff);
        return step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            Host host = tx.require(ObjectType.HOST, hid);
            if (host.state() == HostState.OFFLINE) {
                throw ApiException.action("Host is offline, cannot use it to deploy VM", hid);
            }
            Datastore ds = dsParam < 0 ? null : tx.require(ObjectType.DATASTORE, dsParam);
            call.authorize(op.action().defaultRight(), vm);
            call.authorize(Right.MANAGE, host);
            if (ds != null) {
                call.authorize(Right.USE, ds);
            }
            History cur = vm.lastHistory();
            if (cur == null || !dev.nimbo.core.vm.VmStateMachine.allowed(vm.phase(), op)) {
                throw ApiException.action(dev.nimbo.core.vm.VmStateMachine.refusal(op, id, vm.phase()), id);
            }
            int dsId = ds == null ? cur.dsId() : ds.id();
            if (cur.hid() == hid && dsId == cur.dsId()) {
                throw ApiException.action("VM is already running on host [" + hid + "] and datastore [" + dsId + "]", id);
            }
            if (live && cur.hid() != hid && dsId != cur.dsId()) {
                throw ApiException.action("Cannot live migrate host and datastore at the same time.", id);
            }
            Datastore target = ds != null ? ds : tx.require(ObjectType.DATASTORE, dsId);
            if (!target.clusters().contains(host.clusterId())) {
                throw ApiException.action("Cannot migrate VM [" + id + "] to host [" + hid + "] and system datastore ["
                        + dsId + "]. Host is in cluster [" + host.clusterId() + "], and the datastore is in cluster ["
                        + joined(target.clusters()) + "]", id);
            }
            if (!target.tmMad().equals(cur.tmMad()) && ds != null) {
                throw ApiException.action("Cannot migrate to a system datastore with a different driver", id);
            }
            boolean enforced = enforce || !call.subject().isOneadmin();
            return VmTransitions.applyOp(tx, id, op, requester(call),
                    new VmTransitions.Placement(hid, dsId, target.tmMad(), enforced));
        });
    }

    private static String joined(java.util.Set<Integer> ids) {
        StringBuilder b = new StringBuilder();
        for (int i : ids) {
            b.append(b.isEmpty() ? "" : ",").append(i);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ resize

    /**
     * one.vm.resize(id, template with CPU/VCPU/MEMORY, enforce): quotas move with the new size, and a placed
     * VM's host capacity too (only administrators may overcommit it); a running VM is resized by its hypervisor.
     */
    static Object resize(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        boolean enforce = call.params().bool(2, false) || !call.subject().isOneadmin();
        if (!call.subject().isOneadmin()) {
            String r = VmRestrictions.VM.firstIn(t);
            if (r != null) {
                throw ApiException.authorization("Template includes a restricted attribute " + r);
            }
        }
        float cpu = number(t.get("CPU"), "CPU must be a positive float or integer value.");
        int vcpu = (int) number(t.get("VCPU"), "VCPU must be a positive integer value.");
        long memory = (long) number(t.get("MEMORY"), "MEMORY must be a positive integer value.");
        return step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.RESIZE.defaultRight(), vm);
            return VmTransitions.resize(tx, id, cpu, vcpu, memory, enforce, requester(call));
        });
    }

    private static float number(String v, String error) {
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            float f = Float.parseFloat(v.strip());
            if (f >= 0 && Float.isFinite(f)) {
                return f;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.internal(error);
    }

    // ------------------------------------------------------------------ action, recover

    static Object action(Call call) {
        call.params().arity(2, 2);
        String word = call.params().string(0);
        int id = call.params().integer(1);
        VmOp op = VmOp.ofActionWord(word);
        return step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            if (op == null) {
                throw ApiException.action("Action \"" + word + "\" is not supported", id);
            }
            call.authorize(op.action().defaultRight(), vm);
            try {
                return VmTransitions.applyOp(tx, id, op, requester(call), null);
            } catch (ApiException e) {
                // oned answers a resume beyond the running quotas with ACTION
                if (op == VmOp.RESUME && e.code() == ErrorCode.AUTHORIZATION) {
                    throw ApiException.action(e.getMessage(), id);
                }
                throw e;
            }
        });
    }

    static Object recover(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int code = call.params().integer(1);
        VmOp op = VmOp.ofRecoverCode(code);
        return step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            if (op == null) {
                throw ApiException.action("Wrong recovery operation code", id);
            }
            call.authorize(op.action().defaultRight(), vm);
            return VmTransitions.applyOp(tx, id, op, requester(call), null);
        }, false);
    }

    // ------------------------------------------------------------------ chown

    /** As the shared chown, and the VM's quota usage moves from the old owner and group to the new ones. */
    static Object chown(Call call) {
        return SharedMethods.chown(call, ObjectType.VM, (tx, c, before, uid, gid) -> {
            VirtualMachine vm = (VirtualMachine) before;
            Usage u = VmQuotas.held(vm, vm.phase());
            if (dev.nimbo.core.vm.VmStateMachine.holdsResources(vm.phase())) {
                u = u.plus(VmResources.usage(vm));
            }
            VmQuotas.release(tx, vm.uid(), vm.gid(), u);
            VmQuotas.charge(tx, c.subject().uid(), uid, gid, u, true);
        });
    }

    // ------------------------------------------------------------------ monitoring

    static Object monitoring(Call call) {
        call.params().arity(1, 1);
        VirtualMachine vm = call.ctx().view().require(ObjectType.VM, call.params().integer(0));
        call.authorizeIgnoringLock(Right.USE, vm);
        XmlWriter w = new XmlWriter();
        w.open("MONITORING_DATA");
        for (VmMonitoring m : VmLifecycle.of(call.ctx()).monitor().records(vm)) {
            m.writeXml(w);
        }
        w.close("MONITORING_DATA");
        return w.toString();
    }
}
