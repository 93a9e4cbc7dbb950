package dev.nimbo.cli.document;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.owned.Owned;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo document}: generic typed documents tools keep in the front-end (one.document.*). */
@Command(name = "document", header = "Manage documents (typed templates stored by tools).",
        description = {"Example:", "  nimbo document list --type 100"})
public final class DocumentCommand extends Family {

    public static final Kind KIND = new Kind("document", "one.documentpool.info", List.of(-2, -1, -1), "one.document.info",
            "DOCUMENT",
            List.of(
                    Column.right("ID", (d, p) -> d.text("ID")),
                    Owned.USER,
                    Owned.GROUP,
                    Column.wide("NAME", (d, p) -> d.text("NAME")),
                    Column.right("TYPE", (d, p) -> d.text("TYPE"))),
            List.of("ID", "USER", "GROUP", "NAME", "TYPE"));

    @Command(name = "list", header = "List documents.", description = {"Example:", "  nimbo document list --type 100"})
    int list(@Mixin WatchOption watch,
            @Option(names = "--type", paramLabel = "N", description = "Only documents of this type.") Integer type) {
        if (type == null) {
            return list(KIND, watch);
        }
        Kind ofType = new Kind(KIND.name(), KIND.poolMethod(), List.of(-2, -1, -1, type), KIND.infoMethod(), KIND.itemElement(),
                KIND.columns(), KIND.defaults());
        return list(ofType, watch);
    }

    @Command(name = "show", header = "Show a document.", description = {"Example:", "  nimbo document show report"})
    int show(@Parameters(paramLabel = "DOCUMENT", description = "ID or name") String doc) {
        return show(KIND, resolve(KIND, doc), DocumentCommand::detail);
    }

    @Command(name = "create", header = "Create a document of a type from a template file ('-': standard input).",
            description = {"Example:", "  echo 'NAME=report BODY=\"...\"' | nimbo document create - --type 100"})
    int create(@Parameters(paramLabel = "FILE") String file,
            @Option(names = "--type", paramLabel = "N", required = true, description = "The document type.") int type) {
        return printId(api().id("one.document.allocate", readFile(file), type));
    }

    @Command(name = "clone", header = "Copy a document under a new name.", description = {"Example:", "  nimbo document clone report report2"})
    int cloneDoc(@Parameters(index = "0", paramLabel = "DOCUMENT") String doc, @Parameters(index = "1", paramLabel = "NAME") String name) {
        return printId(api().id("one.document.clone", resolve(KIND, doc), name));
    }

    @Command(name = "delete", header = "Delete documents.", description = {"Example:", "  nimbo document delete report"})
    int delete(@Parameters(paramLabel = "DOCUMENT", arity = "1..*") List<String> docs) {
        for (String d : docs) {
            api().call("one.document.delete", resolve(KIND, d));
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a document's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  nimbo document update report body.tmpl"})
    int update(@Parameters(index = "0", paramLabel = "DOCUMENT") String doc,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, doc);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.document.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a document.", description = {"Example:", "  nimbo document rename report q3"})
    int rename(@Parameters(index = "0", paramLabel = "DOCUMENT") String doc, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.document.rename", resolve(KIND, doc), name);
        return ExitCodes.OK;
    }

    @Command(name = "chmod", header = "Change a document's permissions.", description = {"Example:", "  nimbo document chmod report 640"})
    int chmod(@Parameters(index = "0", paramLabel = "DOCUMENT") String doc, @Parameters(index = "1", paramLabel = "OCTAL") String octal) {
        Owned.chmod(this, "one.document.chmod", resolve(KIND, doc), octal);
        return ExitCodes.OK;
    }

    @Command(name = "chown", header = "Change a document's owner (and group).", description = {"Example:", "  nimbo document chown report alice devs"})
    int chown(@Parameters(index = "0", paramLabel = "DOCUMENT") String doc, @Parameters(index = "1", paramLabel = "USER") String user,
            @Parameters(index = "2", arity = "0..1", paramLabel = "GROUP") String group) {
        Owned.chown(this, "one.document.chown", resolve(KIND, doc), user, group);
        return ExitCodes.OK;
    }

    @Command(name = "lock", header = "Lock a document (level use, manage, admin or all; default use).",
            description = {"Example:", "  nimbo document lock report --level manage"})
    int lock(@Parameters(paramLabel = "DOCUMENT") String doc,
            @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "use") String level) {
        api().call("one.document.lock", resolve(KIND, doc), Owned.lockLevel(level), false);
        return ExitCodes.OK;
    }

    @Command(name = "unlock", header = "Unlock a document.", description = {"Example:", "  nimbo document unlock report"})
    int unlock(@Parameters(paramLabel = "DOCUMENT") String doc) {
        api().call("one.document.unlock", resolve(KIND, doc));
        return ExitCodes.OK;
    }

    static String detail(XmlNode doc) {
        Detail d = new Detail().section("DOCUMENT " + doc.text("ID") + " INFORMATION");
        d.field("ID", doc.text("ID")).field("NAME", doc.text("NAME")).field("TYPE", doc.text("TYPE"));
        Owned.ownership(d, doc);
        d.field("LOCK", Owned.lockText(doc));
        Owned.permissions(d, doc);
        d.section("TEMPLATE CONTENTS").block(TemplateText.render(doc.at("TEMPLATE")));
        return d.toString();
    }
}
