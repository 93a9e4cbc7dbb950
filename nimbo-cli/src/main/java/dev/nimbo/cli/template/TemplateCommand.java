package dev.nimbo.cli.template;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Sizes;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo template}: VM templates, the flavors VMs are made from (one.template.*, one.templatepool.info). */
@Command(name = "template", header = "Manage VM templates.",
        description = {"Example:", "  nimbo template create small --cpu 1 --memory 2g --disk ubuntu --nic public"})
public final class TemplateCommand extends Family {
    static final String P = "one.template";

    public static final Kind KIND = new Kind("template", "one.templatepool.info", List.of(-2, -1, -1), "one.template.info",
            "VMTEMPLATE", List.of(
                    Column.right("ID", (t, p) -> t.text("ID")),
                    Column.left("USER", (t, p) -> t.text("UNAME")),
                    Column.left("GROUP", (t, p) -> t.text("GNAME")),
                    Column.wide("NAME", (t, p) -> t.text("NAME")),
                    Column.right("CPU", (t, p) -> t.text("TEMPLATE/CPU")),
                    Column.right("MEMORY", (t, p) -> memory(t.text("TEMPLATE/MEMORY"))),
                    Column.right("DISKS", (t, p) -> String.valueOf(t.all("TEMPLATE/DISK").size())),
                    Column.right("NICS", (t, p) -> String.valueOf(t.all("TEMPLATE/NIC").size())),
                    Column.left("PERMS", (t, p) -> OwnerVerbs.permissions(t))),
            List.of("ID", "USER", "GROUP", "NAME", "CPU", "MEMORY"));

