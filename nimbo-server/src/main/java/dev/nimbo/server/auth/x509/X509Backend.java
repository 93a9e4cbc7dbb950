package dev.nimbo.server.auth.x509;

import dev.nimbo.client.tls.PemFiles;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import dev.nimbo.server.auth.OneUse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code x509} driver: the user's PASSWORD holds the subject DN(s) of its certificate(s) ({@code |}
 * between several, as OpenNebula's driver); the client certificate of the HTTPS connection must chain to a
 * configured CA, be within its validity dates, not be revoked by the configured CRL (re-read when the file
 * changes), and its subject must equal one of those DNs. The secret of the session string is not used then.
 * Without a TLS client certificate, OpenNebula's CLI token ({@code oneuser login --x509}: base64 of
 * "SIGNED:CERT_PEM:…", SIGNED being "user:expiry" RSA-encrypted with the certificate's key) is accepted
 * once, with the same checks on the certificates it carries.
 * Thread-safe: the CRL set is replaced atomically.
 *
 * <pre>
 * auth:
 *   x509:
 *     ca: ca.pem       # CA certificates client certificates must chain to
 *     crl: ca.crl      # optional: PEM or DER CRL(s)
 * </pre>
 */
public final class X509Backend implements AuthBackend {
    public static final String DRIVER = "x509";
    private static final Logger log = LoggerFactory.getLogger(X509Backend.class);

    private record Crls(FileTime modified, Collection<CRL> crls) {
    }

    private final Set<TrustAnchor> anchors = new HashSet<>();
    private final Path crlFile;
    private final Clock clock;
    private final OneUse used = new OneUse();
    private volatile Crls crls = new Crls(null, List.of());

    public X509Backend(Path caFile, Path crlFile, Clock clock) throws IOException {
        for (X509Certificate ca : PemFiles.certificates(caFile)) {
            anchors.add(new TrustAnchor(ca, null));
        }
        this.crlFile = crlFile;
        this.clock = clock;
        if (crlFile != null) {
            currentCrls(true);
        }
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public Outcome verify(User user, Credentials c) {
        List<X509Certificate> chain = c.peerChain();
        String signedText = null;
        if (chain.isEmpty()) {
            // no TLS client certificate: OpenNebula's CLI token (oneuser login --x509) carries the chain instead
            int colon = tokenText(c.secret()).indexOf(':');
            if (colon <= 0) {
                throw new AuthFailure("no client certificate and no x509 login token");
            }
            signedText = tokenText(c.secret()).substring(0, colon);
            chain = certificates(tokenText(c.secret()).substring(colon + 1));
        }
        X509Certificate leaf = chain.get(0);
        validate(chain);
        long now = clock.millis() / 1000;
        long expiry = signedText == null ? 0 : OneUse.checkSignedText(
                OneUse.rsaPublicDecrypt(leaf.getPublicKey(), signedText), user.name(), now);
        if (!dnMatches(user, leaf)) {
            throw new AuthFailure("certificate subject " + leaf.getSubjectX500Principal().getName() + " is not the user's DN");
        }
        if (signedText != null) {
            used.claim(user.id() + ":" + signedText, expiry, now);
        }
        return Outcome.NONE;
    }

    private static boolean dnMatches(User user, X509Certificate leaf) {
        for (String dn : user.password().split("\\|")) {
            try {
                if (!dn.isBlank() && new X500Principal(toRfc2253(dn)).equals(leaf.getSubjectX500Principal())) {
                    return true;
                }
            } catch (IllegalArgumentException badStoredDn) {
                log.warn("user {} has an unparsable x509 DN '{}'", user.name(), dn);
            }
        }
        return false;
    }

    /** The decoded token: "SIGNED_TEXT:PEM:PEM…" in base64; "" when the secret is not base64. */
    private static String tokenText(String secret) {
        try {
            return new String(java.util.Base64.getMimeDecoder().decode(secret), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static List<X509Certificate> certificates(String pems) {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(
                    new java.io.ByteArrayInputStream(pems.replace(':', '\n').getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) cert);
            }
            if (out.isEmpty()) {
                throw new AuthFailure("x509 login token holds no certificate");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new AuthFailure("x509 login token holds no valid certificate");
        }
    }

    private void validate(List<X509Certificate> chain) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            PKIXParameters params = new PKIXParameters(anchors);
            params.setDate(Date.from(clock.instant()));
            Collection<CRL> current = crlFile == null ? List.of() : currentCrls(false);
            params.setRevocationEnabled(crlFile != null);
            if (crlFile != null) {
                params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(current)));
            }
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(chain), params);
        } catch (CertPathValidatorException e) {
            if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                throw new AuthFailure("client certificate expired", "The client certificate has expired.");
            }
            if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                throw new AuthFailure("client certificate not yet valid", "The client certificate is not yet valid.");
            }
            if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                throw new AuthFailure("client certificate revoked", "The client certificate has been revoked.");
            }
            if (e.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
                throw new AuthFailure("client certificate not issued by a configured CA");
            }
            throw new AuthFailure("client certificate rejected: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new AuthFailure("client certificate cannot be checked: " + e.getMessage());
        }
    }

    private Collection<CRL> currentCrls(boolean failHard) {
        try {
            FileTime modified = Files.getLastModifiedTime(crlFile);
            Crls now = crls;
            if (modified.equals(now.modified())) {
                return now.crls();
            }
            try (InputStream in = Files.newInputStream(crlFile)) {
                Collection<CRL> loaded = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCRLs(in));
                crls = new Crls(modified, List.copyOf(loaded));
                return loaded;
            }
        } catch (IOException | GeneralSecurityException e) {
            if (failHard) {
                throw new IllegalArgumentException("cannot read CRL " + crlFile + ": " + e.getMessage(), e);
            }
            // keep refusing revoked certificates with the CRL we had rather than accepting everything
            log.warn("cannot re-read CRL {} ({}); using the previous one", crlFile, e.getMessage());
            return crls.crls();
        }
    }

    /** OpenNebula shows DNs OpenSSL's way ({@code /C=ES/O=Org/CN=Name}); Java wants RFC 2253 (reversed, commas). */
    public static String toRfc2253(String dn) {
        String s = dn.strip();
        if (!s.startsWith("/")) {
            return s;
        }
        String[] parts = s.substring(1).split("/");
        StringBuilder out = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(parts[i].replace(",", "\\,"));
        }
        return out.toString();
    }

    /** A DN in one normal form for storage; {@link IllegalArgumentException} if it does not parse. */
    public static String normalize(String dns) {
        List<String> out = new ArrayList<>();
        for (String dn : dns.split("\\|")) {
            if (!dn.isBlank()) {
                try {
                    out.add(new X500Principal(toRfc2253(dn)).getName(X500Principal.RFC2253));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("The certificate subject DN '" + dn.strip() + "' is not valid");
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("The certificate subject DN is empty");
        }
        return String.join("|", out);
    }
}
