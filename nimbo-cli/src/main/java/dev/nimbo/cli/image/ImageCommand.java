package dev.nimbo.cli.image;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.datastore.DatastoreCommand;
import dev.nimbo.cli.datastore.Ownership;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo image}: disk, CD-ROM and file images in datastores, their state, persistence and snapshots
 * (one.image.*, one.imagepool.info). Lists show OpenNebula's short STAT names (rdy, used, lock, err, disa, clon,
 * dele) and the full STATE name on request.
 */
@Command(name = "image", header = "Manage images.", description = {"Example:", "  nimbo image list --filter STAT=err"})
public final class ImageCommand extends Family {
    static final String[] TYPES = {"OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", "BACKUP", "FILESYSTEM"};
    static final String[] STATES = {"INIT", "READY", "USED", "DISABLED", "LOCKED", "ERROR", "CLONE", "DELETE",
        "USED_PERS", "LOCKED_USED", "LOCKED_USED_PERS"};
    static final String[] STAT = {"init", "rdy", "used", "disa", "lock", "err", "clon", "dele", "used", "lock", "lock"};

    public static final Kind KIND = new Kind("image", "one.imagepool.info", List.of(-2, -1, -1), "one.image.info", "IMAGE",
            List.of(
                    Column.right("ID", (i, p) -> i.text("ID")),
                    Column.left("USER", (i, p) -> i.text("UNAME")),
                    Column.left("GROUP", (i, p) -> i.text("GNAME")),
                    Column.wide("NAME", (i, p) -> i.text("NAME")),
                    Column.left("DATASTORE", (i, p) -> i.text("DATASTORE")),
                    Column.right("SIZE", (i, p) -> Sizes.formatMb(number(i.text("SIZE")))),
                    Column.left("TYPE", (i, p) -> name(TYPES, i.text("TYPE"))),
                    Column.left("PER", (i, p) -> i.text("PERSISTENT").equals("1") ? "Yes" : "No"),
                    Column.left("STAT", (i, p) -> name(STAT, i.text("STATE"))),
                    Column.right("RVMS", (i, p) -> i.text("RUNNING_VMS")),
                    Column.left("STATE", (i, p) -> name(STATES, i.text("STATE"))),
                    Column.left("FORMAT", (i, p) -> i.text("FORMAT")),
                    Column.right("DATASTORE_ID", (i, p) -> i.text("DATASTORE_ID"))),
            List.of("ID", "USER", "GROUP", "NAME", "DATASTORE", "SIZE", "TYPE", "PER", "STAT", "RVMS"));

