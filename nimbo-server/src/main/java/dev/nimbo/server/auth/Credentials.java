package dev.nimbo.server.auth;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What one request presents: the user name and secret of its session string, the address it came from and,
 * over HTTPS, the client certificate chain the TLS handshake received (empty otherwise; not yet validated).
 * The secret must never be logged. Immutable.
 */
public record Credentials(String userName, String secret, String remoteAddress, List<X509Certificate> peerChain) {

    public Credentials {
        remoteAddress = remoteAddress == null ? "-" : remoteAddress;
        peerChain = peerChain == null ? List.of() : List.copyOf(peerChain);
    }

    /** The same request on behalf of another name (a directory's canonical name for the login). */
    public Credentials withUserName(String name) {
        return new Credentials(name, secret, remoteAddress, peerChain);
    }

    @Override
    public String toString() {
        return "Credentials[" + userName + " from " + remoteAddress + "]"; // never the secret
    }
}