    @Command(name = "list", header = "List VM templates.",
            description = {"Columns: ID, USER, GROUP, NAME, CPU, MEMORY, DISKS, NICS, PERMS.", "Example:", "  nimbo template list"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a VM template.", description = {"Example:", "  nimbo template show small"})
    int show(@Parameters(paramLabel = "TEMPLATE", description = "ID or name") String template) {
        Instant now = io().clock().instant();
        return show(KIND, resolve(KIND, template), t -> detail(t, now));
    }

    @Command(name = "create", header = "Create a VM template from a file or from options.",
            description = {"FILE ('-' for standard input) holds the template; options add CPU, MEMORY, DISK and NIC to it.",
                "Example:", "  nimbo template create small --cpu 1 --memory 2g --disk ubuntu --nic public"})
    int create(@Parameters(index = "0", arity = "0..1", paramLabel = "NAME") String name,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Template file.") String file,
            @Option(names = "--cpu", paramLabel = "N", description = "Physical CPUs (may be fractional).") String cpu,
            @Option(names = "--vcpu", paramLabel = "N", description = "Virtual CPUs.") Integer vcpu,
            @Option(names = "--memory", paramLabel = "SIZE", description = "Memory, e.g. 512m or 2g.") String memory,
            @Option(names = "--disk", paramLabel = "IMAGE", description = "Image ID or name; repeatable.") List<String> disks,
            @Option(names = "--nic", paramLabel = "VNET", description = "Network ID or name; repeatable.") List<String> nics) {
        StringBuilder t = new StringBuilder(file == null ? "" : readFile(file));
        if (!t.isEmpty() && t.charAt(t.length() - 1) != '\n') {
            t.append('\n');
        }
        if (name != null) {
            t.append("NAME=").append(TemplateText.quote(name)).append('\n');
        }
        if (cpu != null) {
            t.append("CPU=").append(TemplateText.quote(cpu)).append('\n');
        }
        if (vcpu != null) {
            t.append("VCPU=").append(vcpu).append('\n');
        }
        if (memory != null) {
            try {
                t.append("MEMORY=").append(Sizes.parseMb(memory)).append('\n');
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--memory: " + e.getMessage());
            }
        }
        for (String d : disks == null ? List.<String>of() : disks) {
            t.append("DISK=[ ").append(reference("IMAGE", d)).append(" ]\n");
        }
        for (String n : nics == null ? List.<String>of() : nics) {
            t.append("NIC=[ ").append(reference("NETWORK", n)).append(" ]\n");
        }
        if (t.isEmpty()) {
            throw CliException.usage("give a NAME and options, or a template --file");
        }
        return printId(api().id(P + ".allocate", t.toString()));
    }

    /** IMAGE_ID=7 for a number, IMAGE="name" otherwise (the server resolves it among the caller's objects). */
    static String reference(String attr, String token) {
        return token.matches("\\d+") ? attr + "_ID=" + token : attr + "=" + TemplateText.quote(token);
    }

    @Command(name = "instantiate", header = "Create a VM from a VM template.",
            description = {"Example:", "  nimbo template instantiate small --name web-1 --hold"})
    int instantiate(@Parameters(paramLabel = "TEMPLATE", description = "ID or name") String template,
            @Option(names = "--name", paramLabel = "NAME", description = "VM name (default: <template>-<id>).") String name,
            @Option(names = "--hold", description = "Create the VM on hold.") boolean hold,
            @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Extra template merged into the template's.")
            String file,
            @Option(names = "--persistent", description = "Give the VM private persistent copies of the template's images.")
            boolean persistent) {
        return printId(api().id(P + ".instantiate", resolve(KIND, template), name == null ? "" : name, hold,
                file == null ? "" : readFile(file), persistent));
    }

    @Command(name = "delete", header = "Delete a VM template.", description = {"Example:", "  nimbo template delete small --recursive"})
    int delete(@Parameters(paramLabel = "TEMPLATE") String template,
            @Option(names = "--recursive", description = "Also delete the images its disks use.") boolean recursive) {
        api().call(P + ".delete", resolve(KIND, template), recursive);
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a VM template's contents.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'CPU=2' | nimbo template update small - --append"})
    int update(@Parameters(index = "0", paramLabel = "TEMPLATE") String template,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge instead of replacing.") boolean append) {
        int id = resolve(KIND, template);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call(P + ".update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a VM template.", description = {"Example:", "  nimbo template rename small tiny"})
    int rename(@Parameters(index = "0", paramLabel = "TEMPLATE") String template, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return OwnerVerbs.rename(this, P, KIND, template, name);
    }

    @Command(name = "chmod", header = "Change a VM template's permissions.", description = {"Example:", "  nimbo template chmod small 644"})
    int chmod(@Parameters(index = "0", paramLabel = "TEMPLATE") String template, @Parameters(index = "1", paramLabel = "OCTAL") String octal,
            @Option(names = "--recursive", description = "Also change its images.") boolean recursive) {
        return OwnerVerbs.chmod(this, P, KIND, template, octal, recursive);
    }

    @Command(name = "chown", header = "Change a VM template's owner (and group).", description = {"Example:", "  nimbo template chown small alice"})
    int chown(@Parameters(index = "0", paramLabel = "TEMPLATE") String template, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chown(this, P, KIND, template, user, group);
    }

    @Command(name = "chgrp", header = "Change a VM template's group.", description = {"Example:", "  nimbo template chgrp small users"})
    int chgrp(@Parameters(index = "0", paramLabel = "TEMPLATE") String template, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chgrp(this, P, KIND, template, group);
    }

    @Command(name = "clone", header = "Copy a VM template.", description = {"Example:", "  nimbo template clone small small-copy --recursive"})
    int cloneTemplate(@Parameters(index = "0", paramLabel = "TEMPLATE") String template, @Parameters(index = "1", paramLabel = "NAME") String name,
            @Option(names = "--recursive", description = "Also copy its images; the copy's disks use the copies.") boolean recursive) {
        return printId(api().id(P + ".clone", resolve(KIND, template), name, recursive));
    }

    @Command(name = "lock", header = "Lock a VM template.",
            description = {"Levels: use (blocks everything, default), manage, admin, all.", "Example:", "  nimbo template lock small"})
    int lock(@Parameters(paramLabel = "TEMPLATE") String template,
            @Option(names = "--level", paramLabel = "L", description = "use, manage, admin or all.") String level) {
        return OwnerVerbs.lock(this, P, KIND, template, level);
    }

    @Command(name = "unlock", header = "Unlock a VM template.", description = {"Example:", "  nimbo template unlock small"})
    int unlock(@Parameters(paramLabel = "TEMPLATE") String template) {
        return OwnerVerbs.unlock(this, P, KIND, template);
    }

    static String memory(String mb) {
        try {
            return mb.isEmpty() ? "-" : Sizes.formatMb(Long.parseLong(mb));
        } catch (NumberFormatException e) {
            return mb;
        }
    }

    static String detail(XmlNode t, Instant now) {
        Detail d = new Detail().section("TEMPLATE " + t.text("ID") + " INFORMATION");
        OwnerVerbs.ownerFields(d, t);
        d.field("REGISTER TIME", OwnerVerbs.registered(t, now));
        d.section("TEMPLATE CONTENTS").block(TemplateText.render(t.at("TEMPLATE")));
        return d.toString();
    }
}
