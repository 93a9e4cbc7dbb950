package dev.nimbo.server.auth.x509;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.cli.Io;
import dev.nimbo.cli.Nimbo;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneClientException;
import dev.nimbo.client.OneResponse;
import dev.nimbo.client.tls.PemFiles;
import dev.nimbo.server.auth.InProcessNimbod;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTPS on the XML-RPC endpoint and the x509 driver: a client certificate from the configured CA logs in the
 * user whose DN it carries; expired, revoked, foreign-CA and mismatched certificates are refused; passwords
 * still work over HTTPS; the CLI logs in with --ca/--cert/--key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class X509AuthTest {
    static final String GENERIC = "User couldn't be authenticated, aborting call.";
    Path dir;
    TestPki pki;
    InProcessNimbod nimbod;
    Path caFile;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("nimbo-x509-");
        pki = new TestPki(dir, "Nimbo Test CA");
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, TestPki.pem("CERTIFICATE", pki.ca.cert().getEncoded()));
        pki.write("server", pki.server());
        pki.write("alice", pki.client("CN=x509alice,O=Nimbo Test"));
        pki.write("bob", pki.client("CN=x509bob,O=Nimbo Test"));
        Instant now = Instant.now();
        pki.write("expired", pki.issue("CN=x509old,O=Nimbo Test", now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(1)), false));
        TestPki.Issued revoked = pki.client("CN=x509gone,O=Nimbo Test");
        pki.write("revoked", revoked);
        pki.writeCrl("ca.crl", pki.crl(List.of(revoked.serial())));
        TestPki rogue = new TestPki(dir, "Rogue CA");
        rogue.write("rogue", rogue.client("CN=x509alice,O=Nimbo Test"));
        String yaml = """
                auth:
                  authn: [core, server_cipher, x509]
                  x509:
                    ca: ca.pem
                    crl: ca.crl
                tls:
                  cert: server.pem
                  key: server.key
                  client_ca: ca.pem
                """;
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        for (String f : new String[] {"ca.pem", "ca.crl", "server.pem", "server.key"}) {
            Files.copy(dir.resolve(f), data.resolve(f));
        }
        nimbod = new InProcessNimbod(data, yaml, PemFiles.clientContext(caFile, null, null));
        create("x509alice", "/O=Nimbo Test/CN=x509alice"); // OpenNebula's (OpenSSL's) way of writing the DN
        create("x509bob", "CN=x509bob, O=Nimbo Test");
        create("x509old", "CN=x509old,O=Nimbo Test");
        create("x509gone", "CN=x509gone,O=Nimbo Test");
    }

    @AfterAll
    void stop() {
        nimbod.close();
    }

    int create(String name, String dn) {
        OneResponse r = nimbod.admin("one.user.allocate", name, dn, "x509", new Object[0]);
        assertThat(r.ok()).as("allocate: %s", r.ok() ? "" : r.message()).isTrue();
        return ((Number) r.value()).intValue();
    }

    OneResponse as(String certName, String session) throws Exception {
        SSLContext tls = certName == null ? PemFiles.clientContext(caFile, null, null)
                : PemFiles.clientContext(caFile, dir.resolve(certName + ".pem"), dir.resolve(certName + ".key"));
        try (OneClient c = new OneClient(nimbod.endpoint(), session, Duration.ofSeconds(30), tls)) {
            return c.call("one.user.info", -1);
        }
    }

    @Test
    void certificateOfTheUsersDnLogsIn() throws Exception {
        String xml = (String) ok(as("alice", "x509alice:x509")).value();
        assertThat(xml).contains("<NAME>x509alice</NAME>").contains("<AUTH_DRIVER>x509</AUTH_DRIVER>")
                .contains("<PASSWORD>CN=x509alice,O=Nimbo Test</PASSWORD>");
    }

    @Test
    void anotherUsersCertificateNoCertificateAndUnknownUsersAreRefused() throws Exception {
        fails(as("bob", "x509alice:x509"));
        fails(as(null, "x509alice:x509"));
        fails(as("alice", "x509nobody:x509"));
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        fails(as("rogue", "x509alice:x509"));
    }

    @Test
    void expiredAndRevokedCertificatesAreRefused() throws Exception {
        OneResponse expired = as("expired", "x509old:x509");
        fails(expired);
        assertThat(expired.message()).contains("expired");
        OneResponse revoked = as("revoked", "x509gone:x509");
        fails(revoked);
        assertThat(revoked.message()).contains("revoked");
    }

    @Test
    void disabledUserIsRefused() throws Exception {
        int uid = create("x509dis", "CN=x509bob,O=Nimbo Test");
        ok(nimbod.admin("one.user.enable", uid, false));
        fails(as("bob", "x509dis:x509"));
    }

    @Test
    void passwordsWorkOverHttpsAndPlainHttpIsNotServed() throws Exception {
        ok(as(null, nimbod.adminSession));
        URI plain = URI.create("http://127.0.0.1:" + nimbod.server.port() + "/RPC2");
        try (OneClient c = new OneClient(plain, nimbod.adminSession, Duration.ofSeconds(10))) {
            OneResponse r = null;
            try {
                r = c.call("one.user.info", -1);
            } catch (OneClientException expected) {
                // the TLS connector does not speak plain HTTP
            }
            assertThat(r == null || !r.ok()).isTrue();
        }
    }

    @Test
    void invalidDnIsRefusedAtCreation() {
        OneResponse r = nimbod.admin("one.user.allocate", "x509bad", "not a dn", "x509", new Object[0]);
        assertThat(r.ok()).isFalse();
        assertThat(r.errorCode()).isEqualTo(0x4000);
    }

    @Test
    void cliLogsInWithTheClientCertificate() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dir.toString());
        Io io = new Io(env, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), null, false,
                Clock.systemUTC());
        int exit = Nimbo.run(io, "user", "login", "x509alice", "--stdout", "--endpoint", nimbod.endpoint().toString(),
                "--ca", caFile.toString(), "--cert", dir.resolve("alice.pem").toString(),
                "--key", dir.resolve("alice.key").toString());
        assertThat(exit).as(err.toString()).isZero();
        String session = out.toString().strip();
        assertThat(session).startsWith("x509alice:");
        ok(nimbod.as(session, "one.user.info", -1)); // the token works without the certificate
    }

    @Test
    void openNebulaCliTokenWithoutTlsClientCertificateIsAcceptedOnce() throws Exception {
        TestPki.Issued cert = pki.rsaClient("CN=x509token,O=Nimbo Test");
        create("x509token", "/O=Nimbo Test/CN=x509token");
        java.util.function.BiFunction<String, Long, String> oneToken = (user, expiry) -> {
            try {
                javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/PKCS1Padding");
                rsa.init(javax.crypto.Cipher.ENCRYPT_MODE, cert.keys().getPrivate());
                String signed = java.util.Base64.getEncoder().encodeToString(rsa.doFinal((user + ":" + expiry).getBytes()));
                String text = signed + ":" + TestPki.pem("CERTIFICATE", cert.cert().getEncoded()) + ":"
                        + TestPki.pem("CERTIFICATE", pki.ca.cert().getEncoded());
                return java.util.Base64.getEncoder().encodeToString(text.getBytes());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        long now = System.currentTimeMillis() / 1000;
        String token = oneToken.apply("x509token", now + 3600);
        ok(as(null, "x509token:" + token));
        fails(as(null, "x509token:" + token)); // replayed
        fails(as(null, "x509token:" + oneToken.apply("x509token", now - 5)));
        fails(as(null, "x509alice:" + oneToken.apply("x509alice", now + 60))); // DN of another user
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }

    static void fails(OneResponse r) {
        assertThat(r.ok()).as("expected an authentication failure, got %s", r.value()).isFalse();
        assertThat(r.errorCode()).isEqualTo(0x100);
        assertThat(r.message()).contains(GENERIC);
    }
}
