package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.cli.Io;
import dev.nimbo.cli.Nimbo;
import dev.nimbo.client.OneClient;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CLI against a real nimbod process over HTTP: an operator session and a tenant session, checking what is
 * printed and the exit codes (0 ok, 1 server error, 2 usage, 3 auth, 4 cannot connect). Commands run through the
 * CLI's entry point in this JVM with their own environment (HOME, ONE_AUTH, ONE_XMLRPC); a few run through the real
 * {@code bin/nimbo} script, whose exit codes and output must be the same.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliSessionTest {
    private NimbodProcess nimbod;
    private Path home;
    private Path adminAuth;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    void start() throws Exception {
        nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-cli-"), null);
        home = Files.createTempDirectory("nimbo-cli-home-");
        adminAuth = home.resolve("admin_auth");
        Files.writeString(adminAuth, "oneadmin:" + NimbodProcess.ADMIN_PASSWORD + "\n");
    }

    @AfterAll
    void stop() throws Exception {
        nimbod.stop();
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        return p;
    }

    /** The CLI's environment for a run with the given credentials file (null: the CLI's own ~/.one/one_auth). */
    private Map<String, String> env(Path auth) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("HOME", home.toString());
        env.put("ONE_XMLRPC", nimbod.endpoint().toString());
        env.put("COLUMNS", "160");
        if (auth != null) {
            env.put("ONE_AUTH", auth.toString());
        }
        return env;
    }

    /**
     * Runs a {@code nimbo} command line in this JVM (the CLI's own entry point, as {@code bin/nimbo} calls it, with
     * this environment and no terminal): a JVM start per command would make this test a minute longer.
     */
    Run nimbo(Path auth, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = Nimbo.run(new Io(env(auth), java.io.InputStream.nullInputStream(), new java.io.PrintWriter(out),
                new java.io.PrintWriter(err), null, false, java.time.Clock.systemDefaultZone()), args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Runs the real bin/nimbo script (a JVM of its own), for what only the launcher does: exit codes, output. */
    Run launcher(Path auth, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("bin/nimbo").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("ONE_AUTH");
        env.putAll(env(auth));
        env.put("NIMBO_CLASSPATH", System.getProperty("java.class.path"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    Run ok(Path auth, String... args) throws Exception {
        Run r = nimbo(auth, args);
        assertThat(r.exit()).as("nimbo %s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    @Test
    void operatorSession() throws Exception {
        Run version = launcher(adminAuth, "system", "version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out()).contains("7.0.0");
        assertThat(ok(adminAuth, "user", "create", "carol", "pw-carol").out()).contains("ID:");
        ok(adminAuth, "group", "create", "ops");
        ok(adminAuth, "user", "addgroup", "carol", "ops");
        ok(adminAuth, "group", "addadmin", "ops", "carol");
        Run users = ok(adminAuth, "user", "list");
        assertThat(users.out()).contains("NAME").contains("carol").contains("oneadmin").contains("serveradmin");
        assertThat(ok(adminAuth, "group", "show", "ops").out()).contains("ops");
        assertThat(ok(adminAuth, "user", "list", "--csv", "--list", "ID,NAME").out()).containsPattern("\\n\\d+,carol\\n");
        assertThat(ok(adminAuth, "user", "show", "carol", "-j").out()).contains("\"NAME\"").contains("carol");
        assertThat(ok(adminAuth, "user", "show", "carol", "-x").out()).contains("<USER>").contains("<NAME>carol</NAME>");

        // Infrastructure: a cluster, a dummy host in it, then taken out of service and back.
        ok(adminAuth, "cluster", "create", "edge");
        ok(adminAuth, "host", "create", "edge-01", "--im", "dummy", "--vm", "dummy", "--cluster", "edge");
        assertThat(ok(adminAuth, "host", "list").out()).contains("edge-01");
        assertThat(ok(adminAuth, "cluster", "show", "edge").out()).contains("edge");
        ok(adminAuth, "host", "disable", "edge-01");
        assertThat(ok(adminAuth, "host", "show", "edge-01", "-x").out()).contains("<STATE>4</STATE>");
        ok(adminAuth, "host", "enable", "edge-01");
        Run nonEmpty = nimbo(adminAuth, "cluster", "delete", "edge");
        assertThat(nonEmpty.exit()).isEqualTo(1);
        assertThat(nonEmpty.err()).startsWith("nimbo: ").doesNotContain("Exception");
        ok(adminAuth, "host", "delete", "edge-01");
        ok(adminAuth, "cluster", "delete", "edge");

        ok(adminAuth, "acl", "create", "@100 DOCUMENT/* USE+MANAGE *");
        assertThat(ok(adminAuth, "acl", "list").out()).contains("@100");
        ok(adminAuth, "user", "quota", "carol", "--vms", "5", "--memory", "4g");
        assertThat(ok(adminAuth, "user", "show", "carol").out()).contains("0 / 5");
        Path defaults = home.resolve("defaults.txt");
        Files.writeString(defaults, "VM = [ VMS = 20 ]\n");
        ok(adminAuth, "quota", "set-defaults", "user", defaults.toString());
        assertThat(ok(adminAuth, "quota", "show-defaults", "user").out()).contains("20");
        assertThat(ok(adminAuth, "zone", "list").out()).contains("OpenNebula");

        Run dup = nimbo(adminAuth, "user", "create", "carol", "pw");
        assertThat(dup.exit()).isEqualTo(1);
        assertThat(dup.err()).startsWith("nimbo: ").contains("already taken").doesNotContain("Exception");
        Run usage = nimbo(adminAuth, "user", "create");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).doesNotContain("Exception");
        Run unreachable = launcher(adminAuth, "--endpoint", "http://127.0.0.1:1/RPC2", "user", "list");
        assertThat(unreachable.exit()).isEqualTo(4);
        ok(adminAuth, "user", "delete", "carol");
        assertThat(nimbo(adminAuth, "user", "show", "carol").exit()).isEqualTo(1);
    }

    @Test
    void tenantSession() throws Exception {
        ok(adminAuth, "user", "create", "dave", "pw-dave");
        Path daveAuth = home.resolve("dave_auth");
        Files.writeString(daveAuth, "dave:pw-dave\n");
        Run denied = launcher(daveAuth, "user", "create", "eve", "pw");
        assertThat(denied.exit()).isEqualTo(3);
        assertThat(denied.err()).contains("Not authorized");
        Run wrong = nimbo(null, "--user", "dave", "--password", "nope", "user", "show");
        assertThat(wrong.exit()).isEqualTo(3);

        // login stores user:token in ~/.one/one_auth, which later commands use without ONE_AUTH.
        ok(null, "--user", "dave", "--password", "pw-dave", "user", "login", "dave", "--time", "600");
        String stored = Files.readString(home.resolve(".one/one_auth")).strip();
        assertThat(stored).startsWith("dave:").doesNotContain("pw-dave");
        assertThat(ok(null, "user", "show").out()).contains("dave");
        Run list = ok(null, "user", "list");
        assertThat(list.out()).contains("dave").doesNotContain("oneadmin");
        ok(daveAuth, "user", "passwd", "dave", "pw-dave2");
        assertThat(nimbo(daveAuth, "user", "show").exit()).isEqualTo(3);
        String token = stored.substring("dave:".length());
        ok(null, "user", "token-delete", "dave", token);
        assertThat(nimbo(null, "user", "show").exit()).isEqualTo(3);
    }

    /**
     * Waits (polling the API in-process: a CLI run costs a JVM start) until VM {@code id} is in the state {@code nimbo
     * vm list} shows as {@code stat}, then checks the CLI shows it so to {@code auth}.
     */
    void awaitStat(Path auth, String id, String stat) throws Exception {
        int[] wanted = switch (stat) {
            case "runn" -> new int[] {3, 3};
            case "poff" -> new int[] {8, 0};
            default -> throw new IllegalArgumentException(stat);
        };
        OneClient api = new OneClient(nimbod.endpoint(), "oneadmin:" + NimbodProcess.ADMIN_PASSWORD);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            XmlNode vm = XmlNode.parse(api.call("one.vm.info", Integer.parseInt(id)).stringValue());
            return vm.integer("STATE", -1) == wanted[0] && vm.integer("LCM_STATE", -1) == wanted[1];
        });
        assertThat(ok(auth, "vm", "list", "--csv", "--no-header", "--list", "ID,STAT", "--filter", "ID=" + id).out()
                .strip()).isEqualTo(id + "," + stat);
    }

    /**
     * Issue 6's tenant VM session: the operator registers a dummy host and shares a dummy datastore and a network; the
     * tenant makes an empty disk image, reserves addresses, creates a VM from options; the operator deploys it; the
     * tenant snapshots it, powers it off, resumes and terminates it.
     */
    @Test
    void tenantVmSession() throws Exception {
        String host = ok(adminAuth, "host", "create", "cli-host", "--im", "dummy", "--vm", "dummy").out().strip()
                .substring("ID: ".length());
        String ds = ok(adminAuth, "datastore", "create", "--name", "cli-ds", "--ds-mad", "dummy", "--tm-mad", "dummy")
                .out().strip().substring("ID: ".length());
        ok(adminAuth, "datastore", "chmod", ds, "644");
        ok(adminAuth, "vnet", "create", "cli-pub", "--bridge", "br0", "--ar", "ip4:10.9.0.10:20");
        ok(adminAuth, "vnet", "chmod", "cli-pub", "644");
        ok(adminAuth, "user", "create", "erin", "pw-erin");
        Path erin = home.resolve("erin_auth");
        Files.writeString(erin, "erin:pw-erin\n");

        String image = ok(erin, "image", "create", "--datastore", ds, "--name", "erin-disk", "--size", "64m", "--type",
                "DATABLOCK").out().strip().substring("ID: ".length());
        OneClient api = new OneClient(nimbod.endpoint(), "oneadmin:" + NimbodProcess.ADMIN_PASSWORD);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> XmlNode.parse(
                api.call("one.image.info", Integer.parseInt(image)).stringValue()).integer("STATE", -1) == 1);
        assertThat(ok(erin, "image", "list", "--csv", "--no-header", "--list", "ID,STAT").out()).contains(image + ",rdy");
        assertThat(ok(erin, "vnet", "reserve", "cli-pub", "2", "--name", "erin-net").out()).startsWith("ID: ");

        Run created = ok(erin, "vm", "create", "--name", "erin-vm", "--cpu", "0.5", "--vcpu", "2", "--memory", "128m",
                "--disk", "erin-disk", "--nic", "erin-net", "--topology", "sockets=1,cores=2,threads=1");
        assertThat(created.out()).matches("ID: \\d+\n");
        String vm = created.out().strip().substring("ID: ".length());
        assertThat(ok(erin, "vm", "list").out()).containsPattern(vm + " erin\\s+users\\s+erin-vm\\s+pend\\s+0.5\\s+128M");

        // tenants cannot place VMs
        Run denied = nimbo(erin, "vm", "deploy", vm, host);
        assertThat(denied.exit()).as(denied.err()).isEqualTo(3);
        assertThat(denied.err()).startsWith("nimbo: ").doesNotContain("Exception");

        ok(adminAuth, "vm", "deploy", vm, "cli-host");
        awaitStat(erin, vm, "runn");

        assertThat(ok(erin, "vm", "snapshot-create", vm, "before-upgrade").out()).isEqualTo("ID: 0\n");
        awaitStat(erin, vm, "runn");
        Run refused = nimbo(erin, "vm", "resume", vm);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("nimbo: ").doesNotContain("Exception");
        ok(erin, "vm", "poweroff", vm);
        awaitStat(erin, vm, "poff");
        ok(erin, "vm", "resume", vm);
        awaitStat(erin, vm, "runn");

        Run show = ok(erin, "vm", "show", "erin-vm");
        assertThat(show.out()).contains("VIRTUAL MACHINE " + vm + " INFORMATION")
                .contains("LCM_STATE       : RUNNING")
                .contains("HOST            : cli-host")
                .contains("TOPOLOGY        : sockets=1 cores=2 threads=1")
                .containsPattern("0 cli-ds\\s+\\S+\\s+erin-disk")
                .containsPattern("0 erin-net\\s+br0\\s+10\\.9\\.0\\.1\\d")
                .containsPattern("\\n 0\\s+\\d+[sm] ago\\s+before-upgrade\\n")
                .contains("VIRTUAL MACHINE HISTORY")
                .contains("poweroff");

        ok(erin, "vm", "terminate", vm);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> XmlNode.parse(
                api.call("one.vm.info", Integer.parseInt(vm)).stringValue()).integer("STATE", -1) == 6);
        assertThat(ok(erin, "vm", "list", "--csv", "--list", "ID").out().lines().toList()).doesNotContain(vm);
    }
}
