package dev.nimbo.drivers.agent;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The agent channel's certificates: EC P-256 keys, PKCS#10 requests, a CA that signs them, PEM files and the TLS
 * contexts of both ends (TLS 1.3; the front-end asks for, and the session requires, a certificate of its CA; an
 * agent enrolling pins the CA by the SHA-256 fingerprint its token carries). Stateless helpers; thread-safe.
 */
public final class AgentPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIG = "SHA256withECDSA";

    private AgentPki() {
    }

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    /** A DER PKCS#10 request for the key, with CN = cn. */
    public static byte[] certificateRequest(KeyPair key, String cn) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIG).build(key.getPrivate());
            return new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + cn), key.getPublic())
                    .build(signer).getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot build a certificate request: " + e.getMessage(), e);
        }
    }

    /** A self-signed CA certificate. */
    public static X509Certificate selfSignedCa(KeyPair key, String cn, Duration validity) {
        X500Principal name = new X500Principal("CN=" + cn);
        return sign(name, key.getPrivate(), name, key.getPublic().getEncoded(), validity, true);
    }

    /**
     * The certificate for a DER request, signed by the CA, its subject CN = cn whatever the request asked
     * (the front-end names hosts); the request's own signature must verify.
     */
    public static X509Certificate issue(byte[] requestDer, String cn, PrivateKey caKey, X509Certificate caCert,
                                        Duration validity) {
        PKCS10CertificationRequest req;
        try {
            req = new PKCS10CertificationRequest(requestDer);
            if (!req.isSignatureValid(new JcaContentVerifierProviderBuilder().build(req.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the certificate request's signature does not verify");
            }
        } catch (IOException | PKCSException | OperatorCreationException | RuntimeException e) {
            if (e instanceof IllegalArgumentException i) {
                throw i;
            }
            throw new IllegalArgumentException("not a valid PKCS#10 certificate request: " + e.getMessage(), e);
        }
        try {
            return sign(new X500Principal("CN=" + cn), caKey, caCert.getSubjectX500Principal(),
                    req.getSubjectPublicKeyInfo().getEncoded(), validity, false);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad public key in the request", e);
        }
    }

    /** A leaf certificate for a key pair made here (the front-end's own server certificate). */
    public static X509Certificate issueFor(KeyPair key, String cn, PrivateKey caKey, X509Certificate caCert,
                                           Duration validity) {
        return sign(new X500Principal("CN=" + cn), caKey, caCert.getSubjectX500Principal(),
                key.getPublic().getEncoded(), validity, false);
    }

    private static X509Certificate sign(X500Principal subject, PrivateKey issuerKey, X500Principal issuer,
                                        byte[] publicKeyInfo, Duration validity, boolean ca) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject,
                    java.security.KeyFactory.getInstance("EC").generatePublic(
                            new java.security.spec.X509EncodedKeySpec(publicKeyInfo)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(SIG).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
        }
    }

    /** The CN of a certificate's subject, or "" when it has none. */
    public static String commonName(X509Certificate cert) {
        for (String part : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
            if (part.startsWith("CN=")) {
                return part.substring(3);
            }
        }
        return "";
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ PEM files

    public static String pem(Object certOrKey) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(certOrKey);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return s.toString();
    }

    public static X509Certificate readCertificate(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            if (o instanceof org.bouncycastle.cert.X509CertificateHolder h) {
                return new JcaX509CertificateConverter().getCertificate(h);
            }
            throw new IllegalArgumentException("not a PEM certificate");
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** A key pair as PEM: the private key (PKCS#8) followed by its public key. */
    public static String pem(KeyPair key) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key.getPrivate(), null));
            w.writeObject(key.getPublic());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return s.toString();
    }

    public static KeyPair readKeyPair(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            java.security.PrivateKey priv = null;
            java.security.PublicKey pub = null;
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getKeyPair(kp);
                } else if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo k) {
                    priv = conv.getPrivateKey(k);
                } else if (o instanceof org.bouncycastle.asn1.x509.SubjectPublicKeyInfo k) {
                    pub = conv.getPublicKey(k);
                }
            }
            if (priv == null || pub == null) {
                throw new IllegalArgumentException("expected a private key and its public key");
            }
            return new KeyPair(pub, priv);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM key pair: " + e.getMessage(), e);
        }
    }

    /** Writes a secret file readable by its owner only (created with those permissions, then moved in place). */
    public static void writePrivate(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    // ------------------------------------------------------------------ TLS

    /**
     * A context presenting key + chain and trusting certificates issued by ca (or, when ca is null, a server
     * whose chain holds a CA with the pinned SHA-256 fingerprint).
     */
    public static SSLContext context(KeyPair key, X509Certificate[] chain, X509Certificate ca, String pinnedCa) {
        try {
            javax.net.ssl.KeyManager[] kms = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                char[] pw = "x".toCharArray();
                ks.setKeyEntry("me", key.getPrivate(), pw, chain);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                kms = kmf.getKeyManagers();
            }
            TrustManager[] tms;
            if (ca != null) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                ts.setCertificateEntry("ca", ca);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(ts);
                tms = tmf.getTrustManagers();
            } else {
                tms = new TrustManager[] {new PinnedCa(pinnedCa)};
            }
            SSLContext c = SSLContext.getInstance("TLSv1.3");
            c.init(kms, tms, RANDOM);
            return c;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** Trusts a server whose chain ends in the CA with that fingerprint and whose leaf that CA signed. */
    private record PinnedCa(String expected) implements X509TrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length < 2) {
                throw new CertificateException("the front-end sent no CA certificate to check against the token");
            }
            X509Certificate ca = chain[chain.length - 1];
            if (!AgentPki.fingerprint(ca).equalsIgnoreCase(expected)) {
                throw new CertificateException("the front-end's CA is not the one the enrolment token names");
            }
            try {
                chain[0].verify(ca.getPublicKey());
                chain[0].checkValidity();
            } catch (GeneralSecurityException e) {
                throw new CertificateException("the front-end's certificate is not signed by its CA", e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("enrolment contexts do not accept clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
