package dev.nimbo.cli.vm;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.datastore.DatastoreCommand;
import dev.nimbo.cli.host.HostCommand;
import dev.nimbo.cli.image.ImageCommand;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.template.OwnerVerbs;
import dev.nimbo.cli.template.TemplateCommand;
import dev.nimbo.cli.vnet.VnetCommand;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo vm}: virtual machines and their life cycle (one.vm.*, one.vmpool.info). Lists show the short
 * STAT names of {@code onevm list} (pend, hold, runn, poff, ...); life-cycle verbs take several VMs at once and
 * stop at the first the server refuses.
 */
@Command(name = "vm", header = "Manage virtual machines.",
        description = {"Examples:", "  nimbo vm create --name web --cpu 1 --memory 2g --disk ubuntu --nic public",
            "  nimbo vm deploy web edge-01", "  nimbo vm list --filter STAT=runn"})
public final class VmCommand extends Family {
    static final String P = "one.vm";

    /** For name lookups (its TIME column is measured from class load; lists use {@link VmView#kind} with the clock). */
    public static final Kind KIND = VmView.kind(Instant.EPOCH);

    private Instant now() {
        return io().clock().instant();
    }

    private int vm(String token) {
        return resolve(KIND, token);
    }

    @Command(name = "list", header = "List virtual machines.",
            description = {"Columns: ID, USER, GROUP, NAME, STAT, CPU, MEM, HOST, TIME (default), VCPU, UCPU, UMEM, IP,",
                "STATE, LCM_STATE, HOST_ID, PERMS. STAT is the short state: pend, hold, prol, boot, runn, poff, stop, susp,",
                "unde, fail, migr, epil, shut, snap, hotp, unkn, done ...", "Example:", "  nimbo vm list --filter STAT=runn -w 5"})
    int list(@Mixin WatchOption watch) {
        return list(VmView.kind(now()), watch);
    }

    @Command(name = "show", header = "Show a VM: state, capacity, disks, NICs, snapshots, history, template.",
            description = {"Example:", "  nimbo vm show web"})
    int show(@Parameters(paramLabel = "VM", description = "ID or name") String vm) {
        Instant now = now();
        return show(KIND, vm(vm), v -> VmView.detail(v, now));
    }

    // ------------------------------------------------------------------ create

    /** The options that make a VM (or template) from the command line. */
    static final class Shape {
        @Option(names = "--name", paramLabel = "NAME", description = "VM name.")
        String name;
        @Option(names = "--cpu", paramLabel = "N", description = "Physical CPUs (may be fractional, e.g. 0.5).")
        String cpu;
        @Option(names = "--vcpu", paramLabel = "N", description = "Virtual CPUs.")
        Integer vcpu;
        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory, e.g. 512m or 2g.")
        String memory;
        @Option(names = "--disk", split = ",", paramLabel = "IMAGE", description = "Image IDs or names (comma-separated or repeated).")
        List<String> disks;
        @Option(names = "--nic", split = ",", paramLabel = "VNET", description = "Network IDs or names (comma-separated or repeated).")
        List<String> nics;
        @Option(names = "--topology", paramLabel = "SPEC", description = "e.g. sockets=1,cores=2,threads=1 (also pin_policy, hugepage_size).")
        String topology;
    }

    @Command(name = "create", header = "Create a VM from a template file, standard input or options.",
            description = {"FILE ('-' for standard input) holds the template; options add to it. Image and network names",
                "are resolved to IDs.", "Examples:",
                "  nimbo vm create --name web --cpu 1 --vcpu 2 --memory 2g --disk ubuntu,data --nic public \\",
                "      --topology sockets=1,cores=2,threads=1", "  nimbo vm create vm.tmpl --hold"})
    int create(@Parameters(arity = "0..1", paramLabel = "FILE") String file, @Mixin Shape shape,
            @Option(names = "--hold", description = "Create on hold: the scheduler leaves it until released.") boolean hold) {
        StringBuilder t = new StringBuilder(file == null ? "" : readFile(file));
        if (!t.isEmpty() && t.charAt(t.length() - 1) != '\n') {
            t.append('\n');
        }
        appendShape(t, shape);
        if (t.toString().isBlank()) {
            throw CliException.usage("give a template FILE ('-' for standard input) or options such as --cpu and --memory");
        }
        return printId(api().id(P + ".allocate", t.toString(), hold));
    }

