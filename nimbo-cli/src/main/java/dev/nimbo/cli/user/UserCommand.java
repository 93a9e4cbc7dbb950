package dev.nimbo.cli.user;

import dev.nimbo.cli.Api;
import dev.nimbo.cli.CliException;
import dev.nimbo.cli.ExitCodes;
import dev.nimbo.cli.Family;
import dev.nimbo.cli.Kind;
import dev.nimbo.cli.WatchOption;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Column;
import dev.nimbo.cli.output.Detail;
import dev.nimbo.cli.output.Table;
import dev.nimbo.cli.output.Times;
import dev.nimbo.cli.quota.QuotaOptions;
import dev.nimbo.cli.quota.QuotaView;
import dev.nimbo.cli.xml.TemplateText;
import dev.nimbo.cli.xml.XmlNode;
import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nimbo user}: users, their passwords, groups, auth drivers, login tokens and quotas (one.user.*). */
@Command(name = "user", header = "Manage users.", description = {"Example:", "  nimbo user list --filter GROUP=users"})
public final class UserCommand extends Family {
    static final int DEFAULT_TOKEN_SECONDS = 36000; // oneuser login's default validity

    public static final Kind KIND = new Kind("user", "one.userpool.info", List.of(), "one.user.info", "USER",
            List.of(
                    Column.right("ID", (u, p) -> u.text("ID")),
                    Column.wide("NAME", (u, p) -> u.text("NAME")),
                    Column.wide("GROUP", (u, p) -> u.text("GNAME")),
                    Column.left("AUTH", (u, p) -> u.text("AUTH_DRIVER")),
                    Column.left("ENABLED", (u, p) -> u.text("ENABLED").equals("1") ? "yes" : "no"),
                    Column.right("VMS", (u, p) -> QuotaView.poolCell(u, p, "VMS", "DEFAULT_USER_QUOTAS")),
                    Column.right("MEMORY", (u, p) -> QuotaView.poolCell(u, p, "MEMORY", "DEFAULT_USER_QUOTAS")),
                    Column.right("CPU", (u, p) -> QuotaView.poolCell(u, p, "CPU", "DEFAULT_USER_QUOTAS")),
                    Column.right("GID", (u, p) -> u.text("GID")),
                    Column.left("GROUPS", (u, p) -> u.all("GROUPS/ID").stream().map(XmlNode::text)
                            .collect(Collectors.joining(",")))),
            List.of("ID", "NAME", "GROUP", "AUTH", "ENABLED", "VMS", "MEMORY", "CPU"));

    @Command(name = "list", header = "List users.",
            description = {"Columns: ID, NAME, GROUP, AUTH, ENABLED, VMS, MEMORY, CPU (used / limit), GID, GROUPS.",
                "Example:", "  nimbo user list --list ID,NAME,VMS -w 5"})
    int list(@Mixin WatchOption watch) {
        return list(KIND, watch);
    }

    @Command(name = "show", header = "Show a user (default: yourself).", description = {"Example:", "  nimbo user show alice"})
    int show(@Parameters(arity = "0..1", paramLabel = "USER", description = "ID or name") String user) {
        Instant now = io().clock().instant();
        return show(KIND, user == null ? -1 : resolve(KIND, user), u -> detail(u, now));
    }

    @Command(name = "create", header = "Create a user.",
            description = {"Without PASSWORD it is prompted for (no echo) when the driver is core. For the ssh driver "
                    + "PASSWORD is the public key, for x509 the certificate's subject DN (--read-file reads it from a file).",
                "Example:", "  nimbo user create alice --group devs --group ops",
                "  nimbo user create bob --driver ssh --read-file ~/.ssh/id_ed25519.pub"})
    int create(@Parameters(index = "0", paramLabel = "NAME") String name,
            @Parameters(index = "1", arity = "0..1", paramLabel = "PASSWORD") String password,
            @Option(names = "--driver", paramLabel = "D", description = "Auth driver (default: the server's, core).") String driver,
            @Option(names = "--read-file", paramLabel = "FILE", description = "Read PASSWORD (an SSH public key, a DN) from FILE.")
            Path readFile,
            @Option(names = "--group", paramLabel = "G", description = "Group ID or name; the first is the main group. Repeatable.")
            List<String> groups) {
        String drv = driver == null ? "" : driver;
        String pw = secretFrom(password, readFile);
        if (pw == null) {
            pw = drv.isEmpty() || drv.equals("core") ? io().readSecret("Password for " + name + ": ") : "";
        }
        List<Integer> gids = new ArrayList<>();
        for (String g : groups == null ? List.<String>of() : groups) {
            gids.add(resolve(GroupCommand.KIND, g));
        }
        return printId(api().id("one.user.allocate", name, pw, drv, gids));
    }

    @Command(name = "delete", header = "Delete a user.", description = {"Example:", "  nimbo user delete alice"})
    int delete(@Parameters(paramLabel = "USER", description = "ID or name") String user) {
        api().call("one.user.delete", resolve(KIND, user));
        return ExitCodes.OK;
    }

