package dev.nimbo.server.agent;

import dev.nimbo.drivers.agent.AgentPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * The front-end's certificate authority for agents, kept in {@code DATA/agent-ca/}: made on first start (a CA and
 * the front-end's server certificate it signs), then loaded. It issues each host's certificate at enrolment.
 * Immutable after loading; thread-safe.
 */
public final class AgentCa {
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration HOST_VALIDITY = Duration.ofDays(825);

    private final KeyPair caKey;
    private final X509Certificate caCert;
    private final KeyPair serverKey;
    private final X509Certificate serverCert;

    private AgentCa(KeyPair caKey, X509Certificate caCert, KeyPair serverKey, X509Certificate serverCert) {
        this.caKey = caKey;
        this.caCert = caCert;
        this.serverKey = serverKey;
        this.serverCert = serverCert;
    }

    public static synchronized AgentCa loadOrCreate(Path dir) throws IOException {
        Path caPem = dir.resolve("ca.pem");
        Path serverPem = dir.resolve("server.pem");
        if (!Files.exists(caPem)) {
            KeyPair k = AgentPki.newKeyPair();
            X509Certificate c = AgentPki.selfSignedCa(k, "Nimbo agents CA", CA_VALIDITY);
            AgentPki.writePrivate(dir.resolve("ca.key"), AgentPki.pem(k));
            AgentPki.writePrivate(caPem, AgentPki.pem(c));
            Files.deleteIfExists(serverPem);
        }
        KeyPair caKey = AgentPki.readKeyPair(Files.readString(dir.resolve("ca.key")));
        X509Certificate caCert = AgentPki.readCertificate(Files.readString(caPem));
        if (!Files.exists(serverPem)) {
            KeyPair k = AgentPki.newKeyPair();
            X509Certificate c = AgentPki.issueFor(k, "nimbo-frontend", caKey.getPrivate(), caCert, CA_VALIDITY);
            AgentPki.writePrivate(dir.resolve("server.key"), AgentPki.pem(k));
            AgentPki.writePrivate(serverPem, AgentPki.pem(c));
        }
        return new AgentCa(caKey, caCert, AgentPki.readKeyPair(Files.readString(dir.resolve("server.key"))),
                AgentPki.readCertificate(Files.readString(serverPem)));
    }

    public String fingerprint() {
        return AgentPki.fingerprint(caCert);
    }

    public X509Certificate caCert() {
        return caCert;
    }

    /** The host's certificate (CN host-ID) for its request; IllegalArgumentException for a bad request. */
    public X509Certificate issueHost(int hostId, byte[] csr) {
        return AgentPki.issue(csr, "host-" + hostId, caKey.getPrivate(), caCert, HOST_VALIDITY);
    }

    public javax.net.ssl.SSLContext serverContext() {
        return AgentPki.context(serverKey, new X509Certificate[] {serverCert, caCert}, caCert, null);
    }
}
