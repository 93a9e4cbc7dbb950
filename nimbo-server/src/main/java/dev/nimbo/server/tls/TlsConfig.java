package dev.nimbo.server.tls;

import dev.nimbo.client.tls.PemFiles;
import dev.nimbo.server.config.Section;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * HTTPS on the XML-RPC endpoint: the {@code tls} section of the daemon's configuration. Without it the
 * endpoint is plain HTTP (on loopback by default, the quick start). Either PEM files or a PKCS#12 keystore:
 *
 * <pre>
 * tls:
 *   cert: server.pem          # certificate chain, server first
 *   key: server.key           # unencrypted PKCS#8 key
 *   # keystore: server.p12
 *   # keystore_password: secret
 *   client_ca: ca.pem         # ask clients for a certificate and advertise these CAs (x509 driver)
 * </pre>
 *
 * Client certificates are requested, never required, so password, token and SSH logins keep working over
 * HTTPS; the handshake accepts any client certificate and the x509 driver validates it fully (CA, dates,
 * CRL) when a user of that driver logs in, which gives a clear AUTHENTICATION error instead of a failed
 * handshake. Immutable.
 */
public record TlsConfig(Path cert, Path key, Path keystore, String keystorePassword, Path clientCa) {

    @Override
    public String toString() {
        return "TlsConfig[" + (keystore != null ? keystore : cert) + "]"; // never the keystore password
    }

    /** The tls section, or null when it is absent (plain HTTP). */
    public static TlsConfig from(Section s, Path configDir) {
        if (s.values().isEmpty()) {
            return null;
        }
        String cert = s.string("cert", null);
        String key = s.string("key", null);
        String ks = s.string("keystore", null);
        if (ks == null && (cert == null || key == null)) {
            throw new Section.ConfigException(s.name("") + " needs cert and key, or keystore");
        }
        String ca = s.string("client_ca", null);
        return new TlsConfig(cert == null ? null : configDir.resolve(cert), key == null ? null : configDir.resolve(key),
                ks == null ? null : configDir.resolve(ks), s.string("keystore_password", ""),
                ca == null ? null : configDir.resolve(ca));
    }

    /** The daemon's SSL context: its own key and chain; client certificates accepted for later validation. */
    public SSLContext serverContext() throws IOException {
        try {
            KeyStore store;
            char[] pw;
            if (keystore != null) {
                pw = keystorePassword.toCharArray();
                store = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(keystore)) {
                    store.load(in, pw);
                }
            } else {
                pw = new char[0];
                store = PemFiles.keyStore(PemFiles.privateKey(key), PemFiles.certificates(cert), pw);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, pw);
            List<X509Certificate> issuers = clientCa == null ? List.of() : PemFiles.certificates(clientCa);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {new DeferredClientTrust(issuers)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS from " + this + ": " + e.getMessage(), e);
        }
    }

    /**
     * Accepts the client's chain during the handshake; the x509 driver validates it (see class comment). The
     * daemon never connects out with this context, so the server-side check is the only one used.
     */
    private record DeferredClientTrust(List<X509Certificate> issuers) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // validated by the x509 driver, per user, with CA, validity and CRL
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("the daemon's TLS context does not verify servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return issuers.toArray(X509Certificate[]::new);
        }
    }
}
