package dev.nimbo.agent.link;

import dev.nimbo.drivers.agent.AgentPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;

/**
 * The host's identity in the agent's data directory: {@code agent/key.pem} (its private key, made here and never
 * sent), {@code agent/cert.pem} (issued by the front-end's CA at enrolment) and {@code agent/ca.pem}. Immutable.
 */
public record Identity(KeyPair key, X509Certificate cert, X509Certificate ca) {

    static Path dir(Path data) {
        return data.resolve("agent");
    }

    /** The stored identity, or null when the host has not enrolled yet. */
    public static Identity load(Path data) throws IOException {
        Path d = dir(data);
        if (!Files.exists(d.resolve("cert.pem")) || !Files.exists(d.resolve("key.pem"))
                || !Files.exists(d.resolve("ca.pem"))) {
            return null;
        }
        return new Identity(AgentPki.readKeyPair(Files.readString(d.resolve("key.pem"))),
                AgentPki.readCertificate(Files.readString(d.resolve("cert.pem"))),
                AgentPki.readCertificate(Files.readString(d.resolve("ca.pem"))));
    }

    public void save(Path data) throws IOException {
        Path d = dir(data);
        AgentPki.writePrivate(d.resolve("key.pem"), AgentPki.pem(key));
        AgentPki.writePrivate(d.resolve("ca.pem"), AgentPki.pem(ca));
        // the certificate last: its presence means the identity is complete
        AgentPki.writePrivate(d.resolve("cert.pem"), AgentPki.pem(cert));
    }

    /** The host ID the certificate names (CN host-ID). */
    public int hostId() {
        String cn = AgentPki.commonName(cert);
        return cn.startsWith("host-") ? Integer.parseInt(cn.substring(5)) : -1;
    }
}
