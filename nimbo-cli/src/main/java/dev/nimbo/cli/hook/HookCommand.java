package dev.nimbo.cli.hook;

import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.owned.Owned;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo hook}: API and state hooks, their execution log and retries (one.hook.*, one.hooklog.info). */
@Command(name = "hook", header = "Manage hooks (commands run on API calls or state changes).",
        description = {"Example:", "  nimbo hook show 3 --execution 0"})
public final class HookCommand extends Family {

    public static final Kind KIND = new Kind("hook", "one.hookpool.info", List.of(-2, -1, -1), "one.hook.info", "HOOK",
            List.of(
                    Column.right("ID", (h, p) -> h.text("ID")),
                    Column.wide("NAME", (h, p) -> h.text("NAME")),
                    Column.left("TYPE", (h, p) -> h.text("TYPE")),
                    Column.left("ON", (h, p) -> trigger(h)),
                    Column.wide("COMMAND", (h, p) -> h.text("TEMPLATE/COMMAND"))),
            List.of("ID", "NAME", "TYPE"));

    @Command(name = "list", header = "List hooks.", description = {"Example:", "  nimbo hook list --list ID,NAME,TYPE,ON"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a hook and its execution log, or one execution with --execution.",
            description = {"Example:", "  nimbo hook show host-error -e 2"})
    int show(@Parameters(paramLabel = "HOOK", description = "ID or name") String hook,
            @Option(names = {"-e", "--execution"}, paramLabel = "ID", description = "Show this execution record.") Integer execution) {
        ZoneId zone = io().clock().getZone();
        return show(KIND, resolve(KIND, hook), h -> execution == null ? detail(h, zone) : execution(h, execution, zone));
    }

    @Command(name = "create", header = "Create a hook from a template file ('-': standard input).",
            description = {"Example:", "  printf 'NAME=audit\\nTYPE=api\\nCALL=one.user.allocate\\nCOMMAND=audit.sh\\nARGUMENTS=$API' | nimbo hook create -"})
    int create(@Parameters(paramLabel = "FILE") String file) {
        return printId(api().id("one.hook.allocate", readFile(file)));
    }

    @Command(name = "delete", header = "Delete hooks (and their logs).", description = {"Example:", "  nimbo hook delete audit"})
    int delete(@Parameters(paramLabel = "HOOK", arity = "1..*") List<String> hooks) {
        for (String h : hooks) {
            api().call("one.hook.delete", resolve(KIND, h));
        }
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a hook's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'TIMEOUT=30' | nimbo hook update audit - --append"})
    int update(@Parameters(index = "0", paramLabel = "HOOK") String hook,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, hook);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.hook.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "rename", header = "Rename a hook.", description = {"Example:", "  nimbo hook rename audit audit-users"})
    int rename(@Parameters(index = "0", paramLabel = "HOOK") String hook, @Parameters(index = "1", paramLabel = "NAME") String name) {
        api().call("one.hook.rename", resolve(KIND, hook), name);
        return ExitCodes.OK;
    }

    @Command(name = "lock", header = "Lock a hook (level use, manage, admin or all; default use).",
            description = {"Example:", "  nimbo hook lock audit --level admin"})
    int lock(@Parameters(paramLabel = "HOOK") String hook,
            @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "use") String level) {
        api().call("one.hook.lock", resolve(KIND, hook), Owned.lockLevel(level), false);
        return ExitCodes.OK;
    }

    @Command(name = "unlock", header = "Unlock a hook.", description = {"Example:", "  nimbo hook unlock audit"})
    int unlock(@Parameters(paramLabel = "HOOK") String hook) {
        api().call("one.hook.unlock", resolve(KIND, hook));
        return ExitCodes.OK;
    }

    @Command(name = "retry", header = "Run a logged execution again with the same arguments.",
            description = {"The new run appears in the log when it ends.", "Example:", "  nimbo hook retry audit 4"})
    int retry(@Parameters(index = "0", paramLabel = "HOOK") String hook, @Parameters(index = "1", paramLabel = "EXECUTION") int execution) {
        api().call("one.hook.retry", resolve(KIND, hook), execution);
        return ExitCodes.OK;
    }

