package dev.nimbo.client.auth;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * SSH keys with JDK crypto only. Public keys: an OpenSSH line ({@code ssh-ed25519 AAAA… comment},
 * {@code ssh-rsa AAAA…}) or OpenNebula's form for the ssh driver (base64 of the DER PKCS#1 RSA public key, what
 * {@code oneuser key} prints). Private keys: OpenSSH's own format (unencrypted; what {@code ssh-keygen} writes),
 * PKCS#8 PEM and PKCS#1 RSA PEM. Bad input is an {@link IllegalArgumentException} whose message says what is
 * wrong. Stateless; thread-safe.
 */
public final class SshKeys {
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SshKeys() {
    }

    /** A parsed public key and the JCA signature algorithm its holder signs with. */
    public record Public(PublicKey key, String signatureAlgorithm) {
    }

    /** A parsed private key and the JCA signature algorithm to sign with. */
    public record Private(PrivateKey key, String signatureAlgorithm) {
    }

    public static Public parsePublic(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("The SSH public key is empty");
        }
        try {
            if (t.startsWith("ssh-") || t.startsWith("ecdsa-")) {
                String[] parts = t.split("\\s+");
                if (parts.length < 2) {
                    throw new IllegalArgumentException("The SSH public key has no key data after its type");
                }
                Public p = fromBlob(Base64.getDecoder().decode(parts[1]));
                String declared = parts[0];
                String inBlob = blobType(Base64.getDecoder().decode(parts[1]));
                if (!declared.equals(inBlob)) {
                    throw new IllegalArgumentException("The SSH public key says " + declared + " but holds " + inBlob);
                }
                return p;
            }
            // OpenNebula's ssh driver: base64 of the DER RSAPublicKey (PKCS#1), possibly wrapped over lines
            byte[] der = Base64.getMimeDecoder().decode(t);
            try {
                // an X.509 SubjectPublicKeyInfo (what `openssl rsa -pubout` writes) is accepted too
                return new Public(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der)), "SHA256withRSA");
            } catch (GeneralSecurityException notSpki) {
                // PKCS#1 below
            }
            Der.Reader seq = new Der.Reader(der).sequence();
            BigInteger n = seq.integer();
            BigInteger e = seq.integer();
            return new Public(KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)), "SHA256withRSA");
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("The SSH")) {
                throw iae;
            }
            throw new IllegalArgumentException("The SSH public key is not valid: expected an OpenSSH public key line "
                    + "(ssh-ed25519 or ssh-rsa) or a base64 PKCS#1 RSA key");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("The SSH public key is not valid: " + e.getMessage());
        }
    }

    private static String blobType(byte[] blob) {
        return string(ByteBuffer.wrap(blob));
    }

    /** The key in an SSH wire blob (string type, then type-specific fields). */
    static Public fromBlob(byte[] blob) throws GeneralSecurityException {
        ByteBuffer b = ByteBuffer.wrap(blob);
        String type = string(b);
        switch (type) {
            case "ssh-ed25519" -> {
                byte[] raw = bytes(b);
                if (raw.length != 32) {
                    throw new IllegalArgumentException("The SSH public key is not valid: Ed25519 keys are 32 bytes");
                }
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return new Public(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)), "Ed25519");
            }
            case "ssh-rsa" -> {
                BigInteger e = mpint(b);
                BigInteger n = mpint(b);
                return new Public(KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)), "SHA256withRSA");
            }
            default -> throw new IllegalArgumentException("The SSH key type " + type + " is not supported (use ssh-ed25519 or ssh-rsa)");
        }
    }

    public static Private parsePrivate(String pem) {
        String t = pem == null ? "" : pem.strip();
        try {
            if (t.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")) {
                return openssh(body(t, "OPENSSH PRIVATE KEY"));
            }
            if (t.startsWith("-----BEGIN RSA PRIVATE KEY-----")) {
                if (t.contains("ENCRYPTED")) {
                    throw new IllegalArgumentException(encrypted());
                }
                Der.Reader seq = new Der.Reader(body(t, "RSA PRIVATE KEY")).sequence();
                seq.integer(); // version
                BigInteger n = seq.integer(), e = seq.integer(), d = seq.integer(), p = seq.integer(), q = seq.integer(),
                        dp = seq.integer(), dq = seq.integer(), qinv = seq.integer();
                return new Private(KeyFactory.getInstance("RSA").generatePrivate(
                        new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, qinv)), "SHA256withRSA");
            }
            if (t.startsWith("-----BEGIN PRIVATE KEY-----")) {
                byte[] der = body(t, "PRIVATE KEY");
                for (String alg : new String[] {"Ed25519", "RSA"}) {
                    try {
                        PrivateKey k = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                        return new Private(k, alg.equals("RSA") ? "SHA256withRSA" : "Ed25519");
                    } catch (GeneralSecurityException notThisOne) {
                        // try the next algorithm
                    }
                }
                throw new IllegalArgumentException("The private key is neither an RSA nor an Ed25519 key");
            }
            if (t.contains("ENCRYPTED")) {
                throw new IllegalArgumentException(encrypted());
            }
            throw new IllegalArgumentException("Not a private key file: expected an OpenSSH, PKCS#8 or PKCS#1 RSA PEM key");
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("The private key file is truncated or corrupt");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("The private key is not valid: " + e.getMessage());
        }
    }

    private static String encrypted() {
        return "Encrypted private keys are not supported: remove the passphrase of a copy (ssh-keygen -p -N '' -f COPY)";
    }

    private static Private openssh(byte[] data) throws GeneralSecurityException {
        byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.wrap(data);
        byte[] head = new byte[magic.length];
        b.get(head);
        if (!java.util.Arrays.equals(head, magic)) {
            throw new IllegalArgumentException("Not an OpenSSH private key (bad magic)");
        }
        String cipher = string(b);
        string(b); // kdf name
        bytes(b); // kdf options
        if (!cipher.equals("none")) {
            throw new IllegalArgumentException(encrypted());
        }
        if (b.getInt() != 1) {
            throw new IllegalArgumentException("OpenSSH key files with several keys are not supported");
        }
        bytes(b); // public key blob
        ByteBuffer p = ByteBuffer.wrap(bytes(b));
        if (p.getInt() != p.getInt()) {
            throw new IllegalArgumentException("The OpenSSH private key is corrupt (check bytes differ)");
        }
        String type = string(p);
        switch (type) {
            case "ssh-ed25519" -> {
                bytes(p); // public part
                byte[] priv = bytes(p); // 32-byte seed followed by the public key
                byte[] seed = java.util.Arrays.copyOf(priv, 32);
                return new Private(KeyFactory.getInstance("Ed25519").generatePrivate(
                        new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)), "Ed25519");
            }
            case "ssh-rsa" -> {
                BigInteger n = mpint(p), e = mpint(p), d = mpint(p), iqmp = mpint(p), pp = mpint(p), q = mpint(p);
                BigInteger dp = d.mod(pp.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
                return new Private(KeyFactory.getInstance("RSA").generatePrivate(
                        new RSAPrivateCrtKeySpec(n, e, d, pp, q, dp, dq, iqmp)), "SHA256withRSA");
            }
            default -> throw new IllegalArgumentException("The SSH key type " + type + " is not supported (use ssh-ed25519 or ssh-rsa)");
        }
    }

    /** An OpenSSH public key line for a key (used to register keys generated by tests and tools). */
    public static String openSshLine(PublicKey key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
            putString(out, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
            putString(out, rsa.getPublicExponent().toByteArray());
            putString(out, rsa.getModulus().toByteArray());
            return "ssh-rsa " + Base64.getEncoder().encodeToString(out.toByteArray());
        }
        if (key.getAlgorithm().equals("Ed25519") || key.getAlgorithm().equals("EdDSA")) {
            byte[] spki = key.getEncoded();
            byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            putString(out, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
            putString(out, raw);
            return "ssh-ed25519 " + Base64.getEncoder().encodeToString(out.toByteArray());
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
    }

    private static void putString(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static byte[] body(String pem, String label) {
        int start = pem.indexOf("-----BEGIN " + label + "-----");
        int end = pem.indexOf("-----END " + label + "-----");
        if (start < 0 || end < 0) {
            throw new IllegalArgumentException("The key file has no END " + label + " line");
        }
        String b64 = pem.substring(start + label.length() + 16, end);
        if (b64.contains(":")) {
            throw new IllegalArgumentException(encrypted()); // Proc-Type/DEK-Info headers of an encrypted PEM
        }
        return Base64.getMimeDecoder().decode(b64);
    }

    static byte[] bytes(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    static String string(ByteBuffer b) {
        return new String(bytes(b), StandardCharsets.US_ASCII);
    }

    static BigInteger mpint(ByteBuffer b) {
        return new BigInteger(bytes(b));
    }
}
