package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * PCI passthrough devices of a VM (one.vm.attachpci / detachpci), only while it is POWEROFF or UNDEPLOYED, as oned.
 * A PCI vector asks for VENDOR/DEVICE/CLASS (hex) or a SHORT_ADDRESS; attaching to a powered-off VM takes a free
 * matching device of its host (the device's VMID and the vector's ADDRESS, SHORT_ADDRESS, BUS, SLOT, FUNCTION,
 * DOMAIN, NUMA_NODE), an undeployed VM gets one at its next placement. Each device holds a PCI_DEV of the owner's VM
 * quota ({@link VmQuotas#base}: the VM's end gives it back); a host's devices are freed when the VM leaves it
 * ({@link #freeHostDevices}). The current placement's record ends with the action and a copy starts, as oned's
 * close_cp_history. Controller thread only.
 */
public final class VmPci {
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final List<String> FROM_DEVICE = dev.nimbo.core.epa.PciFit.FROM_DEVICE;

    private VmPci() {
    }

    /** ACTION unless the VM is POWEROFF or UNDEPLOYED (oned's words, the state named). */
    static void checkState(VirtualMachine vm) {
        if (!vm.phase().is(VmState.POWEROFF) && !vm.phase().is(VmState.UNDEPLOYED)) {
            throw ApiException.action("VM in wrong state, it has to be in poweroff. Current state: " + vm.phase().text()
                    + ".", vm.id());
        }
    }

    /** ACTION when the PCI vector cannot be attached as such (oned's check_pci_attributes). */
    public static void check(VectorAttribute pci, int vmId) {
        if (pci == null) {
            throw ApiException.action("PCI attribute not found", vmId);
        }
        if ("NIC".equalsIgnoreCase(pci.get("TYPE"))) {
            throw ApiException.action("Use one.vm.attachnic to attach this PCI device", vmId);
        }
        checkSelectors(pci, vmId);
    }

    /** ACTION unless the PCI vector names its device by SHORT_ADDRESS or by VENDOR/DEVICE/CLASS (hex), not both. */
    static void checkSelectors(VectorAttribute pci, int vmId) {
        boolean any = false;
        for (String k : List.of("VENDOR", "DEVICE", "CLASS")) {
            String v = pci.get(k);
            if (v != null && !v.isBlank()) {
                if (!HEX.matcher(v.strip()).matches()) {
                    throw ApiException.action("Wrong Hex value for PCI attribute " + k, vmId);
                }
                any = true;
            }
        }
        String saddr = pci.get("SHORT_ADDRESS");
        boolean hasAddr = saddr != null && !saddr.isBlank();
        if (!any && !hasAddr) {
            throw ApiException.action("SHORT_ADDRESS, DEVICE, VENDOR or CLASS must be defined for PCI.", vmId);
        }
        if (any && hasAddr) {
            throw ApiException.action("SHORT_ADDRESS cannot be set with DEVICE, VENDOR or CLASS", vmId);
        }
    }

    /** The VM with {@code pci} attached (PCI_ID the next free), its host device and PCI_DEV quota taken. */
    public static VirtualMachine attach(Transaction tx, VirtualMachine vm, int requesterUid, VectorAttribute pci,
                                        VmTransitions.Requester who) {
        checkState(vm);
        check(pci, vm.id());
        VectorAttribute v = pci.with("PCI_ID", Integer.toString(nextPciId(vm)));
        if (vm.phase().is(VmState.POWEROFF)) {
            v = reserveDevice(tx, vm, v);
        }
        VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), Usage.pci(1), true);
        return closeCopy(vm.toBuilder().vmTemplate(VmDefinition.sorted(vm.vmTemplate().add(v))), vm,
                VmAction.PCI_ATTACH, who, tx.now());
    }

    /** The next PCI_ID of the VM: above every PCI's (devices and PCI NICs). */
    static int nextPciId(VirtualMachine vm) {
        int next = 0;
        for (VectorAttribute p : vm.vmTemplate().vectors("PCI")) {
            next = Math.max(next, VmResources.intOr(p.get("PCI_ID"), -1) + 1);
        }
        return next;
    }

    /**
     * A free device of the VM's host matching {@code pci} taken for the VM (VMID set in the host's PCI list);
     * returns {@code pci} with the device's address attributes. ACTION when the host has none free.
     */
    static VectorAttribute reserveDevice(Transaction tx, VirtualMachine vm, VectorAttribute pci) {
        PoolObject o = vm.hostId() < 0 ? null : tx.get(ObjectType.HOST, vm.hostId());
        if (!(o instanceof Host host)) {
            throw ApiException.action("Could not find host information", vm.id());
        }
        List<PciDevice> devices = new ArrayList<>(host.share().pciDevices());
        int found = -1;
        for (int i = 0; i < devices.size() && found < 0; i++) {
            if (devices.get(i).vmid() < 0 && dev.nimbo.core.epa.PciFit.matches(devices.get(i), pci)) {
                found = i;
            }
        }
        if (found < 0) {
            throw ApiException.action("Cannot assign PCI device in host. Check address and free devices", vm.id());
        }
        PciDevice d = devices.get(found);
        devices.set(found, d.with("VMID", Integer.toString(vm.id())));
        VectorAttribute v = pci;
        for (String k : FROM_DEVICE) {
            if (d.get(k) != null) {
                v = v.with(k, d.get(k));
            }
        }
        tx.put(host.withShare(withDevices(host.share(), devices)));
        return v;
    }

    /** The VM's host device at {@code address} free again (a PCI NIC detached, or one whose attach failed). */
    static void releaseDevice(Transaction tx, VirtualMachine vm, String address) {
        if (address != null && vm.hostId() >= 0 && tx.get(ObjectType.HOST, vm.hostId()) instanceof Host host) {
            List<PciDevice> devices = new ArrayList<>();
            for (PciDevice d : host.share().pciDevices()) {
                devices.add(d.vmid() == vm.id() && address.equals(d.address()) ? d.with("VMID", "-1") : d);
            }
            tx.put(host.withShare(withDevices(host.share(), devices)));
        }
    }

    /** The VM without PCI {@code pciId}: its host device freed and its PCI_DEV quota given back. */
    public static VirtualMachine detach(Transaction tx, VirtualMachine vm, int pciId, VmTransitions.Requester who) {
        checkState(vm);
        VectorAttribute found = null;
        for (VectorAttribute p : vm.vmTemplate().vectors("PCI")) {
            if (VmResources.intOr(p.get("PCI_ID"), -1) == pciId) {
                found = p;
            }
        }
        if (found == null) {
            throw ApiException.action("PCI device not found", vm.id());
        }
        if ("NIC".equalsIgnoreCase(found.get("TYPE"))) {
            throw ApiException.action("Use one.vm.detachnic to detach this PCI device", vm.id());
        }
        releaseDevice(tx, vm, found.get("ADDRESS"));
        VmQuotas.release(tx, vm.uid(), vm.gid(), Usage.pci(1));
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : vm.vmTemplate().attributes()) {
            if (a != found) {
                out.add(a);
            }
        }
        return closeCopy(vm.toBuilder().vmTemplate(Template.of(out)), vm, VmAction.PCI_DETACH, who, tx.now());
    }

    /** The host with every device the VM held free again (the VM left it). */
    static Host freeHostDevices(Host h, int vmId) {
        boolean any = false;
        List<PciDevice> devices = new ArrayList<>();
        for (PciDevice d : h.share().pciDevices()) {
            if (d.vmid() == vmId) {
                devices.add(d.with("VMID", "-1"));
                any = true;
            } else {
                devices.add(d);
            }
        }
        return any ? h.withShare(withDevices(h.share(), devices)) : h;
    }

    /** The VM's PCI devices (each a PCI_DEV of its quota). */
    static int count(VirtualMachine vm) {
        return vm.vmTemplate().vectors("PCI").size();
    }

    private static HostShare withDevices(HostShare s, List<PciDevice> devices) {
        return new HostShare(s.memUsage(), s.cpuUsage(), s.totalMem(), s.totalCpu(), s.maxMem(), s.maxCpu(),
                s.runningVms(), s.vmsThread(), s.disk(), devices, s.numaNodes());
    }

    private static VirtualMachine closeCopy(VirtualMachine.Builder b, VirtualMachine vm, VmAction action, VmTransitions.Requester who,
                                            long now) {
        if (vm.phase().is(VmState.POWEROFF) && b.lastHistory() != null) {
            History cur = b.lastHistory();
            b.lastHistory(VmTransitions.close(cur.withAction(action, who.uid(), who.gid(), who.requestId()), now));
            b.addHistory(cur.copyAs(cur.seq() + 1, now).withInternalAction(VmAction.NONE));
        }
        return b.build();
    }
}
