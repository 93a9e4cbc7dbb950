package dev.nimbo.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import dev.nimbo.server.auth.ldap.TestDirectory;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real nimbod (child process, configured through NIMBO_CONFIG) with core, server_cipher, ssh and ldap active
 * at once and a user of each logging in, wrong secrets refused; then the daemon's logs are searched for every
 * secret the test used: none may appear, the failures must (with their address).
 */
@dev.nimbo.server.it.ParallelSafe
class SeveralBackendsTest {
    static final String CORE_PW = "core-secret-pw-9931";
    static final String WRONG_PW = "wrong-guess-pw-4471";
    static final String ALICE_LDAP_PW = "alice-ldap-pw-3141";

    @Test
    void usersOfEachDriverLogInAndNoSecretReachesTheLogs() throws Exception {
        Path dir = Files.createTempDirectory("nimbo-backends-");
        try (TestDirectory ldap = new TestDirectory()) {
            Path config = dir.resolve("nimbod.yaml");
            Files.writeString(config, """
                    auth:
                      authn: [core, server_cipher, ssh, ldap]
                      default_auth: ldap
                      ldap:
                        main:
                          :user: 'cn=svc,dc=example,dc=org'
                          :password: '%s'
                          :host: 127.0.0.1
                          :port: %d
                          :base: 'dc=example,dc=org'
                          :user_field: uid
                    """.formatted(TestDirectory.SERVICE_PASSWORD, ldap.port()));
            try (NimbodProcess nimbod = NimbodProcess.start(dir.resolve("data"), null, Map.of("NIMBO_CONFIG", config.toString()))) {
                KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                String sshToken;
                String tokenFromLdap;
                try (OneClient admin = nimbod.client()) {
                    ok(admin.call("one.user.allocate", "plain", CORE_PW, "core", new Object[0]));
                    ok(admin.call("one.user.allocate", "keyed", SshKeys.openSshLine(kp.getPublic()), "ssh", new Object[0]));
                }
                ok(call(nimbod, "plain:" + CORE_PW));
                fails(call(nimbod, "plain:" + WRONG_PW));
                Path keyFile = dir.resolve("keyed.pem");
                Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
                sshToken = SshLoginToken.sign("keyed", SshKeys.parsePrivate(Files.readString(keyFile)),
                        System.currentTimeMillis() / 1000 + 60);
                ok(call(nimbod, "keyed:" + sshToken));
                fails(call(nimbod, "keyed:" + CORE_PW));
                String alice = (String) ok(call(nimbod, "alice:" + ALICE_LDAP_PW)).value();
                assertThat(alice).contains("<AUTH_DRIVER>ldap</AUTH_DRIVER>");
                fails(call(nimbod, "alice:" + WRONG_PW));
                try (OneClient c = nimbod.client("alice:" + ALICE_LDAP_PW)) {
                    tokenFromLdap = (String) ok(c.call("one.user.login", "alice", "", 600, -1)).value();
                }
                ok(call(nimbod, "alice:" + tokenFromLdap));
                String serveradmin = Files.readString(nimbod.dataDir().resolve("serveradmin_auth")).strip();
                ok(call(nimbod, "serveradmin:plain:" + serveradmin.substring(serveradmin.indexOf(':') + 1)));

                nimbod.stop();
                String logs = nimbod.log() + Files.readString(nimbod.dataDir().resolve("nimbod.log"));
                assertThat(logs).contains("authentication failed for user 'plain' from 127.0.0.1")
                        .contains("authentication failed for user 'alice' from 127.0.0.1");
                for (String secret : List.of(CORE_PW, WRONG_PW, ALICE_LDAP_PW, TestDirectory.SERVICE_PASSWORD,
                        NimbodProcess.ADMIN_PASSWORD, sshToken, sshToken.substring(sshToken.lastIndexOf(':') + 1),
                        tokenFromLdap)) {
                    assertThat(logs).as("logs must not contain a secret").doesNotContain(secret);
                }
            }
        }
    }

    static OneResponse call(NimbodProcess n, String session) {
        try (OneClient c = n.client(session)) {
            return c.call("one.user.info", -1);
        }
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static void fails(OneResponse r) {
        assertThat(r.ok()).isFalse();
        assertThat(r.errorCode()).isEqualTo(0x100);
    }
}
