package dev.nimbo.cli.quota;

import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.xml.XmlNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code nimbo quota}: the default quotas that apply to users and groups whose own limit is "default"
 * (one.userquota.* and one.groupquota.*). Per-user and per-group limits are set with
 * {@code nimbo user quota} and {@code nimbo group quota}.
 */
@Command(name = "quota", header = "Show or set the default user and group quotas.",
        description = {"Example:", "  nimbo quota show-defaults user"})
public final class QuotaCommand extends Family {

    /** Whose default quotas. */
    public enum Owner { user, group }

    @Command(name = "show-defaults", header = "Show the default quotas of users or groups.",
            description = {"Example:", "  nimbo quota show-defaults group -j"})
    int showDefaults(@Parameters(paramLabel = "user|group", description = "user or group") Owner owner) {
        XmlNode doc = api().xml("one." + owner + "quota.info");
        print(printer().document(doc, () -> {
            Detail d = new Detail();
            QuotaView.detail(d, doc, null, false);
            return d.toString().isEmpty() ? "no default " + owner + " quotas set (all unlimited)\n" : d.toString();
        }));
        return ExitCodes.OK;
    }

    @Command(name = "set-defaults", header = "Set the default quotas of users or groups.",
            description = {"FILE holds quota vectors (VM=[...], DATASTORE=[...], NETWORK=[...], IMAGE=[...]); "
                    + "'-' reads standard input; without FILE or options, $EDITOR opens on the current defaults.",
                "Example:", "  nimbo quota set-defaults user --vms 5 --memory 8g"})
    int setDefaults(@Parameters(index = "0", paramLabel = "user|group", description = "user or group") Owner owner,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "quota template") String file,
            @Mixin QuotaOptions limits) {
        String template = limits.template(this, file, () -> api().xml("one." + owner + "quota.info"));
        if (template != null) {
            api().call("one." + owner + "quota.update", template);
        }
        return ExitCodes.OK;
    }
}
