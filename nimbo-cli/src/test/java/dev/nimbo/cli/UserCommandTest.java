package dev.nimbo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCommandTest {
    @TempDir
    Path home;

    FakeOne fake;
    Cli cli;

    @BeforeEach
    void start() {
        fake = FakeOne.start()
                .ok("one.userpool.info", Docs.USER_POOL)
                .ok("one.grouppool.info", Docs.GROUP_POOL)
                .ok("one.user.info", Docs.USER_ALICE);
        cli = Cli.against(fake, home);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void listShowsAlignedColumnsWithQuotaUsage() {
        var r = cli.run("user", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).matches("ID NAME +GROUP +AUTH ENABLED +VMS +MEMORY +CPU");
        // alice: VMS default -1 resolved to the pool default 10; MEMORY a number; CPU limit 4
        assertThat(lines.get(2)).matches(" 1 alice +users +core yes +2 / 10 +2G / 8G +1.5 / 4");
        // bob has no QUOTAS entry: zero usage against defaults (MEMORY default -2 is unlimited)
        assertThat(lines.get(3)).matches(" 2 bob +devs +ldap no +0 / 10 +0M / - +0 / -");
        // oneadmin (ID 0) has no VM quota at all
        assertThat(lines.get(1)).matches(" 0 oneadmin +oneadmin +core yes +- +- +-");
        // columns line up: every row has the NAME column start at the same offset
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isGreaterThan(20));
        assertThat(fake.last("one.userpool.info")).containsExactly("oneadmin:secret");
    }

    @Test
    void showResolvesNameAndPrintsDetail() {
        var r = cli.run("user", "show", "alice");
        assertThat(r.exit()).isZero();
        assertThat(fake.last("one.user.info")).containsExactly("oneadmin:secret", 1, false);
        assertThat(r.out()).contains("USER 1 INFORMATION")
                .contains("NAME            : alice")
                .contains("SECONDARY GROUPS: 100")
                .contains("ENABLED         : yes")
                .contains("EMAIL=\"alice@example.org\"")
                .contains("SSH_PUBLIC_KEY=\"ssh-ed25519 AAAA \\\"k\\\"\"")
                .contains("abc123")
                .contains("in 1h") // token expires an hour after the test clock
                .contains("VMS             : 2 / 10")
                .contains("MEMORY          : 2G / 8G")
                .contains("SYSTEM_DISK_SIZE: 0M / -");
    }

    @Test
    void showWithoutIdIsTheConnectedUser() {
        assertThat(cli.run("user", "show").exit()).isZero();
        assertThat(fake.last("one.user.info")).containsExactly("oneadmin:secret", -1, false);
        assertThat(fake.methods()).doesNotContain("one.userpool.info");
    }

    @Test
    void createWithGroupsByName() {
        fake.ok("one.user.allocate", 7);
        var r = cli.run("user", "create", "carol", "pw1", "--group", "devs", "--group", "1", "--driver", "core");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("ID: 7\n");
        assertThat(fake.last("one.user.allocate")).containsExactly("oneadmin:secret", "carol", "pw1", "core", List.of(100, 1));
    }

    @Test
    void createPromptsForMissingPassword() {
        fake.ok("one.user.allocate", 8);
        var r = cli.stdin("typed-secret\n").run("user", "create", "dave");
        assertThat(r.exit()).isZero();
        assertThat(fake.last("one.user.allocate")).containsExactly("oneadmin:secret", "dave", "typed-secret", "", List.of());
    }

    @Test
    void actionsSendResolvedIds() {
        for (String m : List.of("one.user.delete", "one.user.passwd", "one.user.chgrp", "one.user.addgroup",
                "one.user.delgroup", "one.user.chauth", "one.user.enable")) {
            fake.ok(m, 1);
        }
        assertThat(cli.run("user", "passwd", "alice", "newpw").exit()).isZero();
        assertThat(fake.last("one.user.passwd")).containsExactly("oneadmin:secret", 1, "newpw");
        assertThat(cli.run("user", "chgrp", "bob", "users").exit()).isZero();
        assertThat(fake.last("one.user.chgrp")).containsExactly("oneadmin:secret", 2, 1);
        assertThat(cli.run("user", "addgroup", "alice", "devs").exit()).isZero();
        assertThat(fake.last("one.user.addgroup")).containsExactly("oneadmin:secret", 1, 100);
        assertThat(cli.run("user", "delgroup", "1", "100").exit()).isZero();
        assertThat(fake.last("one.user.delgroup")).containsExactly("oneadmin:secret", 1, 100);
        assertThat(cli.run("user", "chauth", "bob", "core").exit()).isZero();
        assertThat(fake.last("one.user.chauth")).containsExactly("oneadmin:secret", 2, "core", "");
        assertThat(cli.run("user", "disable", "alice").exit()).isZero();
        assertThat(fake.last("one.user.enable")).containsExactly("oneadmin:secret", 1, false);
        assertThat(cli.run("user", "enable", "alice").exit()).isZero();
        assertThat(fake.last("one.user.enable")).containsExactly("oneadmin:secret", 1, true);
        assertThat(cli.run("user", "delete", "bob").exit()).isZero();
        assertThat(fake.last("one.user.delete")).containsExactly("oneadmin:secret", 2);
    }

    @Test
    void passwdPromptsWhenAbsent() {
        fake.ok("one.user.passwd", 1);
        assertThat(cli.stdin("s3cret\n").run("user", "passwd", "alice").exit()).isZero();
        assertThat(fake.last("one.user.passwd")).containsExactly("oneadmin:secret", 1, "s3cret");
    }

    @Test
    void updateFromFileAndStdin() throws Exception {
        fake.ok("one.user.update", 1);
        Path f = Files.writeString(home.resolve("t.tmpl"), "EMAIL=\"a@b\"\n");
        assertThat(cli.run("user", "update", "alice", f.toString()).exit()).isZero();
        assertThat(fake.last("one.user.update")).containsExactly("oneadmin:secret", 1, "EMAIL=\"a@b\"\n", 0);
        assertThat(cli.stdin("X=1\n").run("user", "update", "alice", "-", "--append").exit()).isZero();
        assertThat(fake.last("one.user.update")).containsExactly("oneadmin:secret", 1, "X=1\n", 1);
    }

    @Test
    void updateWithoutFileOpensEditorOnCurrentTemplate() {
        fake.ok("one.user.update", 1);
        var r = cli.env("EDITOR", "sed -i s/alice@example.org/alice@nimbo.dev/").run("user", "update", "alice");
        assertThat(r.exit()).as(r.err()).isZero();
        String sent = (String) fake.last("one.user.update").get(2);
        assertThat(sent).contains("EMAIL=\"alice@nimbo.dev\"").contains("SSH_PUBLIC_KEY=\"ssh-ed25519 AAAA \\\"k\\\"\"");
    }

    @Test
    void unchangedEditSendsNothing() {
        var r = cli.env("EDITOR", "true").run("user", "update", "alice");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("no changes");
        assertThat(fake.methods()).doesNotContain("one.user.update");
    }

    @Test
    void failingEditorIsAnError() {
        var r = cli.env("EDITOR", "false").run("user", "update", "alice");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).startsWith("nimbo: editor 'false' exited with status 1");
    }

    @Test
    void loginStoresTokenInOneAuthWithOwnerOnlyPermissions() throws Exception {
        fake.ok("one.user.login", "tok-42");
        Path auth = home.resolve("one_auth_login");
        var r = cli.env("ONE_AUTH", auth.toString()).stdin("alicepw\n").run("user", "login", "alice", "--time", "600");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.last("one.user.login")).containsExactly("alice:alicepw", "alice", "", 600, -1);
        assertThat(Files.readString(auth)).isEqualTo("alice:tok-42");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(auth))).isEqualTo("rw-------");
        assertThat(r.out()).contains("Token stored in " + auth);
    }

    @Test
    void loginToDefaultFileUnderHomeAndStdout() throws Exception {
        fake.ok("one.user.login", "tok-9");
        cli.env.remove("ONE_AUTH");
        var r = cli.run("user", "login", "alice", "--password", "pw", "--group", "devs");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(home.resolve(".one/one_auth"))).isEqualTo("alice:tok-9");
        assertThat(fake.last("one.user.login")).containsExactly("alice:pw", "alice", "", 36000, 100);
        assertThat(fake.last("one.grouppool.info")).containsExactly("alice:pw");

        var s = cli.run("user", "login", "alice", "--password", "pw", "--stdout");
        assertThat(s.out()).isEqualTo("alice:tok-9\n");
    }

    @Test
    void tokenDeleteResetsTheToken() {
        fake.ok("one.user.login", "");
        assertThat(cli.run("user", "token-delete", "alice", "abc123").exit()).isZero();
        assertThat(fake.last("one.user.login")).containsExactly("oneadmin:secret", "alice", "abc123", 0, -1);
    }

    @Test
    void quotaOptionsMergeIntoCurrentLimits() {
        fake.ok("one.user.quota", 1);
        var r = cli.run("user", "quota", "alice", "--vms", "20", "--memory", "16g");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(fake.last("one.user.quota")).containsExactly("oneadmin:secret", 1,
                "VM=[ CPU=\"4\", MEMORY=\"16384\", RUNNING_VMS=\"-1\", SYSTEM_DISK_SIZE=\"-2\", VMS=\"20\" ]\n");
    }

    @Test
    void quotaFromFileAndBadSize() throws Exception {
        fake.ok("one.user.quota", 1);
        Path f = Files.writeString(home.resolve("q"), "VM=[ VMS=\"3\" ]\n");
        assertThat(cli.run("user", "quota", "1", f.toString()).exit()).isZero();
        assertThat(fake.last("one.user.quota")).containsExactly("oneadmin:secret", 1, "VM=[ VMS=\"3\" ]\n");

        var bad = cli.run("user", "quota", "1", "--memory", "lots");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("bad --memory 'lots'");
    }

    @Test
    void quotaEditorStartsFromLimitsWithoutUsage() {
        fake.ok("one.user.quota", 1);
        var r = cli.env("EDITOR", "sed -i /^..VMS=/s/-1/7/").run("user", "quota", "alice");
        assertThat(r.exit()).as(r.err()).isZero();
        String sent = (String) fake.last("one.user.quota").get(2);
        assertThat(sent).contains("VMS=\"7\"").contains("MEMORY=\"8192\"").doesNotContain("_USED").doesNotContain("#");
    }

    @Test
    void unknownUserNameIsAServerSideError() {
        var r = cli.run("user", "delete", "nobody");
        assertThat(r.exit()).isEqualTo(ExitCodes.SERVER);
        assertThat(r.err()).isEqualTo("nimbo: user 'nobody' not found\n");
    }

    @Test
    void createAndPasswdReadTheKeyFromAFile() throws Exception {
        Path pub = home.resolve("id.pub");
        java.nio.file.Files.writeString(pub, "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb8v1pGk1mJ0r3oXgJ3l0kq0QZ4m4V5o4r1F0pE5wqz me\n");
        fake.ok("one.user.allocate", 9).ok("one.user.passwd", 1);
        assertThat(cli.run("user", "create", "sshuser", "--driver", "ssh", "--read-file", pub.toString()).exit()).isZero();
        assertThat(fake.last("one.user.allocate")).containsExactly("oneadmin:secret", "sshuser",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb8v1pGk1mJ0r3oXgJ3l0kq0QZ4m4V5o4r1F0pE5wqz me", "ssh", List.of());
        assertThat(cli.run("user", "passwd", "alice", "--read-file", pub.toString()).exit()).isZero();
        assertThat(fake.last("one.user.passwd").get(2)).asString().startsWith("ssh-ed25519 ");
        assertThat(cli.run("user", "passwd", "alice", "x", "--read-file", pub.toString()).exit()).isEqualTo(2);
    }

    @Test
    void sshLoginSendsASignedTokenThatVerifiesWithThePublicKey() throws Exception {
        java.security.KeyPair kp = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path key = home.resolve("id_test");
        java.nio.file.Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        fake.ok("one.user.login", "tok-ssh");
        var r = cli.run("user", "login", "alice", "--ssh-key", key.toString(), "--stdout");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("alice:tok-ssh");
        String session = (String) fake.last("one.user.login").get(0);
        assertThat(session).startsWith("alice:" + dev.nimbo.client.auth.SshLoginToken.PREFIX);
        var token = dev.nimbo.client.auth.SshLoginToken.parse(session.substring("alice:".length()));
        var pub = dev.nimbo.client.auth.SshKeys.parsePublic(dev.nimbo.client.auth.SshKeys.openSshLine(kp.getPublic()));
        assertThat(dev.nimbo.client.auth.SshLoginToken.verify("alice", token, pub)).isTrue();
        assertThat(dev.nimbo.client.auth.SshLoginToken.verify("bob", token, pub)).isFalse();
    }

    @Test
    void sshLoginWithAnUnreadableOrEncryptedKeyIsAUsageError() throws Exception {
        Path enc = home.resolve("enc");
        java.nio.file.Files.writeString(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        var r = cli.run("user", "login", "alice", "--ssh-key", enc.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Encrypted private keys are not supported");
        assertThat(cli.run("user", "login", "alice", "--ssh-key", home.resolve("missing").toString()).exit()).isEqualTo(2);
    }
}
