package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real {@code bin/nimbo} script against a real nimbod: an operator session and a tenant session, checking
 * what is printed and the exit codes (0 ok, 1 server error, 2 usage, 3 auth, 4 cannot connect).
 */
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

    /** Runs bin/nimbo with the given credentials file (null: the CLI's own default, ~/.one/one_auth). */
    Run nimbo(Path auth, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("bin/nimbo").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("NIMBO_CLASSPATH", System.getProperty("java.class.path"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HOME", home.toString());
        env.put("ONE_XMLRPC", nimbod.endpoint().toString());
        env.put("COLUMNS", "160");
        if (auth != null) {
            env.put("ONE_AUTH", auth.toString());
        } else {
            env.remove("ONE_AUTH");
        }
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    Run ok(Path auth, String... args) throws Exception {
        Run r = nimbo(auth, args);
        assertThat(r.exit()).as("nimbo %s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    @Test
    void operatorSession() throws Exception {
        assertThat(ok(adminAuth, "system", "version").out()).contains("7.0.0");
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
        Run unreachable = nimbo(adminAuth, "--endpoint", "http://127.0.0.1:1/RPC2", "user", "list");
        assertThat(unreachable.exit()).isEqualTo(4);
        ok(adminAuth, "user", "delete", "carol");
        assertThat(nimbo(adminAuth, "user", "show", "carol").exit()).isEqualTo(1);
    }

    @Test
    void tenantSession() throws Exception {
        ok(adminAuth, "user", "create", "dave", "pw-dave");
        Path daveAuth = home.resolve("dave_auth");
        Files.writeString(daveAuth, "dave:pw-dave\n");
        Run denied = nimbo(daveAuth, "user", "create", "eve", "pw");
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

    /** Polls {@code nimbo vm list} as {@code auth} until VM {@code id}'s STAT is {@code stat} (at most 30 s). */
    void awaitStat(Path auth, String id, String stat) throws Exception {
        String last = "";
        for (long end = System.nanoTime() + 30_000_000_000L; System.nanoTime() < end; Thread.sleep(200)) {
            last = ok(auth, "vm", "list", "--csv", "--no-header", "--list", "ID,STAT", "--filter", "ID=" + id).out().strip();
            if (last.equals(id + "," + stat)) {
                return;
            }
        }
        throw new AssertionError("VM " + id + " did not reach " + stat + "; last: " + last);
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
        for (long end = System.nanoTime() + 30_000_000_000L; ; Thread.sleep(200)) {
            String stat = ok(erin, "image", "list", "--csv", "--no-header", "--list", "ID,STAT").out();
            if (stat.contains(image + ",rdy")) {
                break;
            }
            assertThat(System.nanoTime()).as("image READY; last: %s", stat).isLessThan(end);
        }
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
        for (long end = System.nanoTime() + 30_000_000_000L; ; Thread.sleep(200)) {
            if (!ok(erin, "vm", "list", "--csv", "--list", "ID").out().lines().toList().contains(vm)) {
                break;
            }
            assertThat(System.nanoTime()).as("VM %s gone from the list", vm).isLessThan(end);
        }
    }
}
