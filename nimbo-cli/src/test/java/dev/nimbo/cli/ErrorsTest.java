package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One line on stderr and distinct exit codes: usage 2, server 1, auth 3, connect 4. */
class ErrorsTest {
    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start();
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        for (String[] args : new String[][] {{}, {"user"}, {"user", "lst"}, {"user", "show", "1", "2"}, {"bogus"},
                {"user", "list", "--nope"}, {"acl", "delete"}, {"user", "list", "-w", "0"}}) {
            var r = cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("nimbo: ").hasLineCount(1);
            assertThat(r.err()).doesNotContain("Exception");
        }
        assertThat(cli.run("user", "lst").err()).contains("did you mean list?");
        assertThat(fake.calls()).isEmpty();
    }

    @Test
    void serverErrorsExitOneWithTheServerMessage() {
        fake.fail("one.user.info", 0x400, "[one.user.info] Error getting user [42].");
        var r = cli.run("user", "show", "42");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).isEqualTo("nimbo: [one.user.info] Error getting user [42].\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void authenticationAndAuthorizationExitThree() {
        fake.fail("one.userpool.info", 0x100, "[one.userpool.info] User couldn't be authenticated, aborting call.");
        var r = cli.run("user", "list");
        assertThat(r.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(r.err()).isEqualTo("nimbo: [one.userpool.info] User couldn't be authenticated, aborting call.\n");

        fake.fail("one.user.delete", 0x200, "[one.user.delete] Not authorized to perform MANAGE USER [3].");
        assertThat(cli.run("user", "delete", "3").exit()).isEqualTo(ExitCodes.AUTH);
    }

    @Test
    void missingCredentialsExitThree() {
        var r = cli.env("ONE_AUTH", home.resolve("missing").toString()).run("user", "list");
        assertThat(r.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(r.err()).startsWith("nimbo: cannot read credentials from").hasLineCount(1);
    }

    @Test
    void explicitCredentialsOverrideTheAuthFile() {
        fake.ok("one.zonepool.info", Docs.ZONE_POOL);
        assertThat(cli.run("zone", "list", "--user", "bob", "--password", "pw").exit()).isZero();
        assertThat(fake.last("one.zonepool.info")).containsExactly("bob:pw");
        assertThat(cli.stdin("typed\n").run("--user", "carol", "zone", "list").exit()).isZero();
        assertThat(fake.last("one.zonepool.info")).containsExactly("carol:typed");
        assertThat(cli.run("zone", "list", "--password", "pw").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unreachableEndpointExitsFour() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var r = cli.run("zone", "list", "--endpoint", "http://127.0.0.1:" + port + "/RPC2");
        assertThat(r.exit()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.err()).startsWith("nimbo: cannot reach http://127.0.0.1:" + port).hasLineCount(1);
    }

    @Test
    void httpErrorFromWrongPathExitsFour() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.start();
        try {
            var r = cli.run("zone", "list", "--endpoint", "http://127.0.0.1:" + other.getAddress().getPort() + "/nope");
            assertThat(r.exit()).isEqualTo(ExitCodes.CONNECT);
            assertThat(r.err()).contains("HTTP 404").hasLineCount(1);
        } finally {
            other.stop(0);
        }
    }

    @Test
    void endpointFromOneEndpointFileAndBadEndpoint() throws Exception {
        fake.ok("one.zonepool.info", Docs.ZONE_POOL);
        cli.env.remove("ONE_XMLRPC");
        Files.createDirectories(home.resolve(".one"));
        Files.writeString(home.resolve(".one/one_endpoint"), fake.endpoint() + "\n");
        assertThat(cli.run("zone", "list").exit()).isZero();

        var r = cli.run("zone", "list", "--endpoint", "not a url");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aListOfEndpointsSkipsAnUnreachableOne() throws Exception {
        fake.ok("one.zonepool.info", Docs.ZONE_POOL);
        String down;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            down = "http://127.0.0.1:" + s.getLocalPort() + "/RPC2"; // closed again: connection refused
        }
        cli.env.put("ONE_XMLRPC", down + ", " + fake.endpoint());
        assertThat(cli.run("zone", "list").exit()).isZero();
        var r = cli.run("zone", "list", "--endpoint", down + "," + down);
        assertThat(r.exit()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.err()).contains("cannot reach " + down + ": ").hasLineCount(1);
        assertThat(cli.run("zone", "list", "--endpoint", down + ",not a url").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void garbageResponseIsAServerError() {
        fake.ok("one.userpool.info", "<USER_POOL><USER>");
        var r = cli.run("user", "list");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).startsWith("nimbo: one.userpool.info: invalid XML in response").hasLineCount(1);
    }

    @Test
    void helpOnEveryLevelHasAnExample() {
        for (String[] args : new String[][] {{"--help"}, {"user", "--help"}, {"user", "create", "--help"},
                {"acl", "create", "--help"}, {"quota", "set-defaults", "--help"}, {"zone", "raftstatus", "--help"},
                {"system", "version", "--help"}, {"completion", "--help"}}) {
            var r = cli.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: nimbo").contains("Example:");
        }
    }

    @Test
    void completionScripts() {
        var bash = cli.run("completion", "bash");
        assertThat(bash.exit()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("token-delete").contains("raftstatus");
        var zsh = cli.run("completion", "zsh");
        assertThat(zsh.out()).contains("autoload -U +X bashcompinit && bashcompinit").contains("complete -F");
        assertThat(cli.run("completion", "fish").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
