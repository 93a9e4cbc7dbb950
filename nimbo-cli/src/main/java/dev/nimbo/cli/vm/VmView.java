package dev.nimbo.cli.vm;

import dev.nimbo.cli.Kind;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.template.OwnerVerbs;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How VMs read to a person: OpenNebula's state names (STATE + LCM_STATE numbers, short names as {@code onevm list}
 * prints them), history action names, list columns and the {@code show} view with history, disks, NICs and
 * snapshots. Stateless.
 */
public final class VmView {
    static final String[] STATES = {"INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", "FAILED",
        "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE"};
    static final String[] SHORT_STATES = {"init", "pend", "hold", "actv", "stop", "susp", "done", "fail", "poff", "unde",
        "clon", "fail"};
    static final String[] LCM_STATES = {"LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND",
        "SAVE_MIGRATE", "PROLOG_MIGRATE", "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN", "CANCEL", "FAILURE",
        "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG", "SHUTDOWN_POWEROFF", "BOOT_UNKNOWN", "BOOT_POWEROFF", "BOOT_SUSPENDED",
        "BOOT_STOPPED", "CLEANUP_DELETE", "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC", "HOTPLUG_SAVEAS", "HOTPLUG_SAVEAS_POWEROFF",
        "HOTPLUG_SAVEAS_SUSPENDED", "SHUTDOWN_UNDEPLOY", "EPILOG_UNDEPLOY", "PROLOG_UNDEPLOY", "BOOT_UNDEPLOY",
        "HOTPLUG_PROLOG_POWEROFF", "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE", "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE",
        "PROLOG_MIGRATE_FAILURE", "PROLOG_FAILURE", "EPILOG_FAILURE", "EPILOG_STOP_FAILURE", "EPILOG_UNDEPLOY_FAILURE",
        "PROLOG_MIGRATE_POWEROFF", "PROLOG_MIGRATE_POWEROFF_FAILURE", "PROLOG_MIGRATE_SUSPEND",
        "PROLOG_MIGRATE_SUSPEND_FAILURE", "BOOT_UNDEPLOY_FAILURE", "BOOT_STOPPED_FAILURE", "PROLOG_RESUME_FAILURE",
        "PROLOG_UNDEPLOY_FAILURE", "DISK_SNAPSHOT_POWEROFF", "DISK_SNAPSHOT_REVERT_POWEROFF",
        "DISK_SNAPSHOT_DELETE_POWEROFF", "DISK_SNAPSHOT_SUSPENDED", "DISK_SNAPSHOT_REVERT_SUSPENDED",
        "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", "DISK_SNAPSHOT_REVERT", "DISK_SNAPSHOT_DELETE",
        "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE", "DISK_RESIZE", "DISK_RESIZE_POWEROFF",
        "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF", "HOTPLUG_RESIZE", "HOTPLUG_SAVEAS_UNDEPLOYED",
        "HOTPLUG_SAVEAS_STOPPED", "BACKUP", "BACKUP_POWEROFF", "RESTORE"};
    static final String[] SHORT_LCM = {"", "prol", "boot", "runn", "migr", "save", "save", "save", "migr", "prol", "epil",
        "epil", "shut", "shut", "fail", "clea", "unkn", "hotp", "shut", "boot", "boot", "boot", "boot", "clea", "snap",
        "hotp", "hotp", "hotp", "hotp", "shut", "epil", "prol", "boot", "hotp", "hotp", "boot", "fail", "fail", "fail",
        "fail", "fail", "fail", "fail", "migr", "fail", "migr", "fail", "fail", "fail", "fail", "fail", "snap", "snap",
        "snap", "snap", "snap", "snap", "snap", "snap", "snap", "migr", "fail", "drsz", "drsz", "drsz", "hotp", "hotp",
        "hotp", "hotp", "back", "back", "rest"};
    /** History ACTION numbers (VMActions) to names. */
    static final String[] ACTIONS = {"none", "migrate", "live-migrate", "shutdown", "shutdown-hard", "undeploy",
        "undeploy-hard", "hold", "release", "stop", "suspend", "resume", "boot", "delete", "delete-recreate", "reboot",
        "reboot-hard", "resched", "unresched", "poweroff", "poweroff-hard", "disk-attach", "disk-detach", "nic-attach",
        "nic-detach", "disk-snapshot-create", "disk-snapshot-delete", "terminate", "terminate-hard", "disk-resize",
        "deploy", "chown", "chmod", "updateconf", "rename", "resize", "update", "snapshot-create", "snapshot-delete",
        "snapshot-revert", "disk-saveas", "disk-snapshot-revert", "recover", "retry", "monitor", "disk-snapshot-rename",
        "alias-attach", "alias-detach", "poweroff-migrate", "poweroff-hard-migrate", "backup", "nic-update",
        "backup-cancel", "sched-add", "sched-update", "sched-delete", "sg-attach", "sg-detach", "pci-attach",
        "pci-detach", "restore", "exec", "exec-retry", "exec-cancel", "vmgroup-add", "vmgroup-del"};

