package dev.nimbo.server.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import dev.nimbo.server.auth.InProcessNimbod;
import java.net.ServerSocket;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** While no LDAP server can be reached logins fail, but they are not counted as guesses: no lockout after it. */
class LdapOutageTest {

    @Test
    void outageDoesNotLockUsersOut() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String yaml = """
                auth:
                  authn: [core, ldap]
                  default_auth: ldap
                  throttle:
                    user_soft: 2
                    user_hard: 3
                    lockout: 600
                    max_delay: 0.01
                  ldap:
                    main:
                      :user: 'cn=svc,dc=example,dc=org'
                      :password: '%s'
                      :host: 127.0.0.1
                      :port: %d
                      :timeout: 2
                      :base: 'dc=example,dc=org'
                      :user_field: uid
                """.formatted(TestDirectory.SERVICE_PASSWORD, port);
        try (InProcessNimbod nimbod = new InProcessNimbod(Files.createTempDirectory("nimbo-ldap-outage-"), yaml)) {
            for (int i = 0; i < 5; i++) {
                OneResponse r = nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1);
                assertThat(r.ok()).isFalse();
                assertThat(r.errorCode()).isEqualTo(0x100);
            }
            try (TestDirectory ldap = new TestDirectory(port)) {
                OneResponse r = nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1);
                assertThat(r.ok()).as("after the outage: %s", r.ok() ? "" : r.message()).isTrue();
                // real wrong passwords still count
                for (int i = 0; i < 3; i++) {
                    assertThat(nimbod.as("alice:wrong-" + i, "one.user.info", -1).ok()).isFalse();
                }
                assertThat(nimbod.as("alice:alice-ldap-pw-3141", "one.user.info", -1).ok()).isFalse();
            }
        }
    }
}