    @Command(name = "list", header = "List images.",
            description = {"Columns: ID, USER, GROUP, NAME, DATASTORE, SIZE, TYPE, PER (persistent), STAT, RVMS,",
                "STATE (full name), FORMAT, DATASTORE_ID.", "Example:", "  nimbo image list --list ID,NAME,STATE,SIZE -w 2"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show an image.", description = {"Example:", "  nimbo image show ubuntu"})
    int show(@Parameters(paramLabel = "IMAGE", description = "ID or name") String image) {
        Instant now = io().clock().instant();
        return show(KIND, resolve(KIND, image), i -> detail(i, now));
    }

    @Command(name = "create", header = "Register an image: copy a file or URL, or make an empty disk.",
            description = {"FILE ('-' for standard input) holds the template; options add to or replace it.",
                "Examples:", "  nimbo image create --datastore default --name ubuntu --path /var/tmp/ubuntu.qcow2",
                "  nimbo image create --datastore default --name data --size 10g --type DATABLOCK"})
    int create(@Parameters(arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-d", "--datastore"}, required = true, paramLabel = "DATASTORE", description = "ID or name.")
            String datastore,
            @Option(names = "--name", paramLabel = "NAME", description = "Default: the file name of --path.") String name,
            @Option(names = "--path", paramLabel = "PATH", description = "Local file (under SAFE_DIRS) or http(s) URL.") String path,
            @Option(names = "--size", paramLabel = "SIZE", description = "Size of an empty disk, e.g. 512m, 10g.") String size,
            @Option(names = "--type", paramLabel = "TYPE",
                    description = "OS, CDROM, DATABLOCK, KERNEL, RAMDISK, CONTEXT (default OS).") String type,
            @Option(names = "--persistent", description = "Make the image persistent.") boolean persistent,
            @Option(names = "--format", paramLabel = "FORMAT", description = "raw or qcow2 (empty disks).") String format,
            @Option(names = "--description", paramLabel = "TEXT") String description,
            @Option(names = "--no-check-capacity", description = "Skip the datastore capacity check (administrators).")
            boolean noCheck) {
        StringBuilder t = new StringBuilder(file == null ? "" : readFile(file));
        if (!t.isEmpty() && t.charAt(t.length() - 1) != '\n') {
            t.append('\n');
        }
        String n = name;
        if (n == null && file == null && path != null) {
            String p = path.replaceAll("/+$", "");
            n = p.substring(p.lastIndexOf('/') + 1);
        }
        append(t, "NAME", n);
        append(t, "PATH", path);
        if (size != null) {
            try {
                append(t, "SIZE", String.valueOf(Sizes.parseMb(size)));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        append(t, "TYPE", type == null ? null : type.toUpperCase(Locale.ROOT));
        append(t, "PERSISTENT", persistent ? "YES" : null);
        append(t, "FORMAT", format);
        append(t, "DESCRIPTION", description);
        if (file == null && path == null && size == null) {
            throw CliException.usage("give a template FILE, --path, or --size for an empty disk");
        }
        int ds = resolve(DatastoreCommand.KIND, datastore);
        return printId(api().id("one.image.allocate", t.toString(), ds, noCheck));
    }

    @Command(name = "delete", header = "Delete an image.", description = {"Example:", "  nimbo image delete old-disk"})
    int delete(@Parameters(paramLabel = "IMAGE") String image,
            @Option(names = "--force", description = "Remove even if locked or if the datastore cannot delete its files.")
            boolean force) {
        api().call("one.image.delete", resolve(KIND, image), force);
        return ExitCodes.OK;
    }

    @Command(name = "clone", header = "Copy an image into a new one.",
            description = {"Example:", "  nimbo image clone ubuntu ubuntu-test --datastore fast"})
    int cloneImage(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "NAME") String name,
            @Option(names = {"-d", "--datastore"}, paramLabel = "DATASTORE", description = "Target (default: the same).")
            String datastore) {
        int ds = datastore == null ? -1 : resolve(DatastoreCommand.KIND, datastore);
        return printId(api().id("one.image.clone", resolve(KIND, image), name, ds));
    }

    @Command(name = "restore", header = "Restore a VM backup into new images and a VM template.",
            description = {"Prints the new template's ID (-1 with --disk) and the new images' IDs.", "Example:",
                "  nimbo image restore 42 --datastore default --name web-again --no-ip"})
    int restore(@Parameters(paramLabel = "BACKUP_IMAGE") String image,
            @Option(names = {"-d", "--datastore"}, required = true, paramLabel = "DATASTORE",
                    description = "Image datastore for the restored disks.") String datastore,
            @Option(names = "--name", paramLabel = "NAME", description = "Name of the template (images: NAME-disk-N).")
            String name,
            @Option(names = "--increment", paramLabel = "ID", description = "Increment to restore (default: the last).")
            Integer increment,
            @Option(names = "--disk", paramLabel = "DISK_ID", description = "Restore only this disk, no template.")
            Integer disk,
            @Option(names = "--no-ip", description = "Leave out the NICs' IP and MAC addresses.") boolean noIp,
            @Option(names = "--no-nic", description = "Leave out the NICs.") boolean noNic) {
        List<String> opts = new ArrayList<>();
        if (name != null) {
            opts.add("NAME=" + TemplateText.quote(name));
        }
        if (increment != null) {
            opts.add("INCREMENT_ID=" + increment);
        }
        if (disk != null) {
            opts.add("DISK_ID=" + disk);
        }
        if (noIp) {
            opts.add("NO_IP=YES");
        }
        if (noNic) {
            opts.add("NO_NIC=YES");
        }
        Object ids = api().call("one.image.restore", resolve(KIND, image), resolve(DatastoreCommand.KIND, datastore),
                opts.isEmpty() ? "" : String.join("\n", opts) + "\n");
        print("IDS: " + ids + "\n");
        return ExitCodes.OK;
    }

    @Command(name = "persistent", header = "Make an image persistent (VMs write to it).",
            description = {"Example:", "  nimbo image persistent data"})
    int persistent(@Parameters(paramLabel = "IMAGE") String image) {
        api().call("one.image.persistent", resolve(KIND, image), true);
        return ExitCodes.OK;
    }

    @Command(name = "nonpersistent", header = "Make an image non-persistent (VMs get copies).",
            description = {"Example:", "  nimbo image nonpersistent data"})
    int nonpersistent(@Parameters(paramLabel = "IMAGE") String image) {
        api().call("one.image.persistent", resolve(KIND, image), false);
        return ExitCodes.OK;
    }

    @Command(name = "chtype", header = "Change an image's type.", description = {"Example:", "  nimbo image chtype data OS"})
    int chtype(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "TYPE") String type) {
        api().call("one.image.chtype", resolve(KIND, image), type.toUpperCase(Locale.ROOT));
        return ExitCodes.OK;
    }

    @Command(name = "enable", header = "Enable an image (also clears ERROR).", description = {"Example:", "  nimbo image enable data"})
    int enable(@Parameters(paramLabel = "IMAGE") String image) {
        api().call("one.image.enable", resolve(KIND, image), true);
        return ExitCodes.OK;
    }

    @Command(name = "disable", header = "Disable an image (VMs cannot use it).", description = {"Example:", "  nimbo image disable data"})
    int disable(@Parameters(paramLabel = "IMAGE") String image) {
        api().call("one.image.enable", resolve(KIND, image), false);
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge an image's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'DESCRIPTION=\"Ubuntu 24.04\"' | nimbo image update ubuntu - --append"})
    int update(@Parameters(index = "0", paramLabel = "IMAGE") String image,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, image);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.image.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename an image.", description = {"Example:", "  nimbo image rename 7 ubuntu-24"})
    int rename(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.image.rename", resolve(KIND, image), name);
        return ExitCodes.OK;
    }

    @Command(name = "chmod", header = "Change an image's permissions.", description = {"Example:", "  nimbo image chmod ubuntu 644"})
    int chmod(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        Ownership.chmod(this, "one.image.chmod", resolve(KIND, image), octal);
        return ExitCodes.OK;
    }

    @Command(name = "chown", header = "Change an image's owner (and group); its quota moves along.",
            description = {"Example:", "  nimbo image chown ubuntu alice users"})
    int chown(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        Ownership.chown(this, "one.image.chown", KIND, image, user, group);
        return ExitCodes.OK;
    }

    @Command(name = "chgrp", header = "Change an image's group.", description = {"Example:", "  nimbo image chgrp ubuntu users"})
    int chgrp(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        Ownership.chgrp(this, "one.image.chown", KIND, image, group);
        return ExitCodes.OK;
    }

    @Command(name = "lock", header = "Lock an image against changes.",
            description = {"Levels: use (blocks everything, default), manage, admin, all.", "Example:", "  nimbo image lock ubuntu --level manage"})
    int lock(@Parameters(paramLabel = "IMAGE") String image,
            @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "use") String level) {
        int l = switch (level.toLowerCase(Locale.ROOT)) {
            case "use" -> 1;
            case "manage" -> 2;
            case "admin" -> 3;
            case "all" -> 4;
            default -> throw CliException.usage("--level must be use, manage, admin or all");
        };
        api().call("one.image.lock", resolve(KIND, image), l, false);
        return ExitCodes.OK;
    }

    @Command(name = "unlock", header = "Unlock an image.", description = {"Example:", "  nimbo image unlock ubuntu"})
    int unlock(@Parameters(paramLabel = "IMAGE") String image) {
        api().call("one.image.unlock", resolve(KIND, image));
        return ExitCodes.OK;
    }

    @Command(name = "snapshot-delete", header = "Delete a snapshot of an image.",
            description = {"Example:", "  nimbo image snapshot-delete data 2"})
    int snapshotDelete(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "SNAPSHOT") int snap) {
        api().call("one.image.snapshotdelete", resolve(KIND, image), snap);
        return ExitCodes.OK;
    }