    void appendShape(StringBuilder t, Shape s) {
        if (s.name != null) {
            t.append("NAME=").append(TemplateText.quote(s.name)).append('\n');
        }
        if (s.cpu != null) {
            if (!s.cpu.matches("\\d+(\\.\\d+)?")) {
                throw CliException.usage("--cpu must be a number like 1 or 0.5, got '" + s.cpu + "'");
            }
            t.append("CPU=").append(TemplateText.quote(s.cpu)).append('\n');
        }
        if (s.vcpu != null) {
            t.append("VCPU=").append(s.vcpu).append('\n');
        }
        if (s.memory != null) {
            try {
                t.append("MEMORY=").append(Sizes.parseMb(s.memory)).append('\n');
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--memory: " + e.getMessage());
            }
        }
        for (String d : s.disks == null ? List.<String>of() : s.disks) {
            if (!d.isBlank()) {
                t.append("DISK=[ IMAGE_ID=").append(resolve(ImageCommand.KIND, d)).append(" ]\n");
            }
        }
        for (String n : s.nics == null ? List.<String>of() : s.nics) {
            if (!n.isBlank()) {
                t.append("NIC=[ NETWORK_ID=").append(resolve(VnetCommand.KIND, n)).append(" ]\n");
            }
        }
        if (s.topology != null) {
            t.append("TOPOLOGY=[ ").append(topology(s.topology)).append(" ]\n");
        }
    }

    /** "sockets=1,cores=2,threads=1" → {@code SOCKETS="1", CORES="2", THREADS="1"}. */
    static String topology(String spec) {
        Map<String, String> parts = new TreeMap<>();
        List<String> out = new ArrayList<>();
        for (String kv : spec.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("--topology takes KEY=VALUE pairs like sockets=1,cores=2,threads=1, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim().toUpperCase(Locale.ROOT);
            if (!List.of("SOCKETS", "CORES", "THREADS", "PIN_POLICY", "HUGEPAGE_SIZE", "MEMORY_ACCESS", "NODE_AFFINITY")
                    .contains(key)) {
                throw CliException.usage("--topology: unknown key '" + kv.substring(0, eq).trim()
                        + "' (sockets, cores, threads, pin_policy, hugepage_size, memory_access, node_affinity)");
            }
            if (parts.put(key, kv.substring(eq + 1).trim()) != null) {
                throw CliException.usage("--topology: " + key.toLowerCase(Locale.ROOT) + " given twice");
            }
            out.add(key + "=" + TemplateText.quote(kv.substring(eq + 1).trim()));
        }
        return String.join(", ", out);
    }

    @Command(name = "instantiate", header = "Create a VM from a VM template.",
            description = {"Example:", "  nimbo vm instantiate small --name web-1 --hold"})
    int instantiate(@Parameters(paramLabel = "TEMPLATE", description = "Template ID or name") String template,
            @Option(names = "--name", paramLabel = "NAME", description = "VM name (default: <template>-<id>).") String name,
            @Option(names = "--hold", description = "Create on hold.") boolean hold,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Extra template merged into the template's.")
            String file,
            @Option(names = "--persistent", description = "Give the VM private persistent copies of the template's images.")
            boolean persistent) {
        return printId(api().id("one.template.instantiate", resolve(TemplateCommand.KIND, template),
                name == null ? "" : name, hold, file == null ? "" : readFile(file), persistent));
    }

    // ------------------------------------------------------------------ placement

    @Command(name = "deploy", header = "Start a pending or held VM on a host (administrators).",
            description = {"Example:", "  nimbo vm deploy web edge-01 system --enforce"})
    int deploy(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "HOST") String host,
            @Parameters(index = "2", arity = "0..1", paramLabel = "DATASTORE", description = "System datastore (default: the host's).")
            String ds,
            @Option(names = "--enforce", description = "Refuse when the host lacks capacity.") boolean enforce) {
        int id = vm(vm);
        int hid = resolve(HostCommand.KIND, host);
        int dsId = ds == null ? -1 : resolve(DatastoreCommand.KIND, ds);
        api().call(P + ".deploy", id, hid, enforce, dsId);
        return ExitCodes.OK;
    }

