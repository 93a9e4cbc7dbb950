package dev.nimbo.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Start-up refusals: a port or a data directory already in use gets one clear line and a non-zero exit. */
@ParallelSafe
class StartupTest {

    @Test
    void refusesAPortInUseAndADataDirInUse() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-start-");
        try (NimbodProcess first = NimbodProcess.start(dir, null)) {
            Path other = Files.createTempDirectory("nimbod-start-other-");
            NimbodProcess.ProcessResult samePort = NimbodProcess.runToExit(other, Duration.ofSeconds(60),
                    "--data", other.toString(), "--port", String.valueOf(first.port()));
            assertThat(samePort.exitCode()).isEqualTo(1);
            assertThat(samePort.output()).contains("port " + first.port()).contains("already in use")
                    .doesNotContain("Exception");

            NimbodProcess.ProcessResult sameDir = NimbodProcess.runToExit(other, Duration.ofSeconds(60),
                    "--data", dir.toString(), "--port", String.valueOf(NimbodProcess.freePort()));
            assertThat(sameDir.exitCode()).isEqualTo(1);
            assertThat(sameDir.output()).contains("in use by another nimbod").contains("pid " + first.pid());

            assertThat(first.client().call("one.system.version").ok()).isTrue();
        }
    }

    @Test
    void firstStartWithoutOneAuthGeneratesAPrivatePassword() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-gen-");
        int port = NimbodProcess.freePort();
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                "dev.nimbo.server.Nimbod", "--data", dir.toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().remove("ONE_AUTH");
        pb.environment().put("NIMBO_KDF_ITERATIONS", "1000");
        Process p = pb.start();
        try {
            Path auth = dir.resolve("one_auth");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.readString(dir.resolve("out.txt")).contains("listening") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String creds = Files.readString(auth).strip();
            assertThat(creds).startsWith("oneadmin:");
            assertThat(Files.getPosixFilePermissions(auth)).hasToString("[OWNER_READ, OWNER_WRITE]");
            String password = creds.substring("oneadmin:".length());
            assertThat(Files.readString(dir.resolve("out.txt"))).contains(password);
            assertThat(Files.readString(dir.resolve("nimbod.log"))).doesNotContain(password);
            try (var c = new dev.nimbo.client.OneClient(java.net.URI.create("http://127.0.0.1:" + port + "/RPC2"), creds)) {
                assertThat(c.call("one.user.info", -1).stringValue()).contains("<NAME>oneadmin</NAME>");
            }
        } finally {
            p.destroy();
            p.waitFor();
        }
    }
}
