package dev.nimbo.server.auth;

import dev.nimbo.client.auth.SshKeys;

/**
 * What external drivers keep as a user's PASSWORD, checked when it is set (one.user.allocate, passwd, chauth)
 * rather than at the first failed login: an SSH public key must parse, an X.509 subject DN is kept in one
 * normal form. Stateless.
 */
public final class DriverSecrets {
    private DriverSecrets() {
    }

    /** Drivers whose PASSWORD a user may change with one.user.passwd besides the password drivers. */
    public static boolean changeable(String driver) {
        return driver.equals("ssh") || driver.equals("x509");
    }

    /**
     * The PASSWORD to store for {@code secret} under {@code driver} (not a password driver).
     *
     * @throws IllegalArgumentException with a message for the caller when the secret is invalid
     */
    public static String stored(String driver, String secret) {
        return switch (driver) {
            case "ssh" -> {
                SshKeys.parsePublic(secret);
                yield secret.strip();
            }
            case "x509" -> dev.nimbo.server.auth.x509.X509Backend.normalize(secret);
            default -> secret;
        };
    }
}
