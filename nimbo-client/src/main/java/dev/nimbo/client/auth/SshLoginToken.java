package dev.nimbo.client.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret a user of the ssh driver presents: a statement "this user, until this time, nonce N" signed with
 * the user's private SSH key, checked by the daemon against the registered public key. It expires, and the
 * daemon accepts each nonce once, so a captured token cannot be replayed; the CLI therefore uses it for a single
 * one.user.login call and keeps the login token it gets back. Wire form (the part after {@code user:} in the
 * session string): {@code ssh-v1:EXPIRY:NONCE:SIGNATURE} (epoch seconds, 32 hex digits, base64url).
 * Stateless; thread-safe.
 */
public final class SshLoginToken {
    public static final String PREFIX = "ssh-v1:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private SshLoginToken() {
    }

    /** A parsed token: what was signed, and the signature. */
    public record Parsed(long expiry, String nonce, byte[] signature) {
    }

    public static String sign(String user, SshKeys.Private key, long expiryEpochSeconds) {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        try {
            Signature s = Signature.getInstance(key.signatureAlgorithm());
            s.initSign(key.key());
            s.update(message(user, expiryEpochSeconds, nonce));
            return PREFIX + expiryEpochSeconds + ":" + nonce + ":"
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    /** Parses the secret, or returns null when it is not an SSH login token at all. */
    public static Parsed parse(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return null;
        }
        String[] p = secret.substring(PREFIX.length()).split(":", -1);
        if (p.length != 3 || !p[1].matches("[0-9a-f]{32}")) {
            return null;
        }
        try {
            return new Parsed(Long.parseLong(p[0]), p[1], Base64.getUrlDecoder().decode(p[2]));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static boolean verify(String user, Parsed token, SshKeys.Public key) {
        try {
            Signature s = Signature.getInstance(key.signatureAlgorithm());
            s.initVerify(key.key());
            s.update(message(user, token.expiry(), token.nonce()));
            return s.verify(token.signature());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Domain-separated, so a signature made for anything else never verifies as a login. */
    private static byte[] message(String user, long expiry, String nonce) {
        return ("nimbo-ssh-login-v1\n" + user + "\n" + expiry + "\n" + nonce).getBytes(StandardCharsets.UTF_8);
    }
}