    private VmView() {
    }

    /** The VM family's list columns; TIME is measured against {@code now}. */
    public static Kind kind(Instant now) {
        return new Kind("vm", "one.vmpool.info", List.of(-2, -1, -1, -1), "one.vm.info", "VM", List.of(
                Column.right("ID", (v, p) -> v.text("ID")),
                Column.left("USER", (v, p) -> v.text("UNAME")),
                Column.left("GROUP", (v, p) -> v.text("GNAME")),
                Column.wide("NAME", (v, p) -> v.text("NAME")),
                Column.left("STAT", (v, p) -> stat(v)),
                Column.right("CPU", (v, p) -> dash(v.text("TEMPLATE/CPU"))),
                Column.right("MEM", (v, p) -> memory(v.text("TEMPLATE/MEMORY"))),
                Column.left("HOST", (v, p) -> dash(host(v))),
                Column.right("TIME", (v, p) -> uptime(v, now)),
                Column.right("VCPU", (v, p) -> dash(v.text("TEMPLATE/VCPU"))),
                Column.right("UCPU", (v, p) -> dash(v.text("MONITORING/CPU"))),
                Column.right("UMEM", (v, p) -> v.text("MONITORING/MEMORY").isEmpty() ? "-"
                        : Sizes.formatMb(number(v.text("MONITORING/MEMORY")) / 1024)),
                Column.left("IP", (v, p) -> dash(ips(v))),
                Column.left("STATE", (v, p) -> state(v)),
                Column.left("LCM_STATE", (v, p) -> lcmState(v)),
                Column.right("HOST_ID", (v, p) -> dash(lastHistory(v) == null ? "" : lastHistory(v).text("HID"))),
                Column.left("PERMS", (v, p) -> OwnerVerbs.permissions(v))),
                List.of("ID", "USER", "GROUP", "NAME", "STAT", "CPU", "MEM", "HOST", "TIME"));
    }

    // ------------------------------------------------------------------ cells

    /** The short state onevm prints: the LCM state's while ACTIVE, else the VM state's. */
    public static String stat(XmlNode v) {
        int s = (int) number(v.text("STATE"));
        if (s == 3) {
            return name(SHORT_LCM, (int) number(v.text("LCM_STATE")));
        }
        return name(SHORT_STATES, s);
    }

    static String state(XmlNode v) {
        return name(STATES, (int) number(v.text("STATE")));
    }

    static String lcmState(XmlNode v) {
        return name(LCM_STATES, (int) number(v.text("LCM_STATE")));
    }

    static String name(String[] names, int code) {
        return code >= 0 && code < names.length ? names[code] : String.valueOf(code);
    }

    static XmlNode lastHistory(XmlNode v) {
        List<XmlNode> h = v.all("HISTORY_RECORDS/HISTORY");
        return h.isEmpty() ? null : h.get(h.size() - 1);
    }

    /** The host of the last history record, or "" before the first deployment. */
    static String host(XmlNode v) {
        XmlNode h = lastHistory(v);
        return h == null ? "" : h.text("HOSTNAME");
    }

    static String ips(XmlNode v) {
        List<String> out = new ArrayList<>();
        for (XmlNode nic : v.all("TEMPLATE/NIC")) {
            String ip = nic.text("IP");
            if (!ip.isEmpty()) {
                out.add(ip);
            }
        }
        return String.join(",", out);
    }