    @Command(name = "passwd", header = "Change a user's password.",
            description = {"Without PASSWORD it is prompted for, without echo. For ssh and x509 users it is the new public "
                    + "key or DN.", "Example:", "  nimbo user passwd alice", "  nimbo user passwd bob --read-file new_key.pub"})
    int passwd(@Parameters(index = "0", paramLabel = "USER") String user,
            @Parameters(index = "1", arity = "0..1", paramLabel = "PASSWORD") String password,
            @Option(names = "--read-file", paramLabel = "FILE", description = "Read PASSWORD (an SSH public key, a DN) from FILE.")
            Path readFile) {
        int id = resolve(KIND, user);
        String pw = secretFrom(password, readFile);
        pw = pw != null ? pw : io().readSecret("New password: ");
        api().call("one.user.passwd", id, pw);
        return ExitCodes.OK;
    }

    @Command(name = "chgrp", header = "Change a user's main group.", description = {"Example:", "  nimbo user chgrp alice devs"})
    int chgrp(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        api().call("one.user.chgrp", resolve(KIND, user), resolve(GroupCommand.KIND, group));
        return ExitCodes.OK;
    }

    @Command(name = "addgroup", header = "Add a user to a secondary group.", description = {"Example:", "  nimbo user addgroup alice ops"})
    int addgroup(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        api().call("one.user.addgroup", resolve(KIND, user), resolve(GroupCommand.KIND, group));
        return ExitCodes.OK;
    }

