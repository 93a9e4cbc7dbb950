package dev.nimbo.core.vm;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.Quotas;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.user.User;

/**
 * The VM quotas of a VM's owner and group, charged and released in the transaction that changes the VM:
 * VMS/CPU/MEMORY/SYSTEM_DISK_SIZE while the VM exists (not DONE), RUNNING_VMS/RUNNING_CPU/RUNNING_MEMORY while
 * its phase counts as running ({@link VmStateMachine#runningQuota}). Controller thread only.
 */
public final class VmQuotas {
    private VmQuotas() {
    }

    /** The base usage a VM holds until it is DONE. */
    public static Usage base(VirtualMachine vm) {
        Usage u = Usage.vm(1, vm.cpu(), vm.memoryMb(), vm.systemDiskMb(), false);
        int pci = VmPci.count(vm);
        return pci == 0 ? u : u.plus(Usage.pci(pci));
    }

    /** The running usage a VM holds while its phase counts as running. */
    public static Usage running(VirtualMachine vm) {
        return Usage.vmRunning(1, vm.cpu(), vm.memoryMb());
    }

    /** What a VM in this phase holds: base plus running when the phase counts as running. */
    public static Usage held(VirtualMachine vm, Phase p) {
        Usage u = VmStateMachine.holdsResources(p) ? base(vm) : Usage.NONE;
        return VmStateMachine.runningQuota(p) ? u.plus(running(vm)) : u;
    }

    /**
     * Charges {@code u} to user {@code uid} and group {@code gid}. When {@code check}, a limit that would be
     * passed refuses with AUTHORIZATION and oned's message naming {@code requesterUid}; otherwise the usage is
     * counted whatever the limits (it already exists, e.g. a VM terminated from poweroff).
     */
    public static void charge(Transaction tx, int requesterUid, int uid, int gid, Usage u, boolean check) {
        if (u.isEmpty()) {
            return;
        }
        User user = (User) tx.get(ObjectType.USER, uid);
        Group group = (Group) tx.get(ObjectType.GROUP, gid);
        if (user == null || group == null) {
            return;
        }
        DefaultQuotas ud = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.USER_ID);
        DefaultQuotas gd = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.GROUP_ID);
        Quotas.Account ua = check ? Quotas.Account.user(uid, user.quotas(), ud)
                : new Quotas.Account(uid, user.quotas(), ud, true);
        Quotas.Account ga = check ? Quotas.Account.group(gid, group.quotas(), gd)
                : new Quotas.Account(gid, group.quotas(), gd, true);
        Quotas.Charged c = Quotas.charge(requesterUid, ua, ga, u);
        tx.put(user.withQuotas(c.user()));
        tx.put(group.withQuotas(c.group()));
    }

    /** The violation charging {@code u} would cause (oned's text), or null; changes nothing. */
    public static String violation(Transaction tx, int uid, int gid, Usage u) {
        User user = (User) tx.get(ObjectType.USER, uid);
        Group group = (Group) tx.get(ObjectType.GROUP, gid);
        if (user == null || group == null || u.isEmpty()) {
            return null;
        }
        DefaultQuotas ud = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.USER_ID);
        DefaultQuotas gd = (DefaultQuotas) tx.get(ObjectType.SETTING, DefaultQuotas.GROUP_ID);
        return Quotas.violation(Quotas.Account.user(uid, user.quotas(), ud), Quotas.Account.group(gid, group.quotas(), gd),
                u).orElse(null);
    }

    /** Gives {@code u} back from user {@code uid} and group {@code gid} (either may be gone). */
    public static void release(Transaction tx, int uid, int gid, Usage u) {
        if (u.isEmpty()) {
            return;
        }
        User user = (User) tx.get(ObjectType.USER, uid);
        if (user != null) {
            tx.put(user.withQuotas(Quotas.release(user.quotas(), u)));
        }
        Group group = (Group) tx.get(ObjectType.GROUP, gid);
        if (group != null) {
            tx.put(group.withQuotas(Quotas.release(group.quotas(), u)));
        }
    }
}
