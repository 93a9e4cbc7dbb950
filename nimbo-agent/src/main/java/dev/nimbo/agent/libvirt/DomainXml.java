package dev.nimbo.agent.libvirt;

import dev.nimbo.agent.net.NetNic;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A VM template as a libvirt domain (the mapping OpenNebula's KVM driver documents): name {@code one-ID}, VCPU,
 * MEMORY (MB) with VCPU_MAX/MEMORY_MAX/MEMORY_RESIZE_MODE room for hot resize, CPU as CPU shares, CPU_MODEL, OS (ARCH, MACHINE, BOOT order, or direct KERNEL/INITRD/KERNEL_CMD/
 * ROOT), every DISK (file in the VM's directory, DRIVER/FORMAT, CACHE, IO, DISCARD, READONLY, TARGET or DEV_PREFIX
 * giving the bus, CDROM images as CD-ROMs), the CONTEXT CD-ROM, NICs on bridges (MAC, MODEL, TARGET, VIRTIO_QUEUES),
 * GRAPHICS (VNC/SPICE, LISTEN, PORT, PASSWD, KEYMAP), PCI hostdevs, TOPOLOGY and the scheduler's NUMA_NODE pinning
 * (vcpupin, numatune, hugepage memory backing), RAW (TYPE kvm) appended as is, and a serial console logged to a
 * file of the VM's directory. Pure: the same template, type and directory always give the same XML.
 */
public final class DomainXml {
    private DomainXml() {
    }

    /** The domain name of a VM. */
    public static String name(int vmId) {
        return "one-" + vmId;
    }

    /**
     * @param type   libvirt domain type: "kvm", or "qemu" where KVM is unavailable (software emulation)
     * @param vmDir  the VM's directory on this host (disk.N files, kernel, initrd, console.log)
     * @param diskFormat the format of each disk.N as the store made it (e.g. qcow2 for linked clones)
     */
    public static String build(int vmId, Template t, String type, Path vmDir,
                               java.util.function.IntFunction<String> diskFormat) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<domain type='").append(esc(type)).append("'>\n");
        el(b, 1, "name", name(vmId));
        long memMb = number(t.get("MEMORY"), 128);
        int vcpu = (int) number(t.get("VCPU"), 1);
        VectorAttribute topology = first(t, "TOPOLOGY");
        List<VectorAttribute> numa = t.vectors("NUMA_NODE");
        boolean hugepages = topology != null && topology.get("HUGEPAGE_SIZE") != null
                && !topology.get("HUGEPAGE_SIZE").isBlank();
        // hot resize room, as oned's KVM driver: BALLOONING (the default) boots with MEMORY_MAX and balloons down to
        // MEMORY; HOTPLUG boots with MEMORY and adds DIMMs up to maxMemory (which needs a guest NUMA cell)
        long memMaxMb = number(t.get("MEMORY_MAX"), 0);
        boolean memoryRoom = memMaxMb > memMb;
        boolean memoryHotplug = memoryRoom && memoryHotplug(t);
        if (memoryRoom && !memoryHotplug) {
            b.append("  <memory unit='KiB'>").append(memMaxMb * 1024).append("</memory>\n");
            b.append("  <currentMemory unit='KiB'>").append(memMb * 1024).append("</currentMemory>\n");
        } else {
            b.append("  <memory unit='KiB'>").append(memMb * 1024).append("</memory>\n");
        }
        if (memoryHotplug && topology == null) {
            b.append("  <maxMemory slots='").append(number(t.get("MEMORY_SLOTS"), 16)).append("' unit='KiB'>")
                    .append(memMaxMb * 1024).append("</maxMemory>\n");
        }
        // vhost-user NICs (OVS-DPDK) read the guest's memory: it must be on shared hugepages
        boolean vhostUser = t.vectors("NIC").stream().anyMatch(NetNic::isVhostUser);
        if (hugepages || vhostUser) {
            b.append("  <memoryBacking><hugepages>");
            if (hugepages) {
                b.append("<page size='").append(number(topology.get("HUGEPAGE_SIZE"), 2)).append("' unit='M'/>");
            }
            b.append("</hugepages>").append(vhostUser ? "<access mode='shared'/>" : "").append("</memoryBacking>\n");
        }
        long vcpuMax = number(t.get("VCPU_MAX"), 0);
        if (vcpuMax > vcpu) {
            // VCPU_MAX virtual CPUs exist, VCPU of them online: setvcpus --live brings more up (hot resize)
            b.append("  <vcpu current='").append(vcpu).append("'>").append(vcpuMax).append("</vcpu>\n");
        } else {
            b.append("  <vcpu>").append(vcpu).append("</vcpu>\n");
        }
        cputune(b, t, numa);
        numatune(b, numa);
        os(b, t, vmDir);
        b.append("  <features><acpi/><apic/></features>\n");
        cpu(b, t, type, topology, numa, vcpu, memMb, memoryHotplug && topology == null);
        b.append("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
                + "  <on_crash>destroy</on_crash>\n");
        b.append("  <devices>\n");
        List<String> usedTargets = new ArrayList<>();
        boolean scsi = false;
        for (VectorAttribute d : t.vectors("DISK")) {
            scsi |= disk(b, d, vmDir, diskFormat, usedTargets);
        }
        VectorAttribute ctx = first(t, "CONTEXT");
        if (ctx != null) {
            int id = (int) number(ctx.get("DISK_ID"), t.vectors("DISK").size());
            String target = ctx.get("TARGET") != null && !ctx.get("TARGET").isBlank() ? ctx.get("TARGET").strip()
                    : freeTarget("hd", usedTargets);
            usedTargets.add(target);
            scsi |= target.startsWith("sd");
            b.append("    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='")
                    .append(esc(vmDir.resolve("disk." + id).toString())).append("'/><target dev='").append(esc(target))
                    .append("' bus='").append(bus(target)).append("'/><readonly/></disk>\n");
        }
        if (scsi) {
            b.append("    <controller type='scsi' index='0' model='virtio-scsi'/>\n");
        }
        for (VectorAttribute n : t.vectors("NIC")) {
            nic(b, n);
        }
        for (VectorAttribute g : t.vectors("GRAPHICS")) {
            graphics(b, g);
        }
        for (VectorAttribute p : t.vectors("PCI")) {
            hostdev(b, p);
        }
        b.append("    <serial type='file'><source path='").append(esc(vmDir.resolve("console.log").toString()))
                .append("'/><target port='0'/></serial>\n");
        b.append("    <console type='file'><source path='").append(esc(vmDir.resolve("console.log").toString()))
                .append("'/><target type='serial' port='0'/></console>\n");
        b.append("  </devices>\n");
        for (VectorAttribute raw : t.vectors("RAW")) {
            String rtype = raw.get("TYPE");
            if (raw.get("DATA") != null && (rtype == null || rtype.equalsIgnoreCase("kvm"))) {
                b.append("  ").append(raw.get("DATA")).append('\n'); // operators' verbatim libvirt XML
            }
        }
        b.append("</domain>\n");
        return b.toString();
    }

    /**
     * One DISK as a device to hot-plug into (or unplug from) the running domain: its target is TARGET, else the
     * first free one of its DEV_PREFIX among the targets the domain holds now ({@code used}, as libvirt lists them).
     */
    public static String diskDevice(VectorAttribute disk, Path vmDir, java.util.function.IntFunction<String> diskFormat,
                                    List<String> used) {
        StringBuilder b = new StringBuilder();
        disk(b, disk, vmDir, diskFormat, new ArrayList<>(used));
        return b.toString().strip();
    }

    /** One NIC as a device to hot-plug (or, by its MAC, to unplug). */
    public static String nicDevice(VectorAttribute nic) {
        StringBuilder b = new StringBuilder();
        nic(b, nic);
        return b.toString().strip();
    }

    /** Whether the VM's memory is resized by DIMM hot-plug (MEMORY_RESIZE_MODE HOTPLUG), not by the balloon. */
    static boolean memoryHotplug(Template t) {
        return !blank(t.get("MEMORY_RESIZE_MODE")) && t.get("MEMORY_RESIZE_MODE").strip().equalsIgnoreCase("HOTPLUG");
    }

    /** A PCI device (a PCI NIC: the VF with its MAC and VLAN) as hot-plugged: its domain XML device element. */
    public static String pciDevice(VectorAttribute pci) {
        StringBuilder b = new StringBuilder();
        hostdev(b, pci);
        if (b.isEmpty()) {
            throw new IllegalArgumentException("PCI " + pci.get("PCI_ID") + " has no host device address (BUS, SLOT,"
                    + " FUNCTION)");
        }
        return b.toString().strip();
    }

    private static void cputune(StringBuilder b, Template t, List<VectorAttribute> numa) {
        double cpu = t.get("CPU") == null ? 0 : parseDouble(t.get("CPU"));
        StringBuilder pins = new StringBuilder();
        int vcpuIndex = 0;
        for (VectorAttribute n : numa) {
            String cpus = n.get("CPUS");
            if (cpus == null || cpus.isBlank()) {
                continue;
            }
            // CPUS lists the host threads the scheduler pinned this node's virtual CPUs to, in order.
            for (String c : cpus.split(",")) {
                if (!c.isBlank()) {
                    pins.append("    <vcpupin vcpu='").append(vcpuIndex++).append("' cpuset='")
                            .append(esc(c.strip())).append("'/>\n");
                }
            }
        }
        if (cpu <= 0 && pins.isEmpty()) {
            return;
        }
        b.append("  <cputune>\n");
        if (cpu > 0) {
            b.append("    <shares>").append(Math.max(2, Math.round(cpu * 1024))).append("</shares>\n");
        }
        b.append(pins);
        b.append("  </cputune>\n");
    }

    private static void numatune(StringBuilder b, List<VectorAttribute> numa) {
        // the host node holding each virtual node's memory: MEMORY_NODE_ID (NODE_ID numbers the virtual node)
        List<String> nodes = new ArrayList<>();
        for (VectorAttribute n : numa) {
            if (n.get("MEMORY_NODE_ID") != null && !n.get("MEMORY_NODE_ID").isBlank()) {
                nodes.add(n.get("MEMORY_NODE_ID").strip());
            }
        }
        if (nodes.isEmpty()) {
            return;
        }
        b.append("  <numatune>\n    <memory mode='strict' nodeset='").append(esc(String.join(",", nodes)))
                .append("'/>\n");
        for (int i = 0; i < nodes.size(); i++) {
            b.append("    <memnode cellid='").append(i).append("' mode='strict' nodeset='").append(esc(nodes.get(i)))
                    .append("'/>\n");
        }
        b.append("  </numatune>\n");
    }

    private static void os(StringBuilder b, Template t, Path vmDir) {
        VectorAttribute os = first(t, "OS");
        String arch = os == null || blank(os.get("ARCH")) ? "x86_64" : os.get("ARCH").strip();
        b.append("  <os>\n    <type arch='").append(esc(arch)).append("'");
        if (os != null && !blank(os.get("MACHINE"))) {
            b.append(" machine='").append(esc(os.get("MACHINE").strip())).append("'");
        }
        b.append(">hvm</type>\n");
        if (os != null) {
            String kernel = !blank(os.get("KERNEL_DS")) ? vmDir.resolve("kernel").toString() : os.get("KERNEL");
            String initrd = !blank(os.get("INITRD_DS")) ? vmDir.resolve("initrd").toString() : os.get("INITRD");
            if (!blank(kernel)) {
                el(b, 2, "kernel", kernel.strip());
                if (!blank(initrd)) {
                    el(b, 2, "initrd", initrd.strip());
                }
                List<String> cmd = new ArrayList<>();
                if (!blank(os.get("ROOT"))) {
                    cmd.add("root=/dev/" + os.get("ROOT").strip());
                }
                if (!blank(os.get("KERNEL_CMD"))) {
                    cmd.add(os.get("KERNEL_CMD").strip());
                }
                if (!cmd.isEmpty()) {
                    el(b, 2, "cmdline", String.join(" ", cmd));
                }
            }
            if (!blank(os.get("BOOT"))) {
                for (String dev : os.get("BOOT").split(",")) {
                    String d = dev.strip().toLowerCase(Locale.ROOT);
                    String kind = d.startsWith("nic") ? "network" : d.startsWith("disk") ? "hd" : d;
                    if (List.of("hd", "cdrom", "network", "fd").contains(kind)) {
                        b.append("    <boot dev='").append(kind).append("'/>\n");
                    }
                }
            }
        }
        b.append("  </os>\n");
    }

    private static void cpu(StringBuilder b, Template t, String type, VectorAttribute topology,
                            List<VectorAttribute> numa, int vcpu, long memMb, boolean hotplugCell) {
        VectorAttribute model = first(t, "CPU_MODEL");
        String m = model == null ? null : model.get("MODEL");
        boolean hasTopology = topology != null && !blank(topology.get("SOCKETS"));
        if (blank(m) && !hasTopology && numa.isEmpty() && !hotplugCell) {
            return;
        }
        if (!blank(m) && m.strip().equalsIgnoreCase("host-passthrough") && type.equals("kvm")) {
            b.append("  <cpu mode='host-passthrough'>\n");
        } else if (!blank(m) && !m.strip().equalsIgnoreCase("host-passthrough")) {
            b.append("  <cpu mode='custom' match='exact'><model fallback='allow'>").append(esc(m.strip()))
                    .append("</model>\n");
        } else {
            b.append("  <cpu>\n");
        }
        if (hasTopology) {
            b.append("    <topology sockets='").append(number(topology.get("SOCKETS"), 1)).append("' cores='")
                    .append(number(topology.get("CORES"), 1)).append("' threads='")
                    .append(number(topology.get("THREADS"), 1)).append("'/>\n");
        }
        if (!numa.isEmpty()) {
            b.append("    <numa>\n");
            int first = 0;
            for (int i = 0; i < numa.size(); i++) {
                VectorAttribute n = numa.get(i);
                int total = (int) number(n.get("TOTAL_CPUS"), Math.max(1, vcpu / numa.size()));
                // MB, as users write NUMA_NODE and the scheduler records it (oned's numa docs)
                long mem = number(n.get("MEMORY"), memMb / numa.size()) * 1024;
                b.append("      <cell id='").append(i).append("' cpus='").append(first).append('-')
                        .append(first + total - 1).append("' memory='").append(mem).append("' unit='KiB'/>\n");
                first += total;
            }
            b.append("    </numa>\n");
        } else if (hotplugCell) {
            // libvirt plugs memory DIMMs into a NUMA cell: one cell holding every virtual CPU and the boot memory
            long cpus = Math.max(number(t.get("VCPU_MAX"), vcpu), vcpu);
            b.append("    <numa>\n      <cell id='0' cpus='0-").append(cpus - 1).append("' memory='")
                    .append(memMb * 1024).append("' unit='KiB'/>\n    </numa>\n");
        }
        b.append("  </cpu>\n");
    }

    /** Writes one DISK; returns whether it sits on the SCSI bus. */
    private static boolean disk(StringBuilder b, VectorAttribute d, Path vmDir,
                                java.util.function.IntFunction<String> diskFormat, List<String> usedTargets) {
        int id = (int) number(d.get("DISK_ID"), usedTargets.size());
        boolean cdrom = "CDROM".equalsIgnoreCase(d.get("TYPE"));
        String prefix = blank(d.get("DEV_PREFIX")) ? (cdrom ? "hd" : "vd") : d.get("DEV_PREFIX").strip();
        String target = blank(d.get("TARGET")) ? freeTarget(prefix, usedTargets) : d.get("TARGET").strip();
        usedTargets.add(target);
        String format = diskFormat.apply(id);
        b.append("    <disk type='file' device='").append(cdrom ? "cdrom" : "disk").append("'><driver name='qemu' type='")
                .append(esc(format)).append("'");
        if (!blank(d.get("CACHE"))) {
            b.append(" cache='").append(esc(d.get("CACHE").strip().toLowerCase(Locale.ROOT))).append("'");
        }
        if (!blank(d.get("IO"))) {
            b.append(" io='").append(esc(d.get("IO").strip().toLowerCase(Locale.ROOT))).append("'");
        }
        if (!blank(d.get("DISCARD"))) {
            b.append(" discard='").append(esc(d.get("DISCARD").strip().toLowerCase(Locale.ROOT))).append("'");
        }
        b.append("/><source file='").append(esc(vmDir.resolve("disk." + id).toString())).append("'/><target dev='")
                .append(esc(target)).append("' bus='").append(bus(target)).append("'/>");
        if (cdrom || "YES".equalsIgnoreCase(d.get("READONLY"))) {
            b.append("<readonly/>");
        }
        b.append("</disk>\n");
        return target.startsWith("sd");
    }

    private static void nic(StringBuilder b, VectorAttribute n) {
        String bridge = n.get("BRIDGE");
        if (blank(bridge)) {
            throw new IllegalArgumentException("NIC " + n.get("NIC_ID") + " has no BRIDGE");
        }
        if (NetNic.isVhostUser(n)) {
            // OVS-DPDK: QEMU serves the socket, the switch's dpdkvhostuserclient port connects to it
            b.append("    <interface type='vhostuser'><source type='unix' path='")
                    .append(esc(NetNic.vhostSocket(n.get("TARGET").strip()))).append("' mode='server'/>");
        } else {
            b.append("    <interface type='bridge'><source bridge='").append(esc(bridge.strip())).append("'/>");
            if (NetNic.isOvs(n)) {
                b.append("<virtualport type='openvswitch'/>");
            }
        }
        if (!blank(n.get("MAC"))) {
            b.append("<mac address='").append(esc(n.get("MAC").strip())).append("'/>");
        }
        if (!blank(n.get("TARGET"))) {
            b.append("<target dev='").append(esc(n.get("TARGET").strip())).append("'/>");
        }
        String model = blank(n.get("MODEL")) ? "virtio" : n.get("MODEL").strip();
        b.append("<model type='").append(esc(model)).append("'/>");
        if (model.equals("virtio") && !blank(n.get("VIRTIO_QUEUES"))) {
            b.append("<driver name='vhost' queues='").append(number(n.get("VIRTIO_QUEUES"), 1)).append("'/>");
        }
        String in = qos(n, "INBOUND");
        String out = qos(n, "OUTBOUND");
        if (!in.isEmpty() || !out.isEmpty()) {
            b.append("<bandwidth>");
            if (!in.isEmpty()) {
                b.append("<inbound ").append(in).append("/>");
            }
            if (!out.isEmpty()) {
                b.append("<outbound ").append(out).append("/>");
            }
            b.append("</bandwidth>");
        }
        b.append("</interface>\n");
    }

    /** A NIC's QoS for one direction as libvirt attributes (KB/s and KB, as OpenNebula gives them); "" for none. */
    static String qos(VectorAttribute n, String direction) {
        long avg = number(n.get(direction + "_AVG_BW"), 0);
        if (avg <= 0) {
            return "";
        }
        StringBuilder b = new StringBuilder("average='").append(avg).append("'");
        long peak = number(n.get(direction + "_PEAK_BW"), 0);
        if (peak > 0) {
            b.append(" peak='").append(peak).append("'");
        }
        long burst = number(n.get(direction + "_PEAK_KB"), 0);
        if (burst > 0) {
            b.append(" burst='").append(burst).append("'");
        }
        return b.toString();
    }

    /** The same QoS as {@code virsh domiftune} takes it: "average,peak,burst", "0" to clear. */
    public static String qosArgument(VectorAttribute n, String direction) {
        long avg = number(n.get(direction + "_AVG_BW"), 0);
        if (avg <= 0) {
            return "0";
        }
        return avg + "," + number(n.get(direction + "_PEAK_BW"), 0) + "," + number(n.get(direction + "_PEAK_KB"), 0);
    }

    private static void graphics(StringBuilder b, VectorAttribute g) {
        String type = blank(g.get("TYPE")) ? "vnc" : g.get("TYPE").strip().toLowerCase(Locale.ROOT);
        if (!type.equals("vnc") && !type.equals("spice")) {
            return;
        }
        b.append("    <graphics type='").append(type).append("' listen='")
                .append(esc(blank(g.get("LISTEN")) ? "127.0.0.1" : g.get("LISTEN").strip())).append("'");
        if (!blank(g.get("PORT"))) {
            b.append(" port='").append(number(g.get("PORT"), -1)).append("'");
        } else {
            b.append(" autoport='yes'");
        }
        if (!blank(g.get("PASSWD"))) {
            b.append(" passwd='").append(esc(g.get("PASSWD"))).append("'");
        }
        if (!blank(g.get("KEYMAP"))) {
            b.append(" keymap='").append(esc(g.get("KEYMAP").strip())).append("'");
        }
        b.append("/>\n");
    }

    private static void hostdev(StringBuilder b, VectorAttribute p) {
        String domain = p.get("DOMAIN");
        String bus = p.get("BUS");
        String slot = p.get("SLOT");
        String function = p.get("FUNCTION");
        if (blank(bus) || blank(slot) || blank(function)) {
            return; // not yet placed on a device of the host
        }
        String address = "<address type='pci' domain='0x" + esc(blank(domain) ? "0000" : domain.strip())
                + "' bus='0x" + esc(bus.strip()) + "' slot='0x" + esc(slot.strip()) + "' function='0x"
                + esc(function.strip()) + "'/>";
        if ("NIC".equalsIgnoreCase(p.get("TYPE"))) {
            // an SR-IOV VF as the network's NIC: libvirt sets the VF's MAC and VLAN on the host before the guest
            b.append("    <interface type='hostdev' managed='yes'");
            if ("YES".equalsIgnoreCase(p.get("TRUST"))) {
                b.append(" trustGuestRxFilters='yes'");
            }
            b.append("><source>").append(address).append("</source>");
            if (!blank(p.get("MAC"))) {
                b.append("<mac address='").append(esc(p.get("MAC").strip())).append("'/>");
            }
            if (!blank(p.get("VLAN_ID"))) {
                b.append("<vlan><tag id='").append(number(p.get("VLAN_ID"), 0)).append("'/></vlan>");
            }
            b.append("</interface>\n");
            return;
        }
        b.append("    <hostdev mode='subsystem' type='pci' managed='yes'><source>")
                .append(address.replace("type='pci' ", "")).append("</source></hostdev>\n");
    }

    static String bus(String target) {
        if (target.startsWith("vd")) {
            return "virtio";
        }
        if (target.startsWith("sd")) {
            return "scsi";
        }
        return "ide";
    }

    static String freeTarget(String prefix, List<String> used) {
        for (char c = 'a'; c <= 'z'; c++) {
            String t = prefix + c;
            if (!used.contains(t)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no free " + prefix + "? target");
    }

    private static VectorAttribute first(Template t, String name) {
        List<VectorAttribute> v = t.vectors(name);
        return v.isEmpty() ? null : v.get(0);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static long number(String s, long dflt) {
        if (blank(s)) {
            return dflt;
        }
        try {
            return Math.round(Double.parseDouble(s.strip()));
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void el(StringBuilder b, int indent, String tag, String text) {
        b.append("  ".repeat(indent)).append('<').append(tag).append('>').append(esc(text)).append("</").append(tag)
                .append(">\n");
    }

    private static String esc(String s) {
        return XmlWriter.escape(s);
    }
}
