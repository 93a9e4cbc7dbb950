package dev.nimbo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's launchers as a user runs them: {@code bin/nimbod} on the packaged jars and their {@code target/lib}
 * (not the test classpath, which has test-scoped libraries the packaged daemon lacks), then {@code bin/nimbo}
 * against it. Lives in the last module of the build because it needs nimbo-server and nimbo-cli packaged.
 */
class LaunchersTest {
    @TempDir
    Path dir;

    @Test
    void theDaemonStartsFromItsLauncherAndTheCliTalksToIt() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        int port = dev.nimbo.testing.NimbodProcess.freePort();
        Path auth = dir.resolve("one_auth");
        Files.writeString(auth, "oneadmin:launcher-test\n");
        Path log = dir.resolve("nimbod.out");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("bin/nimbod").toString(), "--data",
                dir.resolve("data").toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ONE_AUTH", auth.toString());
        Process daemon = pb.start();
        try {
            String endpoint = "http://127.0.0.1:" + port + "/RPC2";
            // a kvm host makes the daemon's agent CA issue an enrolment token: every runtime library is needed
            Result created = awaitCli(root, auth, endpoint, daemon, log, "host", "create", "launcher-kvm", "--im", "kvm",
                    "--vm", "kvm");
            assertThat(created.exit).as(created.output).isZero();
            Result list = cli(root, auth, endpoint, "host", "list");
            assertThat(list.exit).as(list.output).isZero();
            assertThat(list.output).contains("launcher-kvm");
            daemon.destroy(); // SIGTERM: a clean stop
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
        } finally {
            daemon.destroyForcibly();
        }
    }

    private record Result(int exit, String output) {
    }

    /** The CLI call, retried while the daemon is still starting (it may build the project on first use). */
    private static Result awaitCli(Path root, Path auth, String endpoint, Process daemon, Path log, String... args)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            if (!daemon.isAlive()) {
                throw new AssertionError("bin/nimbod exited with " + daemon.exitValue() + ":\n" + Files.readString(log));
            }
            Result r = cli(root, auth, endpoint, args);
            if (r.exit == 0 || System.nanoTime() > deadline || !r.output.toLowerCase().contains("connect")) {
                return r;
            }
            Thread.sleep(250);
        }
    }

    private static Result cli(Path root, Path auth, String endpoint, String... args) throws IOException,
            InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", root.resolve("bin/nimbo").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ONE_AUTH", auth.toString());
        pb.environment().put("ONE_XMLRPC", endpoint);
        pb.environment().remove("NIMBO_CLASSPATH");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(120, TimeUnit.SECONDS);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
