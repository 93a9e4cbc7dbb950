package dev.nimbo.cli.system;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.output.Json;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.Xml;
import dev.nimbo.cli.xml.XmlNode;
import picocli.CommandLine.Command;

/** {@code nimbo system}: the server's version and configuration (one.system.*). */
@Command(name = "system", header = "Show the server's version and configuration.",
        description = {"Example:", "  nimbo system version"})
public final class SystemCommand extends Family {

    @Command(name = "version", header = "Print the server's OpenNebula API version.",
            description = {"Example:", "  nimbo system version"})
    int version() {
        String v = String.valueOf(api().call("one.system.version"));
        print(switch (printer().format()) {
            case XML -> "<VERSION>" + Xml.escape(v, false) + "</VERSION>\n";
            case JSON -> "{\n  \"VERSION\": " + Json.string(v) + "\n}\n";
            case CSV -> "VERSION\n" + v + "\n";
            case TABLE -> v + "\n";
        });
        return ExitCodes.OK;
    }

    @Command(name = "config", header = "Print the server's configuration.",
            description = {"Example:", "  nimbo system config -j"})
    int config() {
        XmlNode conf = api().xml("one.system.config");
        print(printer().document(conf, () -> TemplateText.render(conf)));
        return ExitCodes.OK;
    }
}
