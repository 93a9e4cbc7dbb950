package dev.nimbo.cli;

import dev.nimbo.cli.acl.AclCommand;
import dev.nimbo.cli.group.GroupCommand;
import dev.nimbo.cli.output.Format;
import dev.nimbo.cli.output.Terminal;
import dev.nimbo.cli.quota.QuotaCommand;
import dev.nimbo.cli.system.SystemCommand;
import dev.nimbo.cli.user.UserCommand;
import dev.nimbo.cli.zone.ZoneCommand;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneEnvironment;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code nimbo} command: {@code nimbo <object> <verb> [args] [options]}. Holds the global options
 * (inherited by every subcommand, so they may appear anywhere), creates the API client on first use
 * and maps failures to exit codes ({@link ExitCodes}). Families are registered in {@code subcommands}
 * below: adding one is adding its class there.
 */
@Command(name = "nimbo", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Nimbo.Version.class, sortOptions = false, usageHelpAutoWidth = true,
        header = "Manage a Nimbo (or OpenNebula) cloud through its XML-RPC API.",
        description = {
            "Endpoint: --endpoint, $ONE_XMLRPC, ~/.one/one_endpoint or localhost:2633.",
            "Credentials: --user/--password, else user:password (or user:token) from $ONE_AUTH or ~/.one/one_auth.",
            "Exit codes: 0 ok, 1 server error, 2 usage error, 3 authentication or authorization error, 4 cannot connect.",
            "",
            "Example:",
            "  nimbo user list --filter GROUP=users -j"},
        subcommands = {
            UserCommand.class, GroupCommand.class, AclCommand.class, QuotaCommand.class, ZoneCommand.class,
            dev.nimbo.cli.vnet.VnetCommand.class, dev.nimbo.cli.template.VnTemplateCommand.class, dev.nimbo.cli.template.TemplateCommand.class,
            dev.nimbo.cli.host.HostCommand.class, dev.nimbo.cli.cluster.ClusterCommand.class,
            dev.nimbo.cli.secgroup.SecgroupCommand.class, dev.nimbo.cli.vmgroup.VmgroupCommand.class, dev.nimbo.cli.vdc.VdcCommand.class, dev.nimbo.cli.hook.HookCommand.class, dev.nimbo.cli.document.DocumentCommand.class,
            dev.nimbo.cli.datastore.DatastoreCommand.class, dev.nimbo.cli.image.ImageCommand.class,
            dev.nimbo.cli.vm.VmCommand.class,
            SystemCommand.class, CompletionCommand.class})
public final class Nimbo implements Callable<Integer> {

    @Option(scope = ScopeType.INHERIT, names = "--endpoint", paramLabel = "URL", description = "XML-RPC endpoint, e.g. http://host:2633/RPC2; a comma-separated list (HA front-ends) is tried in order when one is unreachable.")
    String endpoint;

    @Option(scope = ScopeType.INHERIT, names = "--user", paramLabel = "U", description = "User name (with --password, or prompted).")
    String user;

    @Option(scope = ScopeType.INHERIT, names = "--password", paramLabel = "P", description = "Password or login token for --user.")
    String password;

    @Option(scope = ScopeType.INHERIT, names = "--ca", paramLabel = "FILE",
            description = "PEM CA certificates to trust for an https endpoint (default: $NIMBO_CA, else the JVM's).")
    Path caFile;

    @Option(scope = ScopeType.INHERIT, names = "--cert", paramLabel = "FILE",
            description = "PEM client certificate for an https endpoint (x509 login; default: $NIMBO_CERT).")
    Path certFile;

    @Option(scope = ScopeType.INHERIT, names = "--key", paramLabel = "FILE",
            description = "PKCS#8 PEM key of --cert (default: $NIMBO_KEY).")
    Path keyFile;

    @Option(scope = ScopeType.INHERIT, names = {"-x", "--xml"}, description = "Print the API's XML document.")
    boolean xml;

    @Option(scope = ScopeType.INHERIT, names = {"-j", "--json"}, description = "Print JSON (the XML document converted).")
    boolean json;

    @Option(scope = ScopeType.INHERIT, names = "--csv", description = "Print lists as CSV.")
    boolean csv;

    @Option(scope = ScopeType.INHERIT, names = "--list", paramLabel = "COLS", split = ",", description = "Columns to show in lists, e.g. ID,NAME.")
    List<String> list = new ArrayList<>();

    @Option(scope = ScopeType.INHERIT, names = "--filter", paramLabel = "COL=VALUE",
            description = "Keep list rows whose column equals VALUE (also COL!=VALUE, COL~REGEX); repeatable.")
    List<String> filters = new ArrayList<>();

    @Option(scope = ScopeType.INHERIT, names = "--search", paramLabel = "TEXT", description = "Keep list rows containing TEXT in any column.")
    String search;

    @Option(scope = ScopeType.INHERIT, names = "--no-header", description = "Omit the header line of tables and CSV.")
    boolean noHeader;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final Io io;
    private Api api;
    private Printer printer;

    public Nimbo(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        Charset cs = System.out.charset();
        PrintWriter out = new PrintWriter(new PrintStream(System.out, false, cs), false);
        PrintWriter err = new PrintWriter(new PrintStream(System.err, false, System.err.charset()), false);
        boolean terminal = Terminal.isTerminal();
        Io io = new Io(System.getenv(), System.in, out, err, terminal ? System.console() : null, terminal,
                Clock.systemDefaultZone());
        System.exit(run(io, args));
    }