    @Command(name = "delgroup", header = "Remove a user from a secondary group.", description = {"Example:", "  nimbo user delgroup alice ops"})
    int delgroup(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "GROUP") String group) {
        api().call("one.user.delgroup", resolve(KIND, user), resolve(GroupCommand.KIND, group));
        return ExitCodes.OK;
    }

    @Command(name = "chauth", header = "Change a user's auth driver (and password).",
            description = {"Example:", "  nimbo user chauth alice ldap"})
    int chauth(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "DRIVER") String driver,
            @Parameters(index = "2", arity = "0..1", paramLabel = "PASSWORD", description = "New password; kept when absent.") String password) {
        api().call("one.user.chauth", resolve(KIND, user), driver, password == null ? "" : password);
        return ExitCodes.OK;
    }

    @Command(name = "enable", header = "Enable a user.", description = {"Example:", "  nimbo user enable alice"})
    int enable(@Parameters(paramLabel = "USER") String user) {
        api().call("one.user.enable", resolve(KIND, user), true);
        return ExitCodes.OK;
    }

    @Command(name = "disable", header = "Disable a user (they can no longer authenticate).",
            description = {"Example:", "  nimbo user disable alice"})
    int disable(@Parameters(paramLabel = "USER") String user) {
        api().call("one.user.enable", resolve(KIND, user), false);
        return ExitCodes.OK;
    }

    @Command(name = "update", header = "Replace or merge a user's template.",
            description = {"Without FILE, $EDITOR opens on the current template; '-' reads standard input.",
                "Example:", "  echo 'SSH_PUBLIC_KEY=\"ssh-ed25519 AAAA...\"' | nimbo user update alice - --append"})
    int update(@Parameters(index = "0", paramLabel = "USER") String user,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Option(names = {"-a", "--append"}, description = "Merge into the template instead of replacing it.") boolean append) {
        int id = resolve(KIND, user);
        String text = templateInput(file, () -> TemplateText.render(api().xml(KIND.infoMethod(), id, false).at("TEMPLATE")));
        if (text != null) {
            api().call("one.user.update", id, text, append ? 1 : 0);
        }
        return ExitCodes.OK;
    }

    @Command(name = "login", header = "Get a login token and store it in $ONE_AUTH or ~/.one/one_auth.",
            description = {"Authenticates as USER with --password (prompted when absent), with --ssh-key (a token "
                    + "signed by the private key, for users of the ssh driver) or, unless one of those is given, with "
                    + "--user's credentials asking for USER's token. Over https, --cert/--key present a client "
                    + "certificate (x509 driver).",
                "Example:", "  nimbo user login alice --time 3600 && nimbo vm list",
                "  nimbo user login bob --ssh-key ~/.ssh/id_ed25519",
                "  nimbo user login carol --endpoint https://cloud:2633/RPC2 --ca ca.pem --cert carol.pem --key carol.key"})
    int login(@Parameters(paramLabel = "USER") String user,
            @Option(names = "--time", paramLabel = "SECONDS", description = "Validity (default 36000; -1: no expiry).")
            Integer time,
            @Option(names = "--group", paramLabel = "G", description = "Effective group for the token (ID or name).") String group,
            @Option(names = "--ssh-key", paramLabel = "FILE", description = "Private SSH key (OpenSSH, PKCS#8 or PKCS#1 PEM; "
                    + "unencrypted) to sign the login with.") Path sshKey,
            @Option(names = "--stdout", description = "Print USER:TOKEN instead of storing it.") boolean stdout) {
        Api session;
        if (sshKey != null) {
            session = nimbo.api(user + ":" + sshToken(user, sshKey));
        } else if (nimbo.clientCertOption()) {
            session = nimbo.api(user + ":x509"); // the certificate authenticates; the secret is not used
        } else {
            session = nimbo.userOption() != null ? api()
                    : nimbo.api(user + ":" + (nimbo.passwordOption() != null ? nimbo.passwordOption()
                            : io().readSecret("Password for " + user + ": ")));
        }
        int egid = group == null ? -1 : GroupCommand.KIND.resolve(session, group);
        int seconds = time == null ? DEFAULT_TOKEN_SECONDS : time;
        Object token = session.call("one.user.login", user, "", seconds, egid);
        String line = user + ":" + token;
        if (stdout) {
            print(line + "\n");
            return ExitCodes.OK;
        }
        Path file = authFile();
        store(file, line);
        String validity = seconds < 0 ? "no expiry" : "valid for " + seconds + "s";
        print("Token stored in " + file + " (" + validity + ")\n");
        return ExitCodes.OK;
    }

    @Command(name = "token-delete", header = "Revoke one of a user's login tokens.",
            description = {"Example:", "  nimbo user token-delete alice 3f9c...e1"})
    int tokenDelete(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "TOKEN") String token) {
        api().call("one.user.login", user, token, 0, -1); // validity 0 resets the token
        return ExitCodes.OK;
    }

    @Command(name = "quota", header = "Set a user's quotas.",
            description = {"FILE holds quota vectors; without FILE or limit options, $EDITOR opens on the current quotas.",
                "Example:", "  nimbo user quota alice --vms 10 --memory 16g --cpu 8"})
    int quota(@Parameters(index = "0", paramLabel = "USER") String user,
            @Parameters(index = "1", arity = "0..1", paramLabel = "FILE") String file,
            @Mixin QuotaOptions limits) {
        int id = resolve(KIND, user);
        String template = limits.template(this, file, () -> api().xml(KIND.infoMethod(), id, false));
        if (template != null) {
            api().call("one.user.quota", id, template);
        }
        return ExitCodes.OK;
    }

    /** PASSWORD given on the command line or read from --read-file (first non-empty line); null when neither. */
    private static String secretFrom(String password, Path file) {
        if (password != null && file != null) {
            throw CliException.usage("give PASSWORD or --read-file, not both");
        }
        if (file == null) {
            return password;
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).findFirst()
                    .orElseThrow(() -> CliException.usage(file + " is empty"));
        } catch (IOException e) {
            throw CliException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** A one-use SSH login token, valid for a minute: only the one.user.login call below uses it. */
    private String sshToken(String user, Path keyFile) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.usage("cannot read SSH key " + keyFile + ": " + e.getMessage());
        }
        try {
            SshKeys.Private key = SshKeys.parsePrivate(text);
            return SshLoginToken.sign(user, key, io().clock().instant().getEpochSecond() + 60);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(keyFile + ": " + e.getMessage());
        }
    }

    private Path authFile() {
        String env = io().env().get("ONE_AUTH");
        return env != null && !env.isBlank() ? Path.of(env.trim()) : io().home().resolve(".one").resolve("one_auth");
    }

    private static void store(Path file, String line) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(file, line, StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: nothing more we can do
            }
        } catch (IOException e) {
            throw CliException.server("cannot write " + file + ": " + e.getMessage());
        }
    }

    static String detail(XmlNode u, Instant now) {
        Detail d = new Detail().section("USER " + u.text("ID") + " INFORMATION");
        d.field("ID", u.text("ID")).field("NAME", u.text("NAME")).field("GROUP", u.text("GNAME") + " (" + u.text("GID") + ")");
        List<String> secondary = u.all("GROUPS/ID").stream().map(XmlNode::text).filter(g -> !g.equals(u.text("GID"))).toList();
        d.field("SECONDARY GROUPS", secondary.isEmpty() ? "-" : String.join(", ", secondary));
        d.field("PASSWORD", u.text("PASSWORD")).field("AUTH_DRIVER", u.text("AUTH_DRIVER"));
        d.field("ENABLED", u.text("ENABLED").equals("1") ? "yes" : "no");
        List<XmlNode> tokens = u.children("LOGIN_TOKEN");
        if (!tokens.isEmpty()) {
            d.section("LOGIN TOKENS");
            List<List<String>> rows = new ArrayList<>();
            for (XmlNode t : tokens) {
                long exp = parseLong(t.text("EXPIRATION_TIME"));
                String egid = t.text("EGID");
                rows.add(List.of(t.text("TOKEN"), egid.equals("-1") ? "-" : egid, exp < 0 ? "never" : Times.relative(exp, now)));
            }
            d.block(Table.render(List.of(new Table.Header("TOKEN", false, false), new Table.Header("EGID", true, false),
                    new Table.Header("EXPIRES", false, false)), rows, 0, true));
        }
        d.section("USER TEMPLATE").block(TemplateText.render(u.at("TEMPLATE")));
        QuotaView.detail(d, u, u.at("DEFAULT_USER_QUOTAS"), true);
        return d.toString();
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
