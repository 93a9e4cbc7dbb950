package dev.nimbo.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneClientException;
import dev.nimbo.client.OneResponse;
import dev.nimbo.client.tls.PemFiles;
import dev.nimbo.server.auth.InProcessNimbod;
import dev.nimbo.server.auth.x509.TestPki;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** HTTPS from a PKCS#12 keystore; a client that does not trust the daemon's CA cannot talk to it. */
class KeystoreTlsTest {

    @Test
    void keystoreServesHttpsAndUntrustedClientsFailTheHandshake() throws Exception {
        Path dir = Files.createTempDirectory("nimbo-keystore-");
        TestPki pki = new TestPki(dir, "Keystore CA");
        TestPki.Issued server = pki.server();
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        KeyStore ks = PemFiles.keyStore(server.keys().getPrivate(), List.of(server.cert(), pki.ca.cert()),
                "ks-pass-1".toCharArray());
        try (OutputStream out = Files.newOutputStream(data.resolve("server.p12"))) {
            ks.store(out, "ks-pass-1".toCharArray());
        }
        pki.write("ca", pki.ca);
        String yaml = "tls:\n  keystore: server.p12\n  keystore_password: ks-pass-1\n";
        try (InProcessNimbod n = new InProcessNimbod(data, yaml, PemFiles.clientContext(dir.resolve("ca.pem"), null, null))) {
            assertThat(n.endpoint().getScheme()).isEqualTo("https");
            OneResponse r = n.admin("one.zone.info", 0);
            assertThat(r.ok()).isTrue();
            assertThat((String) r.value()).contains("https://127.0.0.1:");
            TestPki other = new TestPki(dir, "Unrelated CA");
            other.write("other", other.ca);
            try (OneClient c = new OneClient(n.endpoint(), n.adminSession, Duration.ofSeconds(10),
                    PemFiles.clientContext(dir.resolve("other.pem"), null, null))) {
                OneClientException e = org.junit.jupiter.api.Assertions.assertThrows(OneClientException.class,
                        () -> c.call("one.user.info", -1));
                assertThat(e.getMessage()).contains("cannot reach");
            }
        }
    }
}
