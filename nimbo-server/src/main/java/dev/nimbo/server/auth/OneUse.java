package dev.nimbo.server.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers signed login tokens already accepted until they expire, so each is accepted once (replay
 * protection for the ssh and x509 drivers). Bounded: expired entries are dropped when it fills. Thread-safe.
 */
public final class OneUse {
    private static final int MAX = 1_000_000;
    private final ConcurrentHashMap<String, Long> used = new ConcurrentHashMap<>();

    /** Records {@code key} (valid until {@code expiry}, epoch seconds) or fails if it was seen before. */
    public void claim(String key, long expiry, long now) {
        if (used.size() >= MAX) {
            used.values().removeIf(e -> e <= now);
        }
        if (used.putIfAbsent(key, expiry) != null) {
            throw new AuthFailure("login token replayed", "This login token was already used.");
        }
    }

    /**
     * OpenNebula's drivers sign "user:expiry" by RSA-encrypting it with the private key (PKCS#1 v1.5 type 1,
     * a raw signature) and base64-encoding it; this undoes that with the public key.
     *
     * @throws AuthFailure when it does not decrypt with this key
     */
    public static String rsaPublicDecrypt(java.security.PublicKey key, String base64) {
        try {
            javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(javax.crypto.Cipher.DECRYPT_MODE, key);
            return new String(rsa.doFinal(java.util.Base64.getMimeDecoder().decode(base64)),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new AuthFailure("token is not signed by the user's key");
        }
    }

    /** Checks an OpenNebula-signed "user:expiry" text; returns the expiry. */
    public static long checkSignedText(String plain, String user, long now) {
        int colon = plain.lastIndexOf(':');
        long expiry;
        try {
            expiry = Long.parseLong(plain.substring(colon + 1).strip());
        } catch (RuntimeException e) {
            throw new AuthFailure("signed token text is malformed");
        }
        if (colon <= 0 || !plain.substring(0, colon).equals(user)) {
            throw new AuthFailure("token was made for another user");
        }
        if (expiry <= now) {
            throw new AuthFailure("login token expired", "The login token has expired, sign a new one.");
        }
        return expiry;
    }
}