    @Command(name = "migrate", header = "Move a VM to another host (and/or system datastore).",
            description = {"Example:", "  nimbo vm migrate web edge-02 --live"})
    int migrate(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "HOST") String host,
            @Option(names = "--live", description = "Without stopping the VM.") boolean live,
            @Option(names = "--enforce", description = "Refuse when the host lacks capacity.") boolean enforce,
            @Option(names = "--ds", paramLabel = "DATASTORE", description = "Target system datastore.") String ds,
            @Option(names = "--poweroff", description = "Cold migration by powering off instead of saving.") boolean poweroff,
            @Option(names = "--poweroff-hard", description = "Cold migration by powering off hard.") boolean poweroffHard) {
        int dsId = ds == null ? -1 : resolve(DatastoreCommand.KIND, ds);
        api().call(P + ".migrate", vm(vm), resolve(HostCommand.KIND, host), live, enforce, dsId,
                poweroffHard ? 2 : poweroff ? 1 : 0);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ life-cycle actions

    private int action(List<String> vms, String word) {
        for (String v : vms) {
            api().call(P + ".action", word, vm(v));
        }
        return ExitCodes.OK;
    }

    @Command(name = "terminate", header = "Shut VMs down and delete them.", description = {"Example:", "  nimbo vm terminate web --hard"})
    int terminate(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms,
            @Option(names = "--hard", description = "Destroy immediately instead of a clean shutdown.") boolean hard) {
        return action(vms, hard ? "terminate-hard" : "terminate");
    }

    @Command(name = "undeploy", header = "Shut VMs down, keeping their disks in the system datastore, freeing the host.",
            description = {"Example:", "  nimbo vm undeploy web"})
    int undeploy(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms,
            @Option(names = "--hard", description = "Destroy the running instance instead of a clean shutdown.") boolean hard) {
        return action(vms, hard ? "undeploy-hard" : "undeploy");
    }

    @Command(name = "poweroff", header = "Power VMs off (they keep their host).", description = {"Example:", "  nimbo vm poweroff web"})
    int poweroff(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms,
            @Option(names = "--hard", description = "Pull the plug instead of an ACPI shutdown.") boolean hard) {
        return action(vms, hard ? "poweroff-hard" : "poweroff");
    }

    @Command(name = "reboot", header = "Reboot VMs.", description = {"Example:", "  nimbo vm reboot web --hard"})
    int reboot(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms,
            @Option(names = "--hard", description = "Reset instead of an ACPI reboot.") boolean hard) {
        return action(vms, hard ? "reboot-hard" : "reboot");
    }

    @Command(name = "hold", header = "Keep pending VMs from being scheduled.", description = {"Example:", "  nimbo vm hold web"})
    int hold(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "hold");
    }

    @Command(name = "release", header = "Release held VMs to the scheduler.", description = {"Example:", "  nimbo vm release web"})
    int release(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "release");
    }

    @Command(name = "stop", header = "Save VMs' state and move them off their host.", description = {"Example:", "  nimbo vm stop web"})
    int stop(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "stop");
    }

    @Command(name = "suspend", header = "Save VMs' state, keeping them on their host.", description = {"Example:", "  nimbo vm suspend web"})
    int suspend(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "suspend");
    }

    @Command(name = "resume", header = "Resume stopped, suspended, powered-off or undeployed VMs.",
            description = {"Example:", "  nimbo vm resume web"})
    int resume(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "resume");
    }

    @Command(name = "resched", header = "Ask the scheduler to move running VMs.", description = {"Example:", "  nimbo vm resched web"})
    int resched(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "resched");
    }

    @Command(name = "unresched", header = "Cancel a resched request.", description = {"Example:", "  nimbo vm unresched web"})
    int unresched(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms) {
        return action(vms, "unresched");
    }

    static final class Recovery {
        @Option(names = "--success", description = "The pending operation succeeded.") boolean success;
        @Option(names = "--failure", description = "The pending operation failed.") boolean failure;
        @Option(names = "--retry", description = "Retry the failed operation.") boolean retry;
        @Option(names = "--delete", description = "Delete the VM, cleaning what can be cleaned.") boolean delete;
        @Option(names = "--delete-recreate", description = "Delete and create again as PENDING.") boolean recreate;

        int code() {
            return success ? 1 : failure ? 0 : retry ? 2 : delete ? 3 : 4;
        }
    }

    @Command(name = "recover", header = "Resolve a VM stuck in an operation or a failure state (administrators).",
            description = {"Example:", "  nimbo vm recover web --retry"})
    int recover(@Parameters(arity = "1..*", paramLabel = "VM") List<String> vms,
            @ArgGroup(exclusive = true, multiplicity = "1") Recovery how) {
        for (String v : vms) {
            api().call(P + ".recover", vm(v), how.code());
        }
        return ExitCodes.OK;
    }

    @Command(name = "resize", header = "Change a VM's CPU, VCPU and memory (powered off or not yet deployed).",
            description = {"Example:", "  nimbo vm resize web --cpu 2 --vcpu 4 --memory 4g"})
    int resize(@Parameters(paramLabel = "VM") String vm,
            @Option(names = "--cpu", paramLabel = "N") String cpu,
            @Option(names = "--vcpu", paramLabel = "N") Integer vcpu,
            @Option(names = "--memory", paramLabel = "SIZE") String memory,
            @Option(names = "--enforce", description = "Check host capacity (always for non-administrators).") boolean enforce) {
        if (cpu == null && vcpu == null && memory == null) {
            throw CliException.usage("give --cpu, --vcpu and/or --memory");
        }
        Shape s = new Shape();
        s.cpu = cpu;
        s.vcpu = vcpu;
        s.memory = memory;
        StringBuilder t = new StringBuilder();
        appendShape(t, s);
        api().call(P + ".resize", vm(vm), t.toString(), enforce);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ snapshots

    @Command(name = "snapshot-create", header = "Take a system snapshot of a running VM.",
            description = {"Example:", "  nimbo vm snapshot-create web before-upgrade"})
    int snapshotCreate(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", arity = "0..1", paramLabel = "NAME") String name) {
        return printId(api().id(P + ".snapshotcreate", vm(vm), name == null ? "" : name));
    }

    @Command(name = "snapshot-revert", header = "Return a running VM to a system snapshot.",
            description = {"Example:", "  nimbo vm snapshot-revert web 0"})
    int snapshotRevert(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "SNAPSHOT", description = "Snapshot ID or name") String snap) {
        int id = vm(vm);
        api().call(P + ".snapshotrevert", id, snapshotId(id, snap));
        return ExitCodes.OK;
    }

    @Command(name = "snapshot-delete", header = "Delete a system snapshot.", description = {"Example:", "  nimbo vm snapshot-delete web 0"})
    int snapshotDelete(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "SNAPSHOT", description = "Snapshot ID or name") String snap) {
        int id = vm(vm);
        api().call(P + ".snapshotdelete", id, snapshotId(id, snap));
        return ExitCodes.OK;
    }

    private int snapshotId(int vmId, String snap) {
        if (snap.matches("\\d+")) {
            return Integer.parseInt(snap);
        }
        XmlNode v = api().xml(KIND.infoMethod(), vmId, false);
        List<XmlNode> hits = v.all("TEMPLATE/SNAPSHOT").stream().filter(s -> s.text("NAME").equals(snap)).toList();
        if (hits.size() != 1) {
            throw CliException.server(hits.isEmpty() ? "VM " + vmId + " has no snapshot named '" + snap + "'"
                    : "several snapshots of VM " + vmId + " are named '" + snap + "'; give the ID");
        }
        return Integer.parseInt(hits.get(0).text("SNAPSHOT_ID"));
    }

    // ------------------------------------------------------------------ disk snapshots and resize

    @Command(name = "disk-snapshot-create", header = "Take a snapshot of one disk of a VM.",
            description = {"Example:", "  nimbo vm disk-snapshot-create web 0 before-upgrade"})
    int diskSnapshotCreate(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "NAME") String name) {
        return printId(api().id(P + ".disksnapshotcreate", vm(vm), disk, name));
    }

    @Command(name = "disk-snapshot-revert", header = "Return a disk to one of its snapshots (VM powered off or suspended).",
            description = {"Example:", "  nimbo vm disk-snapshot-revert web 0 1"})
    int diskSnapshotRevert(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "SNAPSHOT_ID") int snap) {
        api().call(P + ".disksnapshotrevert", vm(vm), disk, snap);
        return ExitCodes.OK;
    }

    @Command(name = "disk-snapshot-delete", header = "Delete a disk snapshot.",
            description = {"Example:", "  nimbo vm disk-snapshot-delete web 0 1"})
    int diskSnapshotDelete(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "SNAPSHOT_ID") int snap) {
        api().call(P + ".disksnapshotdelete", vm(vm), disk, snap);
        return ExitCodes.OK;
    }

    @Command(name = "disk-snapshot-rename", header = "Rename a disk snapshot.",
            description = {"Example:", "  nimbo vm disk-snapshot-rename web 0 1 golden"})
    int diskSnapshotRename(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "SNAPSHOT_ID") int snap,
            @Parameters(index = "3", paramLabel = "NAME") String name) {
        api().call(P + ".disksnapshotrename", vm(vm), disk, snap, name);
        return ExitCodes.OK;
    }

    @Command(name = "disk-resize", header = "Grow a disk of a VM (disks never shrink).",
            description = {"Example:", "  nimbo vm disk-resize web 0 20g"})
    int diskResize(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "SIZE") String size) {
        long mb;
        try {
            mb = Sizes.parseMb(size);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("SIZE: " + e.getMessage());
        }
        api().call(P + ".diskresize", vm(vm), disk, String.valueOf(mb));
        return ExitCodes.OK;
    }

    @Command(name = "disk-saveas", header = "Save a disk (or one of its snapshots) as a new image.",
            description = {"Example:", "  nimbo vm disk-saveas web 0 web-backup --snapshot 1"})
    int diskSaveas(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "DISK_ID") int disk, @Parameters(index = "2", paramLabel = "IMAGE_NAME") String name,
            @Option(names = "--type", paramLabel = "TYPE", description = "Type of the new image (default: the disk's).") String type,
            @Option(names = "--snapshot", paramLabel = "SNAPSHOT_ID", description = "Save this disk snapshot instead of the disk.")
            Integer snap) {
        return printId(api().id(P + ".disksaveas", vm(vm), disk, name, type == null ? "" : type.toUpperCase(Locale.ROOT),
                snap == null ? -1 : snap));
    }

    // ------------------------------------------------------------------ backups

    @Command(name = "backup", header = "Back up a running or powered-off VM's disks into a backup datastore.",
            description = {"An incremental chain (BACKUP_CONFIG MODE = INCREMENT) continues in its image's datastore",
                "unless --reset starts a new one.", "Example:", "  nimbo vm backup web --datastore backups"})
    int backup(@Parameters(paramLabel = "VM") String vm,
            @Option(names = {"-d", "--datastore"}, required = true, paramLabel = "DS", description = "BACKUP_DS datastore ID or name.")
            String ds,
            @Option(names = "--reset", description = "Start a new incremental chain.") boolean reset) {
        api().call(P + ".backup", vm(vm), resolve(DatastoreCommand.KIND, ds), reset);
        return ExitCodes.OK;
    }

    @Command(name = "backupcancel", aliases = "backup-cancel", header = "Cancel the backup a VM is taking.",
            description = {"Example:", "  nimbo vm backupcancel web"})
    int backupCancel(@Parameters(paramLabel = "VM") String vm) {
        api().call(P + ".backupcancel", vm(vm));
        return ExitCodes.OK;
    }

    @Command(name = "restore", header = "Restore a powered-off VM's disks from one of its backup images.",
            description = {"Example:", "  nimbo vm restore web 42 --increment 3 --disk 0"})
    int restore(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", paramLabel = "BACKUP_IMAGE", description = "Backup image ID or name.") String image,
            @Option(names = "--increment", paramLabel = "ID", description = "Increment to restore (default: the last).")
            Integer increment,
            @Option(names = "--disk", paramLabel = "DISK_ID", description = "Restore only this disk (default: all).")
            Integer disk) {
        api().call(P + ".restore", vm(vm), resolve(ImageCommand.KIND, image), increment == null ? -1 : increment,
                disk == null ? -1 : disk);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ hot-plug

    @Command(name = "disk-attach", header = "Attach a disk (an image, or a volatile disk) to a running or powered-off VM.",
            description = {"Example:", "  nimbo vm disk-attach web --image data", "  nimbo vm disk-attach web --size 10g --type fs"})
    int diskAttach(@Parameters(paramLabel = "VM") String vm,
            @Option(names = "--image", paramLabel = "IMAGE", description = "Image ID or name.") String image,
            @Option(names = "--size", paramLabel = "SIZE", description = "Volatile disk size, e.g. 10g.") String size,
            @Option(names = "--type", paramLabel = "TYPE", description = "Volatile disk type: fs or swap.") String type,
            @Option(names = "--target", paramLabel = "DEV", description = "Device, e.g. vdb.") String target,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "DISK template instead of options.") String file) {
        String t;
        if (file != null) {
            t = readFile(file);
        } else {
            List<String> attrs = new ArrayList<>();
            if (image != null) {
                attrs.add("IMAGE_ID=" + resolve(ImageCommand.KIND, image));
            } else if (size != null) {
                try {
                    attrs.add("SIZE=" + Sizes.parseMb(size));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--size: " + e.getMessage());
                }
                attrs.add("TYPE=" + TemplateText.quote(type == null ? "fs" : type));
            } else {
                throw CliException.usage("give --image, --size or a DISK template --file");
            }
            if (target != null) {
                attrs.add("TARGET=" + TemplateText.quote(target));
            }
            t = "DISK=[ " + String.join(", ", attrs) + " ]\n";
        }
        api().call(P + ".attach", vm(vm), t);
        return ExitCodes.OK;
    }

    @Command(name = "disk-detach", header = "Detach a disk from a VM.", description = {"Example:", "  nimbo vm disk-detach web 1"})
    int diskDetach(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "DISK_ID") int disk) {
        api().call(P + ".detach", vm(vm), disk);
        return ExitCodes.OK;
    }

    @Command(name = "nic-attach", header = "Attach a NIC on a network to a running or powered-off VM.",
            description = {"Example:", "  nimbo vm nic-attach web --network private --ip 10.0.0.7",
                "  nimbo vm nic-attach web --network sriov-net --pci 3b:02.1"})
    int nicAttach(@Parameters(paramLabel = "VM") String vm,
            @Option(names = "--network", paramLabel = "VNET", description = "Network ID or name.") String network,
            @Option(names = "--ip", paramLabel = "IP", description = "Ask for this address.") String ip,
            @Option(names = "--pci", paramLabel = "ADDRESS", description = "A PCI NIC of the VM's host instead (an SR-IOV"
                    + " VF or passthrough NIC), by its short address (bus:slot.function).") String pci,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "NIC template instead of options.") String file) {
        String t;
        if (file != null) {
            t = readFile(file);
        } else if (network != null) {
            String lease = "NETWORK_ID=" + resolve(VnetCommand.KIND, network) + (ip == null ? "" : ", IP=" + TemplateText.quote(ip));
            t = pci == null ? "NIC=[ " + lease + " ]\n"
                    : "PCI=[ TYPE=NIC, " + lease + ", SHORT_ADDRESS=" + TemplateText.quote(pci) + " ]\n";
        } else {
            throw CliException.usage("give --network or a NIC template --file");
        }
        api().call(P + ".attachnic", vm(vm), t);
        return ExitCodes.OK;
    }

    @Command(name = "nic-detach", header = "Detach a NIC from a VM.", description = {"Example:", "  nimbo vm nic-detach web 1"})
    int nicDetach(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "NIC_ID") int nic) {
        api().call(P + ".detachnic", vm(vm), nic);
        return ExitCodes.OK;
    }

    @Command(name = "sg-attach", header = "Attach a security group to a NIC of a VM.",
            description = {"Example:", "  nimbo vm sg-attach web 0 web-rules"})
    int sgAttach(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "NIC_ID") int nic,
            @Parameters(index = "2", paramLabel = "SECGROUP", description = "ID or name") String sg) {
        api().call(P + ".attachsg", vm(vm), nic, resolve(dev.nimbo.cli.secgroup.SecgroupCommand.KIND, sg));
        return ExitCodes.OK;
    }

    @Command(name = "sg-detach", header = "Detach a security group from a NIC of a VM.",
            description = {"Example:", "  nimbo vm sg-detach web 0 web-rules"})
    int sgDetach(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "NIC_ID") int nic,
            @Parameters(index = "2", paramLabel = "SECGROUP", description = "ID or name") String sg) {
        api().call(P + ".detachsg", vm(vm), nic, resolve(dev.nimbo.cli.secgroup.SecgroupCommand.KIND, sg));
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ scheduled actions

    @Command(name = "sched-add", header = "Schedule a life-cycle action on a VM.",
            description = {"TIME is epoch seconds, +SECONDS from the VM's start, or an ISO-8601 instant.",
                "Example:", "  nimbo vm sched-add web poweroff --time +3600",
                "  nimbo vm sched-add web snapshot-create --time 2026-12-01T00:00:00Z --repeat weekly --days 0,6"})
    int schedAdd(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "ACTION") String action,
            @Option(names = "--time", required = true, paramLabel = "TIME") String time,
            @Option(names = "--args", paramLabel = "ARGS", description = "Arguments of the action, comma-separated.") String args,
            @Option(names = "--repeat", paramLabel = "R", description = "weekly, monthly, yearly or hourly.") String repeat,
            @Option(names = "--days", paramLabel = "DAYS", description = "Days (weekly 0-6, monthly 1-31, yearly 0-365) or hours.")
            String days,
            @Option(names = "--end", paramLabel = "END", description = "Repetitions (a number) or an end date (ISO-8601).") String end) {
        List<String> attrs = new ArrayList<>();
        attrs.add("ACTION=" + TemplateText.quote(action));
        attrs.add("TIME=" + TemplateText.quote(time(time)));
        if (args != null) {
            attrs.add("ARGS=" + TemplateText.quote(args));
        }
        if (repeat != null) {
            int r = switch (repeat.toLowerCase(Locale.ROOT)) {
                case "weekly" -> 0;
                case "monthly" -> 1;
                case "yearly" -> 2;
                case "hourly" -> 3;
                default -> throw CliException.usage("--repeat must be weekly, monthly, yearly or hourly");
            };
            attrs.add("REPEAT=" + TemplateText.quote(String.valueOf(r)));
            if (days == null) {
                throw CliException.usage("--repeat needs --days");
            }
            attrs.add("DAYS=" + TemplateText.quote(days));
        }
        if (end != null) {
            if (end.matches("\\d+")) {
                attrs.add("END_TYPE=\"1\"");
                attrs.add("END_VALUE=" + TemplateText.quote(end));
            } else {
                attrs.add("END_TYPE=\"2\"");
                attrs.add("END_VALUE=" + TemplateText.quote(time(end)));
            }
        }
        return printId(api().id(P + ".schedadd", vm(vm), "SCHED_ACTION=[ " + String.join(", ", attrs) + " ]\n"));
    }

    static String time(String t) {
        String s = t.trim();
        if (s.matches("\\+?\\d+")) {
            return s;
        }
        try {
            return String.valueOf(Instant.parse(s).getEpochSecond());
        } catch (java.time.format.DateTimeParseException e) {
            throw CliException.usage("time must be epoch seconds, +SECONDS or ISO-8601 like 2026-12-01T00:00:00Z, got '" + t + "'");
        }
    }

    @Command(name = "sched-update", header = "Change a scheduled action.",
            description = {"FILE ('-' for standard input) holds SCHED_ACTION=[ ... ]; without it $EDITOR opens on the current one.",
                "Example:", "  echo 'SCHED_ACTION=[ ACTION=\"poweroff\", TIME=\"+7200\" ]' | nimbo vm sched-update web 0 -"})
    int schedUpdate(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "SCHED_ID") int sched,
            @Parameters(index = "2", arity = "0..1", paramLabel = "FILE") String file) {
        int id = vm(vm);
        String text = templateInput(file, () -> {
            XmlNode v = api().xml(KIND.infoMethod(), id, false);
            for (XmlNode sa : v.all("TEMPLATE/SCHED_ACTION")) {
                if (sa.text("ID").equals(String.valueOf(sched))) {
                    List<String> attrs = new ArrayList<>();
                    for (XmlNode a : sa.children()) {
                        attrs.add("  " + a.name() + "=" + TemplateText.quote(a.text()));
                    }
                    return "SCHED_ACTION=[\n" + String.join(",\n", attrs) + " ]\n";
                }
            }
            throw CliException.server("VM " + id + " has no scheduled action " + sched);
        });
        if (text != null) {
            api().call(P + ".schedupdate", id, sched, text);
        }
        return ExitCodes.OK;
    }

    @Command(name = "sched-delete", header = "Delete a scheduled action.", description = {"Example:", "  nimbo vm sched-delete web 0"})
    int schedDelete(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "SCHED_ID") int sched) {
        api().call(P + ".scheddelete", vm(vm), sched);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ owner verbs

    @Command(name = "update", header = "Replace or merge a VM's user template.",
            description = {"Without FILE, $EDITOR opens on the current user template; '-' reads standard input.",
                "Example:", "  echo 'DESCRIPTION=\"web\"' | nimbo vm update web - --append"})
    int update(@Parameters(index = "0", paramLabel = "VM") String vm,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge instead of replacing.") boolean append) {
        int id = vm(vm);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("USER_TEMPLATE")));
        if (text != null) {
            api().call(P + ".update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a VM.", description = {"Example:", "  nimbo vm rename 7 web-1"})
    int rename(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return OwnerVerbs.rename(this, P, KIND, vm, name);
    }

    @Command(name = "chmod", header = "Change a VM's permissions.", description = {"Example:", "  nimbo vm chmod web 640"})
    int chmod(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        return OwnerVerbs.chmod(this, P, KIND, vm, octal);
    }

    @Command(name = "chown", header = "Change a VM's owner (and group); its quota usage moves along.",
            description = {"Example:", "  nimbo vm chown web alice users"})
    int chown(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chown(this, P, KIND, vm, user, group);
    }

    @Command(name = "chgrp", header = "Change a VM's group.", description = {"Example:", "  nimbo vm chgrp web users"})
    int chgrp(@Parameters(index = "0", paramLabel = "VM") String vm, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chgrp(this, P, KIND, vm, group);
    }

    @Command(name = "lock", header = "Lock a VM against actions.",
            description = {"Levels: use (blocks everything, default), manage, admin, all.", "Example:", "  nimbo vm lock web --level manage"})
    int lock(@Parameters(paramLabel = "VM") String vm,
            @Option(names = "--level", paramLabel = "L", description = "use, manage, admin or all.") String level) {
        return OwnerVerbs.lock(this, P, KIND, vm, level);
    }

    @Command(name = "unlock", header = "Unlock a VM.", description = {"Example:", "  nimbo vm unlock web"})
    int unlock(@Parameters(paramLabel = "VM") String vm) {
        return OwnerVerbs.unlock(this, P, KIND, vm);
    }

    // ------------------------------------------------------------------ monitoring

    @Command(name = "monitoring", header = "Show a VM's monitoring records.",
            description = {"Columns are monitoring attributes (default CPU, MEMORY).", "Example:", "  nimbo vm monitoring web --attr CPU,NETRX"})
    int monitoring(@Parameters(paramLabel = "VM") String vm,
            @Option(names = "--attr", split = ",", paramLabel = "NAME", description = "Attributes to show.") List<String> attrs) {
        XmlNode doc = api().xml(P + ".monitoring", vm(vm));
        List<String> names = attrs == null || attrs.isEmpty() ? List.of("CPU", "MEMORY")
                : attrs.stream().map(a -> a.trim().toUpperCase(Locale.ROOT)).toList();
        Instant now = now();
        print(printer().document(doc, () -> monitoringTable(doc, names, now)));
        return ExitCodes.OK;
    }

    static String monitoringTable(XmlNode doc, List<String> names, Instant now) {
        List<Table.Header> headers = new ArrayList<>();
        headers.add(new Table.Header("TIME", false, false));
        for (String n : names) {
            headers.add(new Table.Header(n, true, false));
        }
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode m : doc.children("MONITORING")) {
            List<String> row = new ArrayList<>();
            row.add(Times.relative(VmView.number(m.text("TIMESTAMP")), now));
            for (String n : names) {
                String v = m.text(n);
                row.add(v.isEmpty() ? "-" : n.equals("MEMORY") ? Sizes.formatMb(VmView.number(v) / 1024) : v);
            }
            rows.add(row);
        }
        return Table.render(headers, rows, 0, true);
    }
}
