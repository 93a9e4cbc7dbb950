package dev.nimbo.server.auth.ssh;

import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code ssh} driver: the user's PASSWORD is its SSH public key (an OpenSSH line, or OpenNebula's base64
 * PKCS#1 RSA form); the secret is an {@link SshLoginToken} signed with the private key. Refused: a bad
 * signature, an expired token, one valid for longer than {@code maxValidity} ahead, and any nonce already
 * used (kept until its token expires, so a captured token cannot be replayed). Thread-safe.
 */
public final class SshBackend implements AuthBackend {
    public static final String DRIVER = "ssh";
    private static final int MAX_NONCES = 1_000_000;

    private final Clock clock;
    private final Duration maxValidity;
    /** uid + ":" + nonce → expiry (epoch seconds) of every token accepted and not yet expired. */
    private final ConcurrentHashMap<String, Long> used = new ConcurrentHashMap<>();

    public SshBackend(Clock clock, Duration maxValidity) {
        this.clock = clock;
        this.maxValidity = maxValidity;
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public Outcome verify(User user, Credentials c) {
        SshKeys.Public key;
        try {
            key = SshKeys.parsePublic(user.password());
        } catch (IllegalArgumentException e) {
            throw new AuthFailure("user's registered SSH public key is unusable: " + e.getMessage());
        }
        SshLoginToken.Parsed token = SshLoginToken.parse(c.secret());
        if (token == null) {
            return openNebulaToken(user, c.secret(), key);
        }
        if (!SshLoginToken.verify(user.name(), token, key)) {
            throw new AuthFailure("SSH login token signature does not match the user's public key");
        }
        long now = clock.millis() / 1000;
        if (token.expiry() <= now) {
            throw new AuthFailure("SSH login token expired", "The SSH login token has expired, sign a new one.");
        }
        if (token.expiry() - now > maxValidity.toSeconds()) {
            throw new AuthFailure("SSH login token valid for more than " + maxValidity.toSeconds() + " s",
                    "SSH login tokens may be valid for at most " + maxValidity.toSeconds() + " s.");
        }
        firstUse(user.id() + ":" + token.nonce(), token.expiry(), now);
        return Outcome.NONE;
    }

    private void firstUse(String key, long expiry, long now) {
        if (used.size() >= MAX_NONCES) {
            used.values().removeIf(e -> e <= now);
        }
        if (used.putIfAbsent(key, expiry) != null) {
            throw new AuthFailure("SSH login token replayed", "This SSH login token was already used.");
        }
    }

    /**
     * The token OpenNebula's own CLI makes ({@code oneuser login --ssh}): "user:expiry" RSA-encrypted with the
     * private key (PKCS#1 v1.5 type 1, i.e. a raw signature), base64. Its validity is the login's --time, so
     * max_validity does not apply; like ours it is accepted once, which is all that CLI needs (it trades it for
     * a login token at once).
     */
    private Outcome openNebulaToken(User user, String secret, SshKeys.Public key) {
        if (!(key.key() instanceof java.security.interfaces.RSAPublicKey)) {
            throw new AuthFailure("secret is not an SSH login token");
        }
        String plain;
        try {
            javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(javax.crypto.Cipher.DECRYPT_MODE, key.key());
            plain = new String(rsa.doFinal(java.util.Base64.getMimeDecoder().decode(secret)),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new AuthFailure("secret is not an SSH login token signed by the user's key");
        }
        int colon = plain.lastIndexOf(':');
        long expiry;
        try {
            expiry = Long.parseLong(plain.substring(colon + 1).strip());
        } catch (RuntimeException e) {
            throw new AuthFailure("OpenNebula SSH token is malformed");
        }
        if (colon <= 0 || !plain.substring(0, colon).equals(user.name())) {
            throw new AuthFailure("OpenNebula SSH token was made for another user");
        }
        long now = clock.millis() / 1000;
        if (expiry <= now) {
            throw new AuthFailure("SSH login token expired", "The SSH login token has expired, sign a new one.");
        }
        firstUse(user.id() + ":one:" + dev.nimbo.core.user.PasswordHasher.sha256Hex(secret), expiry, now);
        return Outcome.NONE;
    }
}
