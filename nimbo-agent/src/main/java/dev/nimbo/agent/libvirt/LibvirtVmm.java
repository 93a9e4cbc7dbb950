package dev.nimbo.agent.libvirt;

import dev.nimbo.agent.context.ContextIso;
import dev.nimbo.agent.net.HostNetworks;
import dev.nimbo.agent.net.HostShell;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VmContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM operations of a host, on libvirt/QEMU: deploy (context ISO, domain XML, {@code virsh create}: domains are
 * transient, the front-end holds the definition), shutdown (ACPI power button, then destroy after the timeout),
 * cancel, reboot, reset, save/restore (checkpoint file in the VM's directory), system snapshots with memory
 * (internal qcow2 snapshots named by HYPERVISOR_ID), live disk snapshots, disk and NIC hot-plug, hot resize,
 * clean-up; and the
 * counters of running domains from {@code virsh domstats} with their state (a paused domain is resumed by
 * restore). Every operation is idempotent (a retried deploy of a running domain, a shutdown of a domain already
 * gone, succeed), as the front-end re-issues operations after a restart. Thread-safe (the front-end runs one operation per VM at a time).
 */
public final class LibvirtVmm {
    private static final Logger log = LoggerFactory.getLogger(LibvirtVmm.class);
    private final Virsh virsh;
    private final HostStore store;
    private final String domainType;
    private final Duration shutdownTimeout;
    /** The NICs' host side (bridges, uplinks, filters): before a guest starts and after it left. */
    private final HostNetworks networks;
    /** Last CPU time per domain, for CPU usage between two polls. */
    private final Map<String, long[]> lastCpu = new ConcurrentHashMap<>();

    public LibvirtVmm(Virsh virsh, HostStore store, String domainType, Duration shutdownTimeout) {
        this(virsh, store, domainType, shutdownTimeout, new HostNetworks(HostShell.host(), false));
    }

    public LibvirtVmm(Virsh virsh, HostStore store, String domainType, Duration shutdownTimeout,
                      HostNetworks networks) {
        this.virsh = virsh;
        this.store = store;
        this.domainType = domainType;
        this.shutdownTimeout = shutdownTimeout;
        this.networks = networks;
    }

    public String domainType() {
        return domainType;
    }

    /** Runs one action; returns the domain name for deploy and restore, "" otherwise. */
    public String execute(String action, int vmId, int dsId, String templateText) throws IOException {
        String name = DomainXml.name(vmId);
        Path dir = store.vmDir(dsId, vmId);
        return switch (action.toLowerCase(Locale.ROOT)) {
            case "deploy" -> deploy(vmId, dsId, HostNetworks.withTargets(vmId, Template.parse(templateText)), dir,
                    name);
            case "shutdown" -> {
                shutdown(name);
                cleanNetworks(vmId, templateText);
                yield "";
            }
            case "cancel" -> {
                destroy(name);
                cleanNetworks(vmId, templateText);
                yield "";
            }
            case "reboot" -> {
                virsh.run("reboot", name);
                yield "";
            }
            case "reset" -> {
                virsh.run("reset", name);
                yield "";
            }
            case "save" -> {
                Path cp = dir.resolve("checkpoint");
                if (exists(name)) {
                    Files.deleteIfExists(cp);
                    virsh.run("save", name, cp.toString());
                    cleanNetworks(vmId, templateText);
                } else if (!Files.exists(cp)) {
                    throw new Virsh.CommandException("domain " + name + " is not running and has no checkpoint");
                }
                yield "";
            }
            case "restore" -> {
                Path cp = dir.resolve("checkpoint");
                if (!exists(name)) {
                    Template t = HostNetworks.withTargets(vmId, Template.parse(templateText));
                    networks.pre(vmId, t, HostNetworks.all());
                    restore(vmId, cp, dir);
                    networks.post(vmId, t, HostNetworks.all());
                } else if (virsh.run("domstate", name).strip().startsWith("paused")) {
                    virsh.run("resume", name); // paused behind Nimbo's back (monitoring made the VM SUSPENDED)
                }
                Files.deleteIfExists(cp);
                yield name;
            }
            case "snapshot_create" -> {
                String snap = snapshotName(templateText);
                if (!virsh.tryRun("snapshot-info", name, snap).ok()) {
                    virsh.run("snapshot-create-as", name, snap);
                }
                yield "";
            }
            case "snapshot_revert" -> {
                virsh.run("snapshot-revert", name, snapshotName(templateText));
                yield "";
            }
            case "snapshot_delete" -> {
                String snap = snapshotName(templateText);
                if (virsh.tryRun("snapshot-info", name, snap).ok()) {
                    virsh.run("snapshot-delete", name, snap);
                }
                yield "";
            }
            case "disk_snapshot_create" -> {
                VectorAttribute d = marked(Template.parse(templateText), "DISK", "DISK_SNAPSHOT_ACTIVE");
                liveDiskSnapshot(vmId, dsId, Integer.parseInt(d.get("DISK_ID").strip()), "create",
                        "snap-" + d.get("DISK_SNAPSHOT_ID").strip());
                yield "";
            }
            case "attach_disk", "detach_disk" -> {
                Template t = Template.parse(templateText);
                boolean attach = action.equals("attach_disk");
                VectorAttribute d = hotplugged(t, "DISK", attach);
                Map<String, String> targets = blockTargets(name); // target -> source file, as the domain has them
                String source = dir.resolve("disk." + d.get("DISK_ID").strip()).toString();
                if (!attach) {
                    String current = targets.entrySet().stream().filter(e -> e.getValue().equals(source))
                            .map(Map.Entry::getKey).findFirst().orElse(null);
                    if (current == null) {
                        yield ""; // already gone (an operation issued again)
                    }
                    d = d.with("TARGET", current);
                    targets.remove(current);
                } else if (targets.containsValue(source)) {
                    yield ""; // already attached
                }
                Path file = dir.resolve("hotplug.xml");
                Files.writeString(file, DomainXml.diskDevice(d, dir, i -> store.diskFormat(dsId, vmId, i),
                        new java.util.ArrayList<>(targets.keySet())));
                virsh.run(attach ? "attach-device" : "detach-device", name, file.toString(), "--live");
                if (!attach) {
                    String id = d.get("DISK_ID").strip();
                    Files.deleteIfExists(dir.resolve("disk." + id));
                    Files.deleteIfExists(dir.resolve("disk." + id + ".format"));
                }
                yield "";
            }
            case "attach_nic", "detach_nic" -> {
                if (!exists(name)) {
                    yield ""; // a powered-off VM: the NIC is in its template for the next deploy
                }
                Template t = HostNetworks.withTargets(vmId, Template.parse(templateText));
                boolean attach = action.equals("attach_nic");
                VectorAttribute pciNic = pciNic(t, attach ? "ATTACH" : "DETACH");
                VectorAttribute plugged = pciNic != null ? pciNic : hotplugged(t, "NIC", attach);
                // the guest's context CD follows its NICs, as oned's attach_nic/detach_nic make the context again:
                // the front-end put an attached NIC's values in CONTEXT, a detached NIC's go here. The ISO is made
                // before the device changes, so a failure to make it changes nothing.
                Path context = remakeContext(dir, attach ? t : VmContext.withoutNic(t, plugged));
                Path file = dir.resolve("hotplug.xml");
                try {
                    plugNic(vmId, name, t, attach, pciNic, plugged, file);
                } catch (IOException | RuntimeException e) {
                    if (context != null) {
                        Files.deleteIfExists(context); // the guest keeps its NICs, and its CD
                    }
                    throw e;
                }
                if (context != null) {
                    try {
                        insertContext(name, context);
                    } catch (IOException | RuntimeException e) {
                        // the NIC is in (or out of) the guest already; the new CD is on disk for its next boot
                        log.warn("VM {}: the context CD-ROM was not swapped after the NIC change: {}", vmId,
                                e.getMessage());
                    }
                }
                yield "";
            }
            case "update_nic" -> {
                // the template holds every NIC's QoS as it should be now (the changed NIC is not named): apply all
                if (exists(name)) {
                    for (VectorAttribute nic : Template.parse(templateText).vectors("NIC")) {
                        if (nic.get("MAC") != null && !nic.get("MAC").isBlank()) {
                            virsh.run("domiftune", name, nic.get("MAC").strip(), "--inbound",
                                    DomainXml.qosArgument(nic, "INBOUND"), "--outbound",
                                    DomainXml.qosArgument(nic, "OUTBOUND"), "--live");
                        }
                    }
                    networks.post(vmId, HostNetworks.withTargets(vmId, Template.parse(templateText)),
                            HostNetworks.all());
                }
                yield "";
            }
            case "update_sg" -> {
                // a committed or attached security group: the rules in the template replace the NICs' filters
                if (exists(name)) {
                    networks.post(vmId, HostNetworks.withTargets(vmId, Template.parse(templateText)),
                            HostNetworks.all());
                }
                yield "";
            }
            case "update_conf" -> {
                Path context = remakeContext(dir, Template.parse(templateText)); // a new CONTEXT for the running guest
                if (context != null) {
                    insertContext(name, context);
                }
                yield "";
            }
            case "disk_resize" -> {
                Template t = Template.parse(templateText);
                VectorAttribute d = null;
                for (VectorAttribute v : t.vectors("DISK")) {
                    if ("YES".equalsIgnoreCase(v.get("RESIZE"))) {
                        d = v;
                    }
                }
                if (d == null) {
                    throw new IllegalArgumentException("no DISK marked RESIZE in the VM's template");
                }
                // the running guest sees the new size at once (QEMU grows the image file)
                virsh.run("blockresize", name, dir.resolve("disk." + d.get("DISK_ID").strip()).toString(),
                        d.get("SIZE").strip() + "M");
                yield "";
            }
            case "network_pre", "network_post", "network_clean" -> {
                // a live migration's network steps, as oned's VN drivers run them: the target's bridges, VLANs and
                // ports before the guest arrives, its filters once the guest's taps exist there; the source's clean
                // after it left (or the target's, when the migration failed)
                Template t = HostNetworks.withTargets(vmId, Template.parse(templateText));
                switch (action) {
                    case "network_pre" -> networks.pre(vmId, t, HostNetworks.all());
                    case "network_post" -> networks.post(vmId, t, HostNetworks.all());
                    default -> networks.clean(vmId, t, HostNetworks.all());
                }
                yield "";
            }
            case "resize_vm" -> {
                hotResize(name, dir, Template.parse(templateText));
                yield "";
            }
            case "cleanup" -> {
                destroy(name);
                cleanNetworks(vmId, templateText);
                store.cleanVm(dsId, vmId);
                yield "";
            }
            default -> throw new UnsupportedOperationException("the kvm agent does not support " + action + " yet");
        };
    }

    /** Plugs the NIC (a tap on the host's network, or a PCI NIC's VF) into the running domain, or unplugs it. */
    private void plugNic(int vmId, String name, Template t, boolean attach, VectorAttribute pciNic,
                         VectorAttribute plugged, Path file) throws IOException {
        if (pciNic != null) {
            // a PCI NIC: the host's VF itself goes to (or leaves) the guest, no bridge or filter on the host
            if (attach) {
                networks.pre(vmId, t, HostNetworks.marked("ATTACH")); // the VF's MAC, VLAN and checks
            }
            Files.writeString(file, DomainXml.pciDevice(pciNic));
            virsh.run(attach ? "attach-device" : "detach-device", name, file.toString(), "--live");
        } else {
            var nic = HostNetworks.marked(attach ? "ATTACH" : "DETACH");
            if (attach) {
                networks.pre(vmId, t, nic);
            }
            Files.writeString(file, DomainXml.nicDevice(plugged));
            virsh.run(attach ? "attach-device" : "detach-device", name, file.toString(), "--live");
            if (attach) {
                networks.post(vmId, t, nic);
            } else {
                networks.clean(vmId, t, nic);
            }
        }
    }

    /**
     * Makes the context ISO again from the template's CONTEXT, next to the one in use ({@code disk.N.next}): the
     * disk file changes only when {@link #insertContext} puts it in. Its path, or null for a VM without CONTEXT.
     */
    private static Path remakeContext(Path dir, Template t) throws IOException {
        List<VectorAttribute> contexts = t.vectors("CONTEXT");
        if (contexts.isEmpty()) {
            return null;
        }
        VectorAttribute ctx = contexts.get(0);
        String id = ctx.get("DISK_ID");
        Path next = dir.resolve("disk." + (id == null || id.isBlank() ? t.vectors("DISK").size() : id.strip())
                + ".next");
        ContextIso.build(ctx, next);
        return next;
    }

    /**
     * Puts a remade context ISO ({@code disk.N.next}) in place of {@code disk.N} and swaps it into the running
     * domain's CD-ROM: the guest reads the new values from it. Ejected first, then inserted, as oned's reconfigure
     * does: libvirt takes an "update" to the same path for no change, and QEMU would go on reading the old file it
     * holds open.
     */
    private void insertContext(String name, Path next) throws IOException {
        String file = next.getFileName().toString();
        Path iso = next.resolveSibling(file.substring(0, file.length() - ".next".length()));
        Files.move(next, iso, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String target = blockTargets(name).entrySet().stream()
                .filter(e -> e.getValue().equals(iso.toString())).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalStateException("domain " + name + " has no context CD-ROM"));
        virsh.run("change-media", name, target, "--eject", "--live", "--force");
        virsh.run("change-media", name, target, iso.toString(), "--insert", "--live", "--force");
    }

    /**
     * Hot resize of a running domain (one.vm.resize of a RUNNING VM), as oned's kvm driver: the template holds the
     * new VCPU and MEMORY and the old ones in RESIZE. Memory moves first, through the balloon (BALLOONING, the
     * default: up to the MEMORY_MAX the domain booted with) or by plugging a DIMM of the difference into NUMA cell 0
     * (HOTPLUG), then the online vCPUs (up to VCPU_MAX). libvirt refuses what the domain has no room for; the
     * front-end then gives the VM its old size back.
     */
    private void hotResize(String name, Path dir, Template t) throws IOException {
        List<VectorAttribute> kept = t.vectors("RESIZE");
        VectorAttribute old = kept.isEmpty() ? new VectorAttribute("RESIZE", List.of()) : kept.get(0);
        long mem = num(t.get("MEMORY"));
        long oldMem = old.get("MEMORY") == null ? mem : num(old.get("MEMORY"));
        if (mem > 0 && mem != oldMem) {
            if (DomainXml.memoryHotplug(t)) {
                Path file = dir.resolve("resize-dimm.xml");
                Files.writeString(file, "<memory model='dimm'><target><size unit='MiB'>" + Math.abs(mem - oldMem)
                        + "</size><node>0</node></target></memory>\n");
                try {
                    virsh.run(mem > oldMem ? "attach-device" : "detach-device", name, file.toString(), "--live");
                } finally {
                    Files.deleteIfExists(file);
                }
            } else {
                virsh.run("setmem", name, Long.toString(mem * 1024), "--live");
            }
        }
        String vcpu = t.get("VCPU");
        String oldVcpu = old.get("VCPU");
        if (vcpu != null && !vcpu.isBlank() && !vcpu.strip().equals(oldVcpu == null ? "" : oldVcpu.strip())) {
            virsh.run("setvcpus", name, vcpu.strip(), "--live", "--hotpluggable");
        }
    }

    /**
     * Restores a checkpoint; one saved on another host (a cold migration) names that host's VM directory, so the
     * domain comes back with its paths pointed at this host's copy of the files.
     */
    private void restore(int vmId, Path checkpoint, Path dir) throws IOException {
        String xml = virsh.run("save-image-dumpxml", checkpoint.toString());
        String moved = MigrationXml.relocate(xml, vmId, dir);
        if (moved.equals(xml)) {
            virsh.run("restore", checkpoint.toString());
            return;
        }
        Path file = dir.resolve("restore.xml");
        Files.writeString(file, moved);
        virsh.run("restore", checkpoint.toString(), "--xml", file.toString());
    }

    /**
     * Live migration of a running domain to another host's libvirt ({@code targetUri}), its disks copied on the
     * way (NBD, only what the target's prepared disks lack: their backing images are already there), QEMU's
     * stream to {@code targetAddress}. The target's VM directory ({@code targetDir}) was filled by the front-end
     * first; the domain arrives with its paths pointed there. Done already when the domain runs on the target.
     */
    public void migrate(int vmId, int dsId, String targetUri, String targetAddress, String targetDir) throws IOException {
        String name = DomainXml.name(vmId);
        if (!exists(name)) {
            if (new Virsh(targetUri).tryRun("domstate", name).ok()) {
                return; // migrated already (the operation issued again after a front-end restart)
            }
            throw new Virsh.CommandException("domain " + name + " is not running on this host");
        }
        Path dir = store.vmDir(dsId, vmId);
        String xml = virsh.run("dumpxml", "--migratable", name);
        Path file = dir.resolve("migrate.xml");
        Files.writeString(file, MigrationXml.relocate(xml, vmId, Path.of(targetDir)));
        virsh.runLong(MIGRATION_TIMEOUT_SECONDS, "migrate", "--live", "--copy-storage-inc", "--xml", file.toString(),
                name, targetUri, "tcp://" + targetAddress);
        lastCpu.remove(name);
    }

    private static final int MIGRATION_TIMEOUT_SECONDS = 900;

    /** The guest left this host: its NICs' filters go, and bridges no other guest uses. */
    private void cleanNetworks(int vmId, String templateText) {
        if (!templateText.isBlank()) {
            networks.clean(vmId, HostNetworks.withTargets(vmId, Template.parse(templateText)), HostNetworks.all());
        }
    }

    /** The domain's disks now: target -> source file. */
    private Map<String, String> blockTargets(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : virsh.run("domblklist", name).split("\n")) {
            String[] f = line.strip().split("\\s+", 2);
            if (f.length == 2 && !f[0].equals("Target") && !f[0].startsWith("-")) {
                out.put(f[0], f[1].strip());
            }
        }
        return out;
    }

    /** The hypervisor's name of the snapshot being worked on (HYPERVISOR_ID, as the front-end names it). */
    private static String snapshotName(String templateText) {
        for (VectorAttribute s : Template.parse(templateText).vectors("SNAPSHOT")) {
            if ("YES".equalsIgnoreCase(s.get("ACTIVE"))) {
                String h = s.get("HYPERVISOR_ID");
                return h == null || h.isBlank() ? "snap-" + s.get("SNAPSHOT_ID").strip() : h.strip();
            }
        }
        throw new IllegalArgumentException("no snapshot marked ACTIVE in the VM's template");
    }

    /**
     * A disk snapshot of a running domain: QEMU itself makes (or deletes) the internal qcow2 snapshot {@code snap}
     * of the disk's image (qemu-img may not touch an image in use), the same snap-ID a powered-off VM's disk gets,
     * so either way of working can revert or delete it later. Idempotent: creating one that exists or deleting one
     * that is gone succeeds.
     */
    public void liveDiskSnapshot(int vmId, int dsId, int diskId, String action, String snap) {
        if (!"qcow2".equals(store.diskFormat(dsId, vmId, diskId))) {
            throw new IllegalArgumentException("disk " + diskId + " is raw: disk snapshots need a qcow2 disk");
        }
        if (!snap.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("bad snapshot name '" + snap + "'");
        }
        String command = switch (action) {
            case "create" -> "blockdev-snapshot-internal-sync";
            case "delete" -> "blockdev-snapshot-delete-internal-sync";
            default -> throw new IllegalArgumentException("a running VM's disk snapshot can be created or deleted,"
                    + " not " + action + " (power it off first)");
        };
        String name = DomainXml.name(vmId);
        String node = blockNode(name, store.vmDir(dsId, vmId).resolve("disk." + diskId));
        Virsh.Result r = virsh.tryRun("qemu-monitor-command", name, "{\"execute\":\"" + command
                + "\",\"arguments\":{\"device\":\"" + node + "\",\"name\":\"" + snap + "\"}}");
        String out = r.output();
        if (r.ok() && !out.contains("\"error\"")) {
            return;
        }
        boolean already = action.equals("create") ? out.contains("already exists")
                : out.contains("does not exist") || out.contains("not found");
        if (!already) {
            throw new Virsh.CommandException("disk " + diskId + " snapshot " + action + ": " + out.strip());
        }
    }

    /** QEMU's name of the block node holding a disk file of a running domain (from the monitor's info block). */
    private String blockNode(String domain, Path disk) {
        java.util.Set<String> paths = new java.util.HashSet<>(List.of(disk.toString()));
        try {
            paths.add(disk.toRealPath().toString()); // a disk that is a link to its image
        } catch (IOException e) {
            // the path as it is
        }
        for (String line : virsh.run("qemu-monitor-command", domain, "--hmp", "info block").split("\n")) {
            int colon = line.indexOf(": ");
            if (colon <= 0 || Character.isWhitespace(line.charAt(0))) {
                continue;
            }
            String rest = line.substring(colon + 2);
            int paren = rest.lastIndexOf(" (");
            if (paren > 0 && paths.contains(rest.substring(0, paren).strip())) {
                String node = line.substring(0, colon).strip();
                int hash = node.indexOf(" (#");
                return hash > 0 ? node.substring(0, hash) : node;
            }
        }
        throw new Virsh.CommandException("domain " + domain + " has no disk " + disk);
    }

    private static VectorAttribute marked(Template t, String kind, String flag) {
        for (VectorAttribute v : t.vectors(kind)) {
            if ("YES".equalsIgnoreCase(v.get(flag))) {
                return v;
            }
        }
        throw new IllegalArgumentException("no " + kind + " marked " + flag + " in the VM's template");
    }

    /** The PCI NIC (PCI TYPE=NIC) marked {@code flag} (ATTACH or DETACH), or null when the hot-plug is a NIC's. */
    private static VectorAttribute pciNic(Template t, String flag) {
        for (VectorAttribute v : t.vectors("PCI")) {
            if (dev.nimbo.core.vm.VmResources.isPciNic(v) && "YES".equalsIgnoreCase(v.get(flag))) {
                return v;
            }
        }
        return null;
    }

    /** The DISK or NIC being attached (ATTACH = YES) or detached (DETACH = YES). */
    private static VectorAttribute hotplugged(Template t, String kind, boolean attach) {
        return marked(t, kind, attach ? "ATTACH" : "DETACH");
    }

    private String deploy(int vmId, int dsId, Template t, Path dir, String name) throws IOException {
        if (exists(name)) {
            return name; // a deploy issued again after a front-end restart
        }
        Files.createDirectories(dir);
        VectorAttribute ctx = t.vectors("CONTEXT").isEmpty() ? null : t.vectors("CONTEXT").get(0);
        if (ctx != null) {
            String id = ctx.get("DISK_ID");
            int diskId = id == null || id.isBlank() ? t.vectors("DISK").size() : Integer.parseInt(id.strip());
            ContextIso.build(ctx, dir.resolve("disk." + diskId));
        }
        String xml = DomainXml.build(vmId, t, domainType, dir, d -> store.diskFormat(dsId, vmId, d));
        Path file = dir.resolve("deployment.xml");
        Files.writeString(file, xml);
        Files.deleteIfExists(dir.resolve("console.log"));
        networks.pre(vmId, t, HostNetworks.all());
        virsh.run("create", file.toString());
        networks.post(vmId, t, HostNetworks.all());
        return name;
    }

    private void shutdown(String name) {
        if (!exists(name)) {
            return;
        }
        virsh.tryRun("shutdown", name);
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!exists(name)) {
                return;
            }
            sleep(250);
        }
        destroy(name); // the guest ignored the power button
    }

    private void destroy(String name) {
        if (exists(name)) {
            Virsh.Result r = virsh.tryRun("destroy", name);
            if (!r.ok() && exists(name)) {
                throw new Virsh.CommandException(r.output());
            }
        }
        lastCpu.remove(name);
    }

    /**
     * Runs {@code work} on a VM's disk files with its domain, if running, paused meanwhile: pausing makes QEMU
     * drain and flush what the guest wrote (its qcow2 caches included), so a copy taken then is consistent, as
     * oned suspends a domain around a live disk save-as. The domain runs again afterwards, whatever happened.
     */
    public <T> T withDomainPaused(int vmId, java.util.concurrent.Callable<T> work) throws Exception {
        String name = DomainXml.name(vmId);
        Virsh.Result state = virsh.tryRun("domstate", name);
        boolean pause = state.ok() && state.output().strip().startsWith("running");
        if (pause) {
            virsh.run("suspend", name);
        }
        try {
            return work.call();
        } finally {
            if (pause) {
                virsh.run("resume", name);
            }
        }
    }

    public boolean exists(String name) {
        return virsh.tryRun("domstate", name).ok();
    }

    /** Running domains' counters as vm.xsd MONITORING names them, by VM ID (domains named one-ID only). */
    public Map<Integer, Map<String, String>> poll() {
        // a failure throws: an empty answer would say every VM is gone
        String out = virsh.run("domstats", "--raw", "--cpu-total", "--balloon", "--interface", "--block",
                "--state");
        Map<Integer, Map<String, String>> vms = new LinkedHashMap<>();
        String domain = null;
        Map<String, String> stats = new HashMap<>();
        for (String line : (out + "\n").split("\n")) {
            line = line.strip();
            if (line.startsWith("Domain:")) {
                add(vms, domain, stats);
                domain = line.substring(7).strip().replace("'", "");
                stats = new HashMap<>();
            } else if (line.contains("=")) {
                int eq = line.indexOf('=');
                stats.put(line.substring(0, eq), line.substring(eq + 1));
            } else if (line.isEmpty()) {
                add(vms, domain, stats);
                domain = null;
                stats = new HashMap<>();
            }
        }
        add(vms, domain, stats);
        return vms;
    }

    private void add(Map<Integer, Map<String, String>> vms, String domain, Map<String, String> s) {
        if (domain == null || !domain.matches("one-\\d+")) {
            return;
        }
        int id = Integer.parseInt(domain.substring(4));
        Map<String, String> m = new LinkedHashMap<>();
        long now = System.nanoTime();
        long cpuNs = num(s.get("cpu.time"));
        long[] prev = lastCpu.put(domain, new long[] {now, cpuNs});
        double cpu = prev == null || now <= prev[0] ? 0 : 100.0 * (cpuNs - prev[1]) / (now - prev[0]);
        m.put("CPU", String.format(Locale.ROOT, "%.2f", Math.max(0, cpu)));
        long mem = num(s.get("balloon.rss"));
        m.put("MEMORY", Long.toString(mem > 0 ? mem : num(s.get("balloon.current"))));
        long rx = 0;
        long tx = 0;
        for (int i = 0; i < num(s.get("net.count")); i++) {
            rx += num(s.get("net." + i + ".rx.bytes"));
            tx += num(s.get("net." + i + ".tx.bytes"));
        }
        long rd = 0;
        long wr = 0;
        long rdOps = 0;
        long wrOps = 0;
        for (int i = 0; i < num(s.get("block.count")); i++) {
            rd += num(s.get("block." + i + ".rd.bytes"));
            wr += num(s.get("block." + i + ".wr.bytes"));
            rdOps += num(s.get("block." + i + ".rd.reqs"));
            wrOps += num(s.get("block." + i + ".wr.reqs"));
        }
        m.put("NETRX", Long.toString(rx));
        m.put("NETTX", Long.toString(tx));
        m.put("DISKRDBYTES", Long.toString(rd));
        m.put("DISKWRBYTES", Long.toString(wr));
        m.put("DISKRDIOPS", Long.toString(rdOps));
        m.put("DISKWRIOPS", Long.toString(wrOps));
        m.put("STATE", state(s.get("state.state")));
        vms.put(id, m);
    }

    /**
     * A libvirt domain state (virDomainState) as the front-end reads a poll's STATE: paused and suspended-to-RAM
     * are PAUSED, shut off POWEROFF, crashed FAILURE; running, blocked and shutting down are RUNNING.
     */
    static String state(String libvirtState) {
        return switch (libvirtState == null ? "" : libvirtState.strip()) {
            case "3", "7" -> "PAUSED";
            case "5" -> "POWEROFF";
            case "6" -> "FAILURE";
            default -> "RUNNING";
        };
    }

    private static long num(String v) {
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Virsh.CommandException("interrupted");
        }
    }

    /** Running domains that are not the given VMs' (one-ID): VMs this host runs that the front-end did not place. */
    public List<String> wilds(java.util.Set<Integer> known) {
        Virsh.Result r = virsh.tryRun("list", "--name");
        List<String> out = new java.util.ArrayList<>();
        if (!r.ok()) {
            return out;
        }
        for (String name : r.output().split("\n")) {
            String n = name.strip();
            if (n.isEmpty()) {
                continue;
            }
            if (n.matches("one-\\d+") && known.contains(Integer.parseInt(n.substring(4)))) {
                continue;
            }
            out.add(n);
        }
        return out;
    }

    private volatile String libvirtVersion;

    /** libvirt's version, for the host's template (asked once: a libvirt upgrade restarts the agent's host). */
    public String libvirtVersion() {
        String v = libvirtVersion;
        if (v == null || v.isEmpty()) {
            v = askLibvirtVersion();
            libvirtVersion = v;
        }
        return v;
    }

    private String askLibvirtVersion() {
        Virsh.Result r = virsh.tryRun("version");
        for (String line : r.output().split("\n")) {
            if (line.contains("libvirt") && line.contains("library")) {
                return line.substring(line.lastIndexOf(' ') + 1);
            }
        }
        return "";
    }
}
