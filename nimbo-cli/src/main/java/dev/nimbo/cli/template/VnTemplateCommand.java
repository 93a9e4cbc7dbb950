package dev.nimbo.cli.template;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo vntemplate}: network templates users instantiate into networks (one.vntemplate.*). */
@Command(name = "vntemplate", header = "Manage virtual network templates.",
        description = {"Example:", "  nimbo vntemplate instantiate private-net --name mine"})
public final class VnTemplateCommand extends Family {
    static final String P = "one.vntemplate";

    public static final Kind KIND = new Kind("vntemplate", "one.vntemplatepool.info", List.of(-2, -1, -1),
            "one.vntemplate.info", "VNTEMPLATE", List.of(
                    Column.right("ID", (t, p) -> t.text("ID")),
                    Column.left("USER", (t, p) -> t.text("UNAME")),
                    Column.left("GROUP", (t, p) -> t.text("GNAME")),
                    Column.wide("NAME", (t, p) -> t.text("NAME")),
                    Column.left("VN_MAD", (t, p) -> t.text("TEMPLATE/VN_MAD")),
                    Column.right("ARS", (t, p) -> String.valueOf(t.all("TEMPLATE/AR").size())),
                    Column.left("PERMS", (t, p) -> OwnerVerbs.permissions(t))),
            List.of("ID", "USER", "GROUP", "NAME", "VN_MAD"));

    @Command(name = "list", header = "List network templates.", description = {"Example:", "  nimbo vntemplate list"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a network template.", description = {"Example:", "  nimbo vntemplate show private-net"})
    int show(@Parameters(paramLabel = "VNTEMPLATE", description = "ID or name") String template) {
        Instant now = io().clock().instant();
        return show(KIND, resolve(KIND, template), t -> detail(t, now));
    }

    @Command(name = "create", header = "Create a network template from a file.",
            description = {"FILE ('-' for standard input) needs NAME and VN_MAD; AR vectors become the networks' ranges.",
                "Example:", "  nimbo vntemplate create private-net.tmpl"})
    int create(@Parameters(paramLabel = "FILE") String file) {
        return printId(api().id(P + ".allocate", readFile(file)));
    }

    @Command(name = "delete", header = "Delete a network template.", description = {"Example:", "  nimbo vntemplate delete private-net"})
    int delete(@Parameters(paramLabel = "VNTEMPLATE") String template) {
        api().call(P + ".delete", resolve(KIND, template));
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a network template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'MTU=9000' | nimbo vntemplate update private-net - --append"})
    int update(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge instead of replacing.") boolean append) {
        int id = resolve(KIND, template);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call(P + ".update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a network template.", description = {"Example:", "  nimbo vntemplate rename a b"})
    int rename(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return OwnerVerbs.rename(this, P, KIND, template, name);
    }

    @Command(name = "chmod", header = "Change a network template's permissions.",
            description = {"Example:", "  nimbo vntemplate chmod private-net 604"})
    int chmod(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        return OwnerVerbs.chmod(this, P, KIND, template, octal);
    }

    @Command(name = "chown", header = "Change a network template's owner (and group).",
            description = {"Example:", "  nimbo vntemplate chown private-net alice users"})
    int chown(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chown(this, P, KIND, template, user, group);
    }

    @Command(name = "chgrp", header = "Change a network template's group.", description = {"Example:", "  nimbo vntemplate chgrp private-net users"})
    int chgrp(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        return OwnerVerbs.chgrp(this, P, KIND, template, group);
    }

    @Command(name = "clone", header = "Copy a network template.", description = {"Example:", "  nimbo vntemplate clone private-net copy"})
    int cloneTemplate(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return printId(api().id(P + ".clone", resolve(KIND, template), name));
    }

    @Command(name = "instantiate", header = "Create a network from a network template.",
            description = {"EXTRA ('-' for standard input) is merged in; its AR vectors are added to the template's.",
                "Example:", "  nimbo vntemplate instantiate private-net --name mine"})
    int instantiate(@Parameters(index = "0", paramLabel = "VNTEMPLATE") String template,
            @Parameters(index = "1", arity = "0..1", paramLabel = "EXTRA") String extra,
            @Option(names = "--name", paramLabel = "NAME", description = "Network name (default: TEMPLATE-ID).") String name) {
        return printId(api().id(P + ".instantiate", resolve(KIND, template), name == null ? "" : name,
                extra == null ? "" : readFile(extra)));
    }

    @Command(name = "lock", header = "Lock a network template.",
            description = {"Levels: use (blocks everything, default), manage, admin, all.", "Example:", "  nimbo vntemplate lock private-net"})
    int lock(@Parameters(paramLabel = "VNTEMPLATE") String template,
            @Option(names = "--level", paramLabel = "L", description = "use, manage, admin or all.") String level) {
        return OwnerVerbs.lock(this, P, KIND, template, level);
    }

    @Command(name = "unlock", header = "Unlock a network template.", description = {"Example:", "  nimbo vntemplate unlock private-net"})
    int unlock(@Parameters(paramLabel = "VNTEMPLATE") String template) {
        return OwnerVerbs.unlock(this, P, KIND, template);
    }

    static String detail(XmlNode t, Instant now) {
        Detail d = new Detail().section("VIRTUAL NETWORK TEMPLATE " + t.text("ID") + " INFORMATION");
        OwnerVerbs.ownerFields(d, t);
        d.field("REGISTER TIME", OwnerVerbs.registered(t, now));
        d.section("TEMPLATE CONTENTS").block(TemplateText.render(t.at("TEMPLATE")));
        return d.toString();
    }
}
