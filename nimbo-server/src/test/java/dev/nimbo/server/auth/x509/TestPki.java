package dev.nimbo.server.auth.x509;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway PKI for TLS and x509 tests: a CA, certificates it issues (server with 127.0.0.1/localhost names,
 * clients with any subject and validity), and CRLs, written as PEM files. BouncyCastle builds them because the
 * JDK has no public API to issue certificates or CRLs (keytool cannot make CRLs).
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    public record Issued(X509Certificate cert, KeyPair keys) {
        public BigInteger serial() {
            return cert.getSerialNumber();
        }
    }

    public final Issued ca;
    private final Path dir;

    public TestPki(Path dir, String caName) throws Exception {
        this.dir = dir;
        KeyPair kp = keys();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + caName + ",O=Nimbo Test");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = new Issued(new JcaX509CertificateConverter().getCertificate(b.build(signer(kp))), kp);
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static ContentSigner signer(KeyPair kp) throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
    }

    public Issued server() throws Exception {
        Instant now = Instant.now();
        return issue("CN=localhost,O=Nimbo Test", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), true);
    }

    public Issued client(String subject) throws Exception {
        Instant now = Instant.now();
        return issue(subject, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), false);
    }

    public Issued issue(String subject, Instant notBefore, Instant notAfter, boolean server) throws Exception {
        return issue(subject, notBefore, notAfter, server, keys());
    }

    /** A client certificate with an RSA key (OpenNebula's x509 tokens are RSA signatures). */
    public Issued rsaClient(String subject) throws Exception {
        Instant now = Instant.now();
        return issue(subject, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), false,
                KeyPairGenerator.getInstance("RSA").generateKeyPair());
    }

    private Issued issue(String subject, Instant notBefore, Instant notAfter, boolean server, KeyPair kp) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert(),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                new javax.security.auth.x500.X500Principal(subject), kp.getPublic()); // RFC 2253 order, as Java reads DNs
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        if (server) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        return new Issued(new JcaX509CertificateConverter().getCertificate(b.build(signer(ca.keys()))), kp);
    }

    public X509CRL crl(List<BigInteger> revoked) throws Exception {
        Instant now = Instant.now();
        // the CA certificate's own encoding of its name: a re-encoded issuer name would not match in PKIX
        X509v2CRLBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder(ca.cert(),
                Date.from(now.minus(Duration.ofMinutes(5))));
        b.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
        for (BigInteger serial : revoked) {
            b.addCRLEntry(serial, Date.from(now.minus(Duration.ofMinutes(1))), CRLReason.keyCompromise);
        }
        return new JcaX509CRLConverter().getCRL(b.build(signer(ca.keys())));
    }

    /** Writes NAME.pem (certificate) and NAME.key (PKCS#8) and returns the certificate's path. */
    public Path write(String name, Issued i) throws Exception {
        Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", i.keys().getPrivate().getEncoded()));
        Path cert = dir.resolve(name + ".pem");
        Files.writeString(cert, pem("CERTIFICATE", i.cert().getEncoded()));
        return cert;
    }

    public Path writeCrl(String name, X509CRL crl) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, pem("X509 CRL", crl.getEncoded()));
        return p;
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