    /** Runs one command line and returns its exit code (tests call this in-process). */
    public static int run(Io io, String... args) {
        Nimbo nimbo = new Nimbo(io);
        CommandLine cl = new CommandLine(nimbo)
                .setOut(io.out())
                .setErr(io.err())
                .setParameterExceptionHandler(Nimbo::usageError)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> failure(io, ex));
        try {
            return cl.execute(args);
        } finally {
            io.out().flush();
            io.err().flush();
            if (nimbo.api != null) {
                nimbo.api.close();
            }
        }
    }

    /** Bare {@code nimbo}: a usage error listing the object families. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    public Io io() {
        return io;
    }

    public Api api() {
        if (api == null) {
            api = new Api(() -> client(session()));
        }
        return api;
    }

    /** An API using {@code session} instead of the configured credentials (login with a password). */
    public Api api(String session) {
        return new Api(() -> client(session));
    }

    private OneClient client(String session) {
        List<URI> endpoints = endpoints();
        javax.net.ssl.SSLContext tls = null;
        if (endpoints.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()))) {
            Path ca = orEnv(caFile, "NIMBO_CA");
            Path cert = orEnv(certFile, "NIMBO_CERT");
            Path key = orEnv(keyFile, "NIMBO_KEY");
            if ((cert == null) != (key == null)) {
                throw CliException.usage("--cert and --key go together");
            }
            try {
                tls = dev.nimbo.client.tls.PemFiles.clientContext(ca, cert, key);
            } catch (IOException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        return new OneClient(endpoints, session, java.time.Duration.ofSeconds(60), tls);
    }

    private Path orEnv(Path option, String env) {
        if (option != null) {
            return option;
        }
        String v = io.env().get(env);
        return blank(v) ? null : Path.of(v.strip());
    }

    /** Whether a client certificate is configured (an x509 login needs no password). */
    public boolean clientCertOption() {
        return orEnv(certFile, "NIMBO_CERT") != null;
    }

    /** The global --user, or null (commands that authenticate differently, like login, read it). */
    public String userOption() {
        return user;
    }

    public String passwordOption() {
        return password;
    }

    public Printer printer() {
        if (printer == null) {
            int chosen = (xml ? 1 : 0) + (json ? 1 : 0) + (csv ? 1 : 0);
            if (chosen > 1) {
                throw CliException.usage("choose one of -x/--xml, -j/--json, --csv");
            }
            Format f = xml ? Format.XML : json ? Format.JSON : csv ? Format.CSV : Format.TABLE;
            printer = new Printer(f, list, filters, search, !noHeader, io);
        }
        return printer;
    }

    /**
     * --endpoint, $ONE_XMLRPC, ~/.one/one_endpoint, then the default; a comma-separated list names the front-ends
     * of a replicated zone, tried in order when one is unreachable.
     */
    List<URI> endpoints() {
        String ep = endpoint;
        if (ep == null && blank(io.env().get("ONE_XMLRPC"))) {
            Path file = io.home().resolve(".one").resolve("one_endpoint");
            if (Files.isReadable(file)) {
                try {
                    ep = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                            .map(String::trim).filter(s -> !s.isEmpty()).findFirst().orElse(null);
                } catch (IOException e) {
                    ep = null; // unreadable: fall back like OpenNebula does
                }
            }
        }
        if (ep == null) {
            ep = io.env().get("ONE_XMLRPC");
        }
        try {
            if (blank(ep)) {
                return List.of(OneEnvironment.endpoint(io.env()));
            }
            List<URI> uris = new ArrayList<>();
            for (String one : ep.split(",")) {
                URI uri = URI.create(one.trim());
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw CliException.usage("endpoint must be a URL like http://host:2633/RPC2, got '" + uri + "'");
                }
                uris.add(uri);
            }
            return uris;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("bad endpoint: " + e.getMessage());
        }
    }

    /** --user/--password (prompting for a missing password), else the ONE_AUTH file. */
    String session() {
        if (user != null) {
            String pw = password != null ? password : io.readSecret("Password for " + user + ": ");
            return user + ":" + pw;
        }
        if (password != null) {
            throw CliException.usage("--password needs --user");
        }
        try {
            return OneEnvironment.session(io.env());
        } catch (IOException e) {
            throw new CliException(ExitCodes.AUTH, e.getMessage(), e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Usage errors: one line naming the problem and where help is. */
    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String msg = ex.getMessage();
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            msg += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        err.println("nimbo: " + msg + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int failure(Io io, Exception ex) {
        if (ex instanceof CliException c) {
            io.err().println("nimbo: " + c.getMessage());
            io.err().flush();
            return c.exitCode();
        }
        if (ex instanceof ParameterException p) {
            return usageError(p, new String[0]);
        }
        // a bug: say so in one line; the trace only when asked for
        io.err().println("nimbo: internal error: " + ex);
        if (io.env().containsKey("NIMBO_DEBUG")) {
            ex.printStackTrace(io.err());
        }
        io.err().flush();
        return ExitCodes.SERVER;
    }

    /** Version of the jar when packaged, else "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Nimbo.class.getPackage().getImplementationVersion();
            return new String[] {"nimbo " + (v == null ? "dev" : v)};
        }
    }
}