    @Command(name = "log", header = "Show the execution log of all hooks (or one), filtered.",
            description = {"Times are epoch seconds.", "Example:", "  nimbo hook log --failed --since 1700000000"})
    int log(@Option(names = "--hook", paramLabel = "HOOK") String hook,
            @Option(names = "--since", paramLabel = "EPOCH") Long since,
            @Option(names = "--until", paramLabel = "EPOCH") Long until,
            @Option(names = "--failed", description = "Only failed executions.") boolean failed,
            @Option(names = "--succeeded", description = "Only successful executions.") boolean succeeded) {
        if (failed && succeeded) {
            throw CliException.usage("choose one of --failed and --succeeded");
        }
        int id = hook == null ? -1 : resolve(KIND, hook);
        XmlNode log = api().xml("one.hooklog.info", since == null ? -1 : since.intValue(), until == null ? -1 : until.intValue(),
                id, failed ? -1 : succeeded ? 1 : 0);
        ZoneId zone = io().clock().getZone();
        print(printer().document(log, () -> logTable(log.all("HOOK_EXECUTION_RECORD"), true, zone)));
        return ExitCodes.OK;
    }

    static String trigger(XmlNode h) {
        if (h.text("TYPE").equals("api")) {
            return h.text("TEMPLATE/CALL");
        }
        String lcm = h.text("TEMPLATE/LCM_STATE");
        return h.text("TEMPLATE/RESOURCE") + "/" + h.text("TEMPLATE/STATE") + (lcm.isEmpty() ? "" : "/" + lcm);
    }

    static String detail(XmlNode h, ZoneId zone) {
        Detail d = new Detail().section("HOOK " + h.text("ID") + " INFORMATION");
        d.field("ID", h.text("ID")).field("NAME", h.text("NAME")).field("TYPE", h.text("TYPE"))
                .field("LOCK", Owned.lockText(h));
        d.section("HOOK TEMPLATE").block(TemplateText.render(h.at("TEMPLATE")));
        List<XmlNode> records = h.all("HOOKLOG/HOOK_EXECUTION_RECORD");
        d.section("EXECUTION LOG").block(records.isEmpty() ? "-" : logTable(records, false, zone));
        return d.toString();
    }

    static String logTable(List<XmlNode> records, boolean withHook, ZoneId zone) {
        List<Table.Header> headers = new ArrayList<>();
        if (withHook) {
            headers.add(new Table.Header("HOOK", true, false));
        }
        headers.add(new Table.Header("ID", true, false));
        headers.add(new Table.Header("TIMESTAMP", false, false));
        headers.add(new Table.Header("RC", true, false));
        headers.add(new Table.Header("EXECUTION", false, false));
        List<List<String>> rows = new ArrayList<>();
        for (XmlNode r : records) {
            List<String> row = new ArrayList<>();
            if (withHook) {
                row.add(r.text("HOOK_ID"));
            }
            String code = r.text("EXECUTION_RESULT/CODE");
            row.add(r.text("EXECUTION_ID"));
            row.add(time(r.text("TIMESTAMP"), zone));
            row.add(code);
            row.add((code.equals("0") ? "SUCCESS" : "ERROR") + (r.text("RETRY").isEmpty() ? "" : " (retry)"));
            rows.add(row);
        }
        return rows.isEmpty() ? "-\n" : Table.render(headers, rows, 0, true);
    }

    static String execution(XmlNode h, int executionId, ZoneId zone) {
        for (XmlNode r : h.all("HOOKLOG/HOOK_EXECUTION_RECORD")) {
            if (r.text("EXECUTION_ID").equals(String.valueOf(executionId))) {
                Detail d = new Detail().section("HOOK " + h.text("ID") + " INFORMATION");
                d.field("ID", h.text("ID")).field("NAME", h.text("NAME")).field("TYPE", h.text("TYPE"));
                d.section("HOOK EXECUTION RECORD");
                d.field("EXECUTION ID", r.text("EXECUTION_ID")).field("TIMESTAMP", time(r.text("TIMESTAMP"), zone))
                        .field("COMMAND", r.text("EXECUTION_RESULT/COMMAND")).field("ARGUMENTS", r.text("ARGUMENTS"))
                        .field("EXIT CODE", r.text("EXECUTION_RESULT/CODE"))
                        .field("RETRY", r.text("RETRY").isEmpty() ? "no" : "yes");
                d.section("EXECUTION STDOUT").block(decode(r.text("EXECUTION_RESULT/STDOUT")));
                d.section("EXECUTION STDERR").block(decode(r.text("EXECUTION_RESULT/STDERR")));
                return d.toString();
            }
        }
        throw CliException.server("hook " + h.text("ID") + " has no execution " + executionId + " in its log");
    }

    private static String decode(String b64) {
        try {
            return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return b64;
        }
    }

    private static String time(String epoch, ZoneId zone) {
        try {
            return DateTimeFormatter.ofPattern("MM/dd HH:mm:ss").withZone(zone).format(Instant.ofEpochSecond(Long.parseLong(epoch)));
        } catch (RuntimeException e) {
            return epoch;
        }
    }
}
