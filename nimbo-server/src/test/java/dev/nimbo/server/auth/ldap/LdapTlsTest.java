package dev.nimbo.server.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import dev.nimbo.client.tls.PemFiles;
import dev.nimbo.server.auth.InProcessNimbod;
import dev.nimbo.server.auth.x509.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * LDAP over TLS: LDAPS and StartTLS against a directory whose certificate a test CA issued; a server whose
 * certificate is not from the configured CA is refused (no bind, so no password leaves over it). Also RFC 2307
 * groups (posixGroup memberUid) found by a group search instead of memberOf. Servers are chosen per login by
 * match_user_regex, which keeps the whole login as the Nimbo user name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LdapTlsTest {
    Path dir;
    TestDirectory ldap;
    InProcessNimbod nimbod;
    int posixDevs;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbo-ldaptls-");
        TestPki pki = new TestPki(dir, "LDAP Test CA");
        pki.write("ca", pki.ca);
        pki.write("ldap", pki.server());
        TestPki other = new TestPki(dir, "Other CA");
        other.write("other-ca", other.ca);
        char[] pw = new char[0];
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(PemFiles.keyStore(PemFiles.privateKey(dir.resolve("ldap.key")), PemFiles.certificates(dir.resolve("ldap.pem")),
                pw), pw);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        ldap = new TestDirectory(serverTls);
        String common = """
                      :user: 'cn=svc,dc=example,dc=org'
                      :password: '%s'
                      :host: 127.0.0.1
                      :base: 'dc=example,dc=org'
                      :user_field: uid
                      :mapping_key: POSIX_GROUP_DN
                """.formatted(TestDirectory.SERVICE_PASSWORD);
        String yaml = "auth:\n  authn: [core, ldap]\n  default_auth: ldap\n  ldap:\n    cache: 0\n"
                + "    ldaps:\n      :encryption: :simple_tls\n      :port: " + ldap.ldapsPort() + "\n      :ca_file: ca.pem\n" + common
                + "    starttls:\n      :encryption: :start_tls\n      :port: " + ldap.port() + "\n      :ca_file: ca.pem\n" + common
                + "    badca:\n      :encryption: :simple_tls\n      :port: " + ldap.ldapsPort() + "\n      :ca_file: other-ca.pem\n" + common
                + "    posix:\n      :port: " + ldap.port() + "\n      :rfc2307bis: false\n      :group_field: memberUid\n"
                + "      :user_group_field: uid\n      :group_base: 'ou=groups,dc=example,dc=org'\n" + common
                + "    :match_user_regex:\n"
                + "      \"^(.*)@ldaps$\": ldaps\n      \"^(.*)@starttls$\": starttls\n      \"^(.*)@badca$\": badca\n"
                + "      \"^(.*)@posix$\": posix\n";
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.copy(dir.resolve("ca.pem"), data.resolve("ca.pem"));
        Files.copy(dir.resolve("other-ca.pem"), data.resolve("other-ca.pem"));
        nimbod = new InProcessNimbod(data, yaml);
        OneResponse g = nimbod.admin("one.group.allocate", "posix-devs");
        posixDevs = ((Number) g.value()).intValue();
        ok(nimbod.admin("one.group.update", posixDevs, "POSIX_GROUP_DN = \"cn=posix-devs,ou=groups,dc=example,dc=org\"", 1));
    }

    @AfterAll
    void stop() {
        nimbod.close();
        ldap.close();
    }

    @Test
    void ldapsAndStartTlsWithTheConfiguredCa() {
        String viaLdaps = (String) ok(nimbod.as("alice@ldaps:alice-ldap-pw-3141", "one.user.info", -1)).value();
        assertThat(viaLdaps).contains("<NAME>alice@ldaps</NAME>").contains("<AUTH_DRIVER>ldap</AUTH_DRIVER>");
        ok(nimbod.as("alice@starttls:alice-ldap-pw-3141", "one.user.info", -1));
        fails(nimbod.as("alice@starttls:wrong-password", "one.user.info", -1));
    }

    @Test
    void serverCertificateFromAnotherCaIsRefused() {
        fails(nimbod.as("alice@badca:alice-ldap-pw-3141", "one.user.info", -1));
        assertThat((String) ok(nimbod.admin("one.userpool.info")).value()).doesNotContain("alice@badca");
    }

    @Test
    void rfc2307GroupsAreFoundByMemberUid() {
        String xml = (String) ok(nimbod.as("alice@posix:alice-ldap-pw-3141", "one.user.info", -1)).value();
        assertThat(xml).contains("<GID>" + posixDevs + "</GID>");
        // bob is in no posix group: the default group
        assertThat((String) ok(nimbod.as("bob@posix:bob-ldap-pw-2718", "one.user.info", -1)).value()).contains("<GID>1</GID>");
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