    @Command(name = "snapshot-revert", header = "Make a snapshot the image's content.",
            description = {"Example:", "  nimbo image snapshot-revert data 1"})
    int snapshotRevert(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "SNAPSHOT") int snap) {
        api().call("one.image.snapshotrevert", resolve(KIND, image), snap);
        return ExitCodes.OK;
    }

    @Command(name = "snapshot-flatten", header = "Make a snapshot the image's content and drop all snapshots.",
            description = {"Example:", "  nimbo image snapshot-flatten data 1"})
    int snapshotFlatten(@Parameters(index = "0", paramLabel = "IMAGE") String image, @Parameters(index = "1", paramLabel = "SNAPSHOT") int snap) {
        api().call("one.image.snapshotflatten", resolve(KIND, image), snap);
        return ExitCodes.OK;
    }

    static String detail(XmlNode i, Instant now) {
        Detail d = new Detail().section("IMAGE " + i.text("ID") + " INFORMATION");
        d.field("ID", i.text("ID")).field("NAME", i.text("NAME")).field("USER", i.text("UNAME"))
                .field("GROUP", i.text("GNAME"))
                .field("LOCK", i.at("LOCK") == null ? "None" : lockName(i.text("LOCK/LOCKED")))
                .field("DATASTORE", i.text("DATASTORE") + " (" + i.text("DATASTORE_ID") + ")")
                .field("TYPE", name(TYPES, i.text("TYPE")))
                .field("REGISTER TIME", Times.relative(number(i.text("REGTIME")), now))
                .field("PERSISTENT", i.text("PERSISTENT").equals("1") ? "Yes" : "No")
                .field("SOURCE", i.text("SOURCE").isEmpty() ? "-" : i.text("SOURCE"))
                .field("PATH", i.text("PATH").isEmpty() ? "-" : i.text("PATH"))
                .field("FORMAT", i.text("FORMAT").isEmpty() ? "-" : i.text("FORMAT"))
                .field("SIZE", Sizes.formatMb(number(i.text("SIZE"))))
                .field("STATE", name(STATES, i.text("STATE")))
                .field("RUNNING_VMS", i.text("RUNNING_VMS"));
        Ownership.permissions(d, i);
        d.section("IMAGE TEMPLATE").block(TemplateText.render(i.at("TEMPLATE")));
        List<XmlNode> snaps = i.all("SNAPSHOTS/SNAPSHOT");
        if (!snaps.isEmpty()) {
            d.section("IMAGE SNAPSHOTS");
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode s : snaps) {
                rows.add(List.of(s.text("ACTIVE").equalsIgnoreCase("YES") ? "*" : "", s.text("ID"), s.text("NAME"),
                        s.text("PARENT"), Sizes.formatMb(number(s.text("SIZE"))), Times.relative(number(s.text("DATE")), now)));
            }
            d.block(Table.render(List.of(new Table.Header("AC", false, false), new Table.Header("ID", true, false),
                    new Table.Header("NAME", false, true), new Table.Header("PARENT", true, false),
                    new Table.Header("SIZE", true, false), new Table.Header("DATE", false, false)), rows, 0, true));
        }
        List<XmlNode> vms = i.all("VMS/ID");
        d.section("VIRTUAL MACHINES").block(vms.isEmpty() ? "-"
                : vms.stream().map(XmlNode::text).collect(Collectors.joining(",")));
        return d.toString();
    }

    private static String lockName(String level) {
        return switch (level) {
            case "1" -> "Use";
            case "2" -> "Manage";
            case "3" -> "Admin";
            default -> "All";
        };
    }

    static String name(String[] names, String number) {
        int n = (int) number(number);
        return n >= 0 && n < names.length ? names[n] : number;
    }

    static long number(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void append(StringBuilder t, String key, String value) {
        if (value != null) {
            t.append(key).append('=').append(TemplateText.quote(value)).append('\n');
        }
    }
}