    /** OpenNebula's TIME column: how long the VM has existed (until ETIME once done), "0d 01h23". */
    static String uptime(XmlNode v, Instant now) {
        long stime = number(v.text("STIME"));
        if (stime <= 0) {
            return "-";
        }
        long etime = number(v.text("ETIME"));
        long s = Math.max(0, (etime > 0 ? etime : now.getEpochSecond()) - stime);
        return String.format(Locale.ROOT, "%dd %02dh%02d", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    }

    static String memory(String mb) {
        return mb.isEmpty() ? "-" : Sizes.formatMb(number(mb));
    }

    static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    static long number(String s) {
        try {
            return (long) Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ show

    static String detail(XmlNode v, Instant now) {
        Detail d = new Detail().section("VIRTUAL MACHINE " + v.text("ID") + " INFORMATION");
        OwnerVerbs.ownerFields(d, v);
        d.field("STATE", state(v)).field("LCM_STATE", lcmState(v))
                .field("RESCHED", v.text("RESCHED").equals("1") ? "Yes" : "No")
                .field("HOST", dash(host(v)))
                .field("START TIME", Times.relative(number(v.text("STIME")), now))
                .field("END TIME", Times.relative(number(v.text("ETIME")), now))
                .field("DEPLOY ID", dash(v.text("DEPLOY_ID")));

        d.section("VIRTUAL MACHINE CAPACITY")
                .field("CPU", dash(v.text("TEMPLATE/CPU")))
                .field("VCPU", dash(v.text("TEMPLATE/VCPU")))
                .field("MEMORY", memory(v.text("TEMPLATE/MEMORY")));
        XmlNode topo = v.at("TEMPLATE/TOPOLOGY");
        if (topo != null) {
            d.field("TOPOLOGY", "sockets=" + dash(topo.text("SOCKETS")) + " cores=" + dash(topo.text("CORES"))
                    + " threads=" + dash(topo.text("THREADS")));
        }

        XmlNode mon = v.at("MONITORING");
        if (mon != null && !mon.children().isEmpty()) {
            d.section("VIRTUAL MACHINE MONITORING");
            for (XmlNode m : mon.children()) {
                if (m.isLeaf()) {
                    String val = m.text();
                    if (m.name().equals("MEMORY") && !val.isEmpty()) {
                        val = Sizes.formatMb(number(val) / 1024);
                    }
                    d.field(m.name(), val);
                }
            }
        }

        List<XmlNode> disks = v.all("TEMPLATE/DISK");
        if (!disks.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode disk : disks) {
                String image = disk.text("IMAGE");
                String type = disk.text("TYPE");
                rows.add(List.of(disk.text("DISK_ID"), dash(disk.text("DATASTORE")), dash(disk.text("TARGET")),
                        image.isEmpty() ? (type.isEmpty() ? "-" : "volatile " + type.toLowerCase(Locale.ROOT)) : image,
                        disk.text("SIZE").isEmpty() ? "-" : memory(disk.text("SIZE")),
                        dash(type.isEmpty() ? disk.text("IMAGE_TYPE") : type),
                        disk.text("PERSISTENT").equalsIgnoreCase("YES") ? "YES" : "NO"));
            }
            d.section("VM DISKS").block(Table.render(headers("ID", "DATASTORE", "TARGET", "IMAGE", "SIZE", "TYPE", "SAVE"),
                    rows, 0, true));
        }

        List<XmlNode> nics = new ArrayList<>(v.all("TEMPLATE/NIC"));
        nics.addAll(v.all("TEMPLATE/NIC_ALIAS"));
        if (!nics.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode nic : nics) {
                rows.add(List.of(nic.text("NIC_ID"), dash(nic.text("NETWORK")), dash(nic.text("BRIDGE")),
                        dash(nic.text("IP")), dash(nic.text("MAC"))));
            }
            d.section("VM NICS").block(Table.render(headers("ID", "NETWORK", "BRIDGE", "IP", "MAC"), rows, 0, true));
        }

        List<XmlNode> snaps = v.all("TEMPLATE/SNAPSHOT");
        if (!snaps.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode s : snaps) {
                rows.add(List.of(s.text("SNAPSHOT_ID"), s.text("ACTIVE").equalsIgnoreCase("YES") ? "=>" : "",
                        Times.relative(number(s.text("TIME")), now), dash(s.text("NAME"))));
            }
            d.section("SNAPSHOTS").block(Table.render(headers("ID", "", "TIME", "NAME"), rows, 0, true));
        }

        List<List<String>> diskSnaps = new ArrayList<>();
        for (XmlNode group : v.children("SNAPSHOTS")) {
            for (XmlNode s : group.children("SNAPSHOT")) {
                diskSnaps.add(List.of(group.text("DISK_ID"), s.text("ID"), s.text("ACTIVE").equalsIgnoreCase("YES") ? "=>" : "",
                        Times.relative(number(s.text("DATE")), now), dash(s.text("NAME")),
                        s.text("SIZE").isEmpty() ? "-" : memory(s.text("SIZE"))));
            }
        }
        if (!diskSnaps.isEmpty()) {
            d.section("DISK SNAPSHOTS").block(Table.render(headers("DISK", "ID", "", "DATE", "NAME", "SIZE"), diskSnaps,
                    0, true));
        }

        List<XmlNode> sched = v.all("TEMPLATE/SCHED_ACTION");
        if (!sched.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode s : sched) {
                long time = number(s.text("TIME"));
                rows.add(List.of(s.text("ID"), s.text("ACTION"), s.text("TIME").startsWith("+") ? s.text("TIME")
                        : Times.relative(time, now), dash(s.text("REPEAT")), Times.relative(number(s.text("DONE")), now),
                        dash(s.text("MESSAGE"))));
            }
            d.section("SCHEDULED ACTIONS").block(Table.render(headers("ID", "ACTION", "SCHEDULED", "REPEAT", "DONE",
                    "MESSAGE"), rows, 0, true));
        }

