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
        assertThat(ok(adminAuth, "user", "list", "--csv", "--list", "ID,NAME").out()).contains("2,carol");
        assertThat(ok(adminAuth, "user", "show", "carol", "-j").out()).contains("\"NAME\"").contains("carol");
        assertThat(ok(adminAuth, "user", "show", "carol", "-x").out()).contains("<USER>").contains("<NAME>carol</NAME>");

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
}