        XmlNode backupConfig = v.at("BACKUPS/BACKUP_CONFIG");
        List<String> backupIds = v.all("BACKUPS/BACKUP_IDS/ID").stream().map(XmlNode::text).toList();
        if (backupConfig != null && !TemplateText.render(backupConfig).isEmpty()) {
            d.section("BACKUP CONFIGURATION").block(TemplateText.render(backupConfig));
        }
        if (!backupIds.isEmpty()) {
            d.section("VM BACKUPS").field("IMAGE IDS", String.join(",", backupIds));
        }

        List<XmlNode> history = v.all("HISTORY_RECORDS/HISTORY");
        if (!history.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode h : history) {
                long start = number(h.text("STIME"));
                long end = number(h.text("ETIME"));
                rows.add(List.of(h.text("SEQ"), h.text("UID"), h.text("HOSTNAME"),
                        name(ACTIONS, (int) number(h.text("ACTION"))), h.text("DS_ID"),
                        Times.relative(start, now), start <= 0 ? "-" : span((end > 0 ? end : now.getEpochSecond()) - start)));
            }
            d.section("VIRTUAL MACHINE HISTORY").block(Table.render(headers("SEQ", "UID", "HOST", "ACTION", "DS", "START",
                    "TIME"), rows, 0, true));
        }

        String user = TemplateText.render(v.at("USER_TEMPLATE"));
        if (!user.isEmpty()) {
            d.section("USER TEMPLATE").block(user);
        }
        XmlNode t = v.at("TEMPLATE");
        d.section("VIRTUAL MACHINE TEMPLATE").block(t == null ? "" : TemplateText.render(withoutShown(t)));
        return d.toString();
    }

    private static final Set<String> SHOWN_ABOVE = Set.of("DISK", "NIC", "NIC_ALIAS", "SNAPSHOT", "SCHED_ACTION");

    /** The template minus the vectors already shown as tables. */
    private static XmlNode withoutShown(XmlNode t) {
        XmlNode copy = dev.nimbo.cli.xml.Xml.parse(dev.nimbo.cli.xml.Xml.serialize(t));
        for (XmlNode c : copy.children()) {
            if (SHOWN_ABOVE.contains(c.name())) {
                c.remove();
            }
        }
        return copy;
    }

    static String span(long s) {
        s = Math.max(0, s);
        return String.format(Locale.ROOT, "%dd %02dh%02d", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    }

    private static List<Table.Header> headers(String... names) {
        List<Table.Header> out = new ArrayList<>();
        for (String n : names) {
            out.add(new Table.Header(n, n.equals("ID") || n.equals("SEQ") || n.equals("UID") || n.equals("SIZE")
                    || n.equals("DISK") || n.equals("DS"), false));
        }
        return out;
    }
}
